/**
 * Routing drift of the routes the ASM router carries (`router: asm`): the route's Istio DestinationRule exists,
 * carries the outlier detection locality load balancing needs, carries as `localityLbSetting.distribute` the
 * committed weights (fenced clusters at 0, as asm-router.ts writes them), a revision fleet-dr committed, and no
 * locality setting fleet-dr does not write (`failover`, a distribute it cannot read). Pure.
 */
import type { Policy } from '../config';
import { type ClusterLocality, clusterLocalities, weightsFromDistribute } from '../gateway/asm-distribute';
import { ASM_KEYS } from '../gateway/asm-router';
import { normaliseTo100, type Weights } from '../gateway/canary-weights';
import { routerNameOf } from '../gateway/router-by-route';
import { finishing, repairBlocker, stateOf } from './safety';
import type { CompareInput, DestinationRuleView, Difference } from './types';

type Found = Extract<DestinationRuleView, { found: true }>;
type State = NonNullable<ReturnType<typeof stateOf>>;
type Snapshot = CompareInput['snapshot'];

const UNSAFE = { safeToRepair: false } as const;

/** `c1 0, c2 100`, in the policy's cluster order. */
const weightsText = (w: Weights, clusters: ClusterLocality[]) =>
  clusters.map((c) => `${c.id} ${w[c.id] ?? 0}`).join(', ');

/** The mesh routing differences of every `router: asm` route whose DestinationRule was read. */
export function compareMeshRouting({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  // While the last transition is carried out the rule may lag it by design: its weights and revision wait.
  const state = finishing(snapshot) ? undefined : stateOf(snapshot);
  const clusters = clusterLocalities(policy);
  for (const route of policy.routes) {
    if (routerNameOf(route) !== 'asm') continue;
    const rule = snapshot.destinationRules?.[route.name];
    // Not read (its error is in the snapshot's errors): nothing is compared.
    if (!rule) continue;
    const object = `destinationrule ${rule.namespace}/${rule.name}`;
    if (!rule.found) {
      out.push({
        kind: 'mesh-rule-missing',
        object,
        expected: `the DestinationRule of route ${route.name} exists`,
        actual: 'missing',
        ...UNSAFE,
        why: 'the DestinationRule is the team\u2019s (GitOps); fleet-dr steers it but never creates it',
      });
      continue;
    }
    if (!rule.outlierDetection)
      out.push({
        kind: 'mesh-outlier-missing',
        object,
        expected: 'trafficPolicy.outlierDetection set (locality load balancing needs it)',
        actual: 'no outlierDetection',
        ...UNSAFE,
        why: 'outlier detection is the team\u2019s setting; fleet-dr does not write a rule without it',
      });
    const foreign = foreignEdits(rule, clusters, state);
    if (foreign.actual.length)
      out.push({
        kind: 'mesh-rule-foreign-edit',
        object,
        expected:
          'locality load balancing as fleet-dr writes it (distribute only), for a revision fleet-dr committed',
        actual: foreign.actual.join('; '),
        ...(foreign.detail.length ? { detail: foreign.detail.join('; ') } : {}),
        ...UNSAFE,
        why: 'the DestinationRule was edited by someone else; an operator decides which setting stands',
      });
    if (state?.governsSplit && !foreign.unreadable)
      out.push(...weightDifference(policy, snapshot, route.name, rule, object, clusters, state));
  }
  return out;
}

/** What of the rule fleet-dr did not write: a revision never committed, `failover`, an unreadable distribute. */
function foreignEdits(
  rule: Found,
  clusters: ClusterLocality[],
  state: State | undefined,
): { actual: string[]; detail: string[]; unreadable: boolean } {
  const actual: string[] = [];
  const detail: string[] = [];
  const lb = rule.localityLbSetting;
  const failover = Array.isArray(lb?.failover) && lb.failover.length > 0;
  if (failover) actual.push('localityLbSetting.failover is set (Istio refuses it together with distribute)');
  const spec = { trafficPolicy: { loadBalancer: { localityLbSetting: lb ?? undefined } } };
  const hasDistribute = Array.isArray(lb?.distribute) && lb.distribute.length > 0;
  const unreadable =
    failover ||
    (hasDistribute && weightsFromDistribute(spec, clusters) === undefined) ||
    lb?.enabled === false;
  if (state?.governsSplit) {
    if (unreadable && !failover)
      actual.push(
        lb?.enabled === false
          ? 'locality load balancing is disabled'
          : 'a distribute fleet-dr did not write (not one split over the clusters\u2019 localities)',
      );
    const raw = rule.annotations[ASM_KEYS.revision];
    const rev = Number(raw);
    // The committed revision moves on every commit, the rule's only when it is written: both are detail.
    if (raw === undefined || raw === '') actual.push(`no ${ASM_KEYS.revision}`);
    else if (!Number.isInteger(rev)) actual.push(`${ASM_KEYS.revision} is not an integer`);
    else if (rev > state.revision) actual.push(`${ASM_KEYS.revision} is a revision never committed`);
    if (raw !== undefined && raw !== '' && (!Number.isInteger(rev) || rev > state.revision))
      detail.push(`the rule says revision ${raw}; the routing state is at revision ${state.revision}`);
  }
  return { actual, detail, unreadable };
}

/**
 * The committed weights against the rule's distribute. The mesh is given them with the clusters the rule's
 * bookkeeping fences at 0 and the others' shares scaled back to 100 (asm-router.ts `effective`); re-applying
 * them is safe unless a cluster that would get traffic cannot take it, or the rule cannot be written.
 */
function weightDifference(
  policy: Policy,
  snapshot: Snapshot,
  routeName: string,
  rule: Found,
  object: string,
  clusters: ClusterLocality[],
  state: State,
): Difference[] {
  const want = state.weights[routeName];
  // No committed weights for the route: the pipeline carries none (finish-committed.ts applyWeights).
  if (!want) return [];
  const fenced = (rule.annotations[ASM_KEYS.fenced] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const kept = Object.fromEntries(clusters.map((c) => [c.id, fenced.includes(c.id) ? 0 : (want[c.id] ?? 0)]));
  // Fencing would leave no cluster with traffic: the router refuses to write that, there is no split to expect.
  if (Object.values(kept).every((w) => w === 0)) return [];
  const expected = normaliseTo100(kept);
  const spec = {
    trafficPolicy: { loadBalancer: { localityLbSetting: rule.localityLbSetting ?? undefined } },
  };
  const carried = weightsFromDistribute(spec, clusters);
  if (carried && clusters.every((c) => (carried[c.id] ?? 0) === (expected[c.id] ?? 0))) return [];
  const fencedNote = fenced.length ? ` (${fenced.join(', ')} fenced)` : '';
  const blocked = policy.clusters
    .filter((c) => (expected[c.id] ?? 0) > 0)
    .map((c) => repairBlocker(snapshot, c.id))
    .find((x) => x !== undefined);
  const noWrite = repairWouldNotWrite(rule, carried, want, state, clusters);
  const repair = noWrite
    ? { safeToRepair: false, why: noWrite }
    : blocked
      ? { safeToRepair: false, why: `the committed weights give traffic where ${blocked}` }
      : { safeToRepair: true, repair: 'weights' as const };
  return [
    {
      kind: 'mesh-rule-weights',
      object,
      expected: `distribute ${weightsText(expected, clusters)}${fencedNote}`,
      actual: carried ? `distribute ${weightsText(carried, clusters)}` : 'no locality distribute',
      ...repair,
    },
  ];
}

/**
 * Why carrying the committed weights again (the pipeline's applyWeights through the ASM router) would leave
 * this rule as it is, or undefined when it would rewrite it: the router refuses a rule without outlier
 * detection and one written for a newer revision, and writes only when the weights it reads back
 * (asm-router.ts readWeights: the rule's distribute) differ from the committed ones.
 */
function repairWouldNotWrite(
  rule: Found,
  carried: Weights | undefined,
  want: Weights,
  state: State,
  clusters: ClusterLocality[],
): string | undefined {
  if (!rule.outlierDetection) return 'fleet-dr does not write a DestinationRule without outlierDetection';
  const rev = Number(rule.annotations[ASM_KEYS.revision]);
  if (Number.isFinite(rev) && rule.annotations[ASM_KEYS.revision] && rev > state.revision)
    return 'the rule says it was written for a revision never committed: the router does not overwrite a newer write';
  if (carried && clusters.every((c) => (carried[c.id] ?? 0) === (want[c.id] ?? 0)))
    return 'the rule carries the committed weights without the fencing: the router reads them as written and writes nothing; fence the cluster again';
  return undefined;
}
