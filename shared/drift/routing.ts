/**
 * Routing drift: each fleet-dr canary exists and carries the committed weight, a committed revision and the
 * cluster's pin; the pin selects the Service's pods in its cluster (a pin that matches no pod sends traffic
 * everywhere); no foreign canary on the route's host and path takes weight without fleet-dr knowing.
 */

import type { Cluster, Policy } from '../config';
import { canaryName, gatewayKeys, MANAGED_BY, subsetLabelsValue } from '../gateway/annotations';
import { pinOf } from '../gateway/pin';
import { routerNameOf } from '../gateway/router-by-route';
import { finishing, repairBlocker, stateOf } from './safety';
import type { CompareInput, Difference, IngressView } from './types';

const ingressName = (i: { namespace: string; name: string }) => `ingress ${i.namespace}/${i.name}`;
const pathKey = (p: { host: string; path: string }) => `${p.host || '*'}${p.path || '/'}`;

type Snapshot = CompareInput['snapshot'];
type RouteSnapshot = NonNullable<Snapshot['routes'][string]>;
type Route = Policy['routes'][number];
type Keys = ReturnType<typeof gatewayKeys>;

/** The routing differences of every route. */
export function compareRouting({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  const keys = gatewayKeys(policy.gateway);
  const state = stateOf(snapshot);
  for (const route of policy.routes) {
    const r = snapshot.routes[route.name];
    // An ASM route is steered through its DestinationRule, not canary Ingresses: mesh-routing.ts compares it.
    if (!r || routerNameOf(route) === 'asm') continue;
    const mine = r.ingresses.filter(
      (i) => i.labels[keys.managedBy] === MANAGED_BY && i.labels[keys.route] === route.name,
    );
    if (state?.governsSplit && !finishing(snapshot))
      out.push(...canaryDifferences(policy, snapshot, route, mine, state, keys));
    out.push(...pinDifferences(policy, route, r));
    out.push(...foreignCanaries(r, keys));
  }
  return out;
}

/**
 * fleet-dr's canaries of one route against the committed state: each exists, carries the committed weight
 * (repaired when that is safe), a revision fleet-dr committed and the cluster's pin.
 */
function canaryDifferences(
  policy: Policy,
  snapshot: Snapshot,
  route: Route,
  mine: IngressView[],
  state: NonNullable<ReturnType<typeof stateOf>>,
  keys: Keys,
): Difference[] {
  const out: Difference[] = [];
  const want = state.weights[route.name] ?? {};
  // Re-applying the committed weights must not give traffic to a cluster that cannot take it.
  const blocked = policy.clusters
    .filter((c) => (want[c.id] ?? 0) > 0)
    .map((c) => repairBlocker(snapshot, c.id))
    .find((x) => x !== undefined);
  const weightRepair = blocked
    ? { safeToRepair: false, why: `the committed weights give traffic where ${blocked}` }
    : { safeToRepair: true, repair: 'weights' as const };
  for (const c of policy.clusters) {
    const name = canaryName(route.ingress, c.id);
    const object = ingressName({ namespace: route.namespace, name });
    const w = want[c.id] ?? 0;
    const canary = mine.find((i) => i.name === name);
    if (!canary) {
      out.push({
        kind: 'canary-missing',
        object,
        expected: `weight ${w}`,
        actual: 'missing',
        cluster: c.id,
        ...weightRepair,
      });
      continue;
    }
    const have = canary.annotations[keys.canaryWeight];
    if (Number(have) !== w)
      out.push({
        kind: 'canary-weight',
        object,
        expected: `weight ${w}`,
        actual: `weight ${have ?? 'none'}`,
        cluster: c.id,
        ...weightRepair,
      });
    const rev = Number(canary.annotations[keys.revision]);
    if (!Number.isInteger(rev) || rev > state.revision)
      out.push({
        kind: 'canary-revision',
        object,
        // The committed revision moves on every commit: it is detail, not part of the fingerprint.
        expected: 'the revision of a commit fleet-dr made',
        detail: `the routing state is at revision ${state.revision}`,
        actual: `revision ${canary.annotations[keys.revision] ?? 'none'}`,
        cluster: c.id,
        safeToRepair: false,
        why: 'the canary was written by someone else; an operator decides which weights stand',
      });
    const pin = pinValue(c, policy.gateway.pin);
    const subset = canary.annotations[keys.serviceSubset];
    const labels = canary.annotations[keys.subsetLabels];
    if (labels !== pin || subset !== c.id)
      out.push({
        kind: 'canary-pin',
        object,
        expected: `subset ${c.id} on ${pin}`,
        actual: `subset ${subset ?? 'none'} on ${labels ?? 'none'}`,
        cluster: c.id,
        safeToRepair: false,
        why: 'the pipeline rewrites a canary only when its weight differs; fix the canary or let the next weight change rewrite it',
      });
  }
  return out;
}

/** Pins that select none of the Service's pods in their cluster (the canary would send traffic everywhere). */
function pinDifferences(policy: Policy, route: Route, r: RouteSnapshot): Difference[] {
  const out: Difference[] = [];
  for (const c of policy.clusters) {
    const wl = r.workloads[c.id];
    if (!wl?.read || !wl.pin || wl.pin.ok) continue;
    out.push({
      kind: 'pin-selects-nothing',
      object: `service ${route.namespace}/${route.service} in ${c.id}`,
      expected: `the pin ${pinValue(c, policy.gateway.pin)} selects the Service's endpoints in ${c.id} only`,
      actual: wl.pin.reason,
      cluster: c.id,
      safeToRepair: false,
      why: "the pods' labels come from the workload's manifests (GitOps)",
    });
  }
  return out;
}

/** Canaries fleet-dr does not own on the route's host and path that take weight. */
function foreignCanaries(r: RouteSnapshot, keys: Keys): Difference[] {
  const out: Difference[] = [];
  const basePaths = new Set((r.base?.paths ?? []).map(pathKey));
  for (const i of r.ingresses) {
    if (i.labels[keys.managedBy] === MANAGED_BY || i.annotations[keys.canary] !== 'true') continue;
    if (!i.paths.some((p) => basePaths.has(pathKey(p)))) continue;
    const w = Number(i.annotations[keys.canaryWeight] ?? 0);
    if (!(w > 0)) continue;
    out.push({
      kind: 'foreign-canary',
      object: ingressName(i),
      expected: `no canary on ${[...basePaths].join(', ')} but fleet-dr's`,
      actual: `a canary with weight ${w}`,
      safeToRepair: false,
      why: 'not fleet-dr\u2019s: its owner removes it or hands it over',
    });
  }
  return out;
}

/** The `subset-labels` value a cluster's canary carries under the policy's pin kind. */
function pinValue(c: Cluster, kind: Policy['gateway']['pin']): string {
  try {
    return subsetLabelsValue(pinOf(c, kind));
  } catch {
    return 'none (no pin for this cluster)';
  }
}

/** Ingress paths as a comparable set. */
export function pathSet(i: IngressView): string[] {
  return i.paths.map((p) => `${pathKey(p)} -> ${p.service}:${p.port}`).sort();
}
