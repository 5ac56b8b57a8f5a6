/**
 * The weight writer for the MSE multi-cluster gateway. fleet-dr owns one canary Ingress per member cluster
 * (`<ingress>-fleet-dr-<clusterId>`), a copy of the base Ingress's rules pinned to that cluster's endpoints
 * with service-subset/subset-labels (the policy's pin: pin.ts) and carrying canary-weight; the canaries'
 * weights sum to 100. The base Ingress (often owned by GitOps) is never modified. Removing the canaries hands
 * the route back to the gateway.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { updateWithRetry } from '../clients/conditional-update';
import { KubeApiError, WeightsError } from '../clients/errors';
import type { KubeClient } from '../clients/kube-client';
import type { Cluster, Route } from '../config';
import { canaryName, type GatewayKeys, MANAGED_BY, subsetLabelsValue } from './annotations';
import { canaryWeights, type Weights } from './canary-weights';
import type { ClusterView } from './endpoint-view';
import { type Pin, pinOf } from './pin';
import { checkPin, type MemberReader, needsNodes, readClusterView } from './pin-check';

/** Writes and reads a route's traffic split. */
export interface WeightWriter {
  /** Check pins, then write every cluster's canary (bounded parallelism). Idempotent. */
  /** With `revision`, a canary already stamped with a newer revision is left alone (a newer commit won). */
  apply(route: Route, weights: Weights, opts?: ApplyOptions): Promise<void>;
  /** The weights the canaries carry now, or undefined if fleet-dr has no canary for the route. */
  read(route: Route): Promise<Weights | undefined>;
  /** Delete the route's canaries: the gateway's default split applies again. */
  release(route: Route): Promise<void>;
  /** Pin check for the clusters that would get traffic. */
  checkPins(route: Route, weights: Weights): Promise<void>;
}

/** What a caller already knows when it applies weights (read beside the gathering, see RouteSnapshot). */
export interface ApplyOptions {
  /** A canary already stamped with a newer committed revision is left alone (a newer commit won). */
  revision?: number;
  /** The route's objects as read earlier in this invocation: no read before the conditional writes. */
  snapshot?: RouteSnapshot;
  /** The caller ran the pin check of every cluster these weights give traffic (beside the gathering). */
  pinsChecked?: boolean;
}

/**
 * A route's objects on the Fleet as read once: the base Ingress and fleet-dr's canaries by name (a canary
 * absent from the list is written with a create). The canaries are written conditionally on these
 * resourceVersions, so one changed or created by someone else since is caught by the 409 and read again.
 */
export interface RouteSnapshot {
  base: V1Ingress | undefined;
  canaries: Map<string, V1Ingress>;
}

/** Dependencies of the Ingress weight writer. */
export interface IngressWeightWriterOptions {
  fleetKube: KubeClient;
  /** A member cluster's Kubernetes API (for the pin check: Service, Pods, and Nodes for zone pins). */
  memberKube: (clusterId: string) => Promise<KubeClient | MemberReader>;
  clusters: Cluster[];
  keys: GatewayKeys;
  concurrency?: number;
  /** Conditional-write attempts per canary before FleetConflictError. */
  maxAttempts?: number;
}

/** The Ingress weight writer (MSE multi-cluster gateway). */
export class IngressWeightWriter implements WeightWriter {
  constructor(private readonly deps: IngressWeightWriterOptions) {}

  private cluster(id: string): Cluster {
    const c = this.deps.clusters.find((x) => x.id === id);
    if (!c) throw new WeightsError(`unknown cluster ${id}`);
    return c;
  }

  /** The pin of a cluster's canary, as the policy chooses (`gateway.pin`). */
  private pin(id: string): Pin {
    return pinOf(this.cluster(id), this.deps.keys.pin);
  }

  async checkPins(route: Route, weights: Weights): Promise<void> {
    const limit = pLimit(this.deps.concurrency ?? 4);
    // A cluster given no traffic is not checked: it may be the dead one we are failing away from.
    const ids = Object.entries(weights)
      .filter(([, w]) => w > 0)
      .map(([id]) => id);
    const nodes = ids.some((id) => needsNodes(this.pin(id)));
    // Each cluster is read once per check, whichever pins look at it.
    const views = new Map<string, Promise<ClusterView>>();
    const view = (pin: Pin) => (id: string) => {
      let v = views.get(id);
      if (!v) {
        v = limit(async () =>
          readClusterView(await this.deps.memberKube(id), this.cluster(id), route.namespace, route.service, {
            pin,
            nodes,
          }),
        );
        views.set(id, v);
      }
      return v;
    };
    await Promise.all(
      ids.map((id) => {
        const pin = this.pin(id);
        const others = this.deps.clusters.filter((c) => c.id !== id);
        return checkPin(view(pin), this.cluster(id), others, route.namespace, route.service, pin);
      }),
    );
  }

  async apply(route: Route, weights: Weights, opts: ApplyOptions = {}): Promise<void> {
    const ids = this.deps.clusters.map((c) => c.id);
    const w = canaryWeights(weights, ids);
    if (!opts.pinsChecked) await this.checkPins(route, w);
    const base = opts.snapshot
      ? opts.snapshot.base
      : await this.deps.fleetKube.getIngress(route.namespace, route.ingress);
    if (!base)
      throw new KubeApiError(
        `fleet: ingress ${route.namespace}/${route.ingress}`,
        'get',
        404,
        'the base Ingress of the route does not exist',
      );
    const limit = pLimit(this.deps.concurrency ?? 4);
    await Promise.all(
      ids.map((id) =>
        limit(() => {
          const desired = this.canary(route, base, id, w[id] ?? 0, opts.revision);
          const known = opts.snapshot && (opts.snapshot.canaries.get(desired.metadata!.name!) ?? null);
          return this.upsert(desired, known);
        }),
      ),
    );
  }

  /** The route's base Ingress and fleet-dr's canaries, read in parallel (one get, one list). */
  async snapshot(route: Route): Promise<RouteSnapshot> {
    const k = this.deps.keys;
    const [base, list] = await Promise.all([
      this.deps.fleetKube.getIngress(route.namespace, route.ingress),
      this.deps.fleetKube.listIngresses(
        route.namespace,
        `${k.managedBy}=${MANAGED_BY},${k.route}=${route.name}`,
      ),
    ]);
    return { base, canaries: new Map(list.map((i) => [i.metadata?.name ?? '?', i])) };
  }

  /** The weights a snapshot's canaries carry, or undefined when fleet-dr has no canary for the route. */
  weightsOf(s: RouteSnapshot): Weights | undefined {
    const k = this.deps.keys;
    if (s.canaries.size === 0) return undefined;
    return Object.fromEntries(
      [...s.canaries.values()].map((i) => [
        i.metadata?.labels?.[k.cluster] ?? '?',
        Number(i.metadata?.annotations?.[k.canaryWeight] ?? Number.NaN),
      ]),
    );
  }

  async read(route: Route): Promise<Weights | undefined> {
    const k = this.deps.keys;
    const list = await this.deps.fleetKube.listIngresses(
      route.namespace,
      `${k.managedBy}=${MANAGED_BY},${k.route}=${route.name}`,
    );
    if (list.length === 0) return undefined;
    return Object.fromEntries(
      list.map((i) => [
        i.metadata?.labels?.[k.cluster] ?? '?',
        Number(i.metadata?.annotations?.[k.canaryWeight] ?? Number.NaN),
      ]),
    );
  }

  async release(route: Route): Promise<void> {
    const k = this.deps.keys;
    const list = await this.deps.fleetKube.listIngresses(
      route.namespace,
      `${k.managedBy}=${MANAGED_BY},${k.route}=${route.name}`,
    );
    const limit = pLimit(this.deps.concurrency ?? 4);
    await Promise.all(
      list.map((i) => limit(() => this.deps.fleetKube.deleteIngress(route.namespace, i.metadata!.name!))),
    );
  }

  /** The canary this writer writes for one cluster of a route (fleet-dr preflight's live write test uses it). */
  canary(route: Route, base: V1Ingress, clusterId: string, weight: number, revision?: number): V1Ingress {
    const k = this.deps.keys;
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: canaryName(route.ingress, clusterId),
        namespace: route.namespace,
        labels: { [k.managedBy]: MANAGED_BY, [k.route]: route.name, [k.cluster]: clusterId },
        annotations: {
          [k.canary]: 'true',
          [k.canaryWeight]: String(weight),
          [k.canaryWeightTotal]: '100',
          [k.serviceSubset]: clusterId,
          [k.subsetLabels]: subsetLabelsValue(this.pin(clusterId)),
          ...(revision !== undefined ? { [k.revision]: String(revision) } : {}),
        },
      },
      spec: { ingressClassName: base.spec?.ingressClassName, rules: base.spec?.rules, tls: base.spec?.tls },
    };
  }

  /**
   * Create or replace one canary; a conflict is re-read and re-written (the desired object is absolute).
   * `known` (null: known absent) is what a snapshot read, used instead of the first read.
   */
  private async upsert(desired: V1Ingress, known?: V1Ingress | null): Promise<void> {
    const fleetKube = this.deps.fleetKube;
    const ns = desired.metadata!.namespace!;
    const name = desired.metadata!.name!;
    const what = `fleet: ingress ${ns}/${name}`;
    await updateWithRetry({
      what,
      maxAttempts: this.deps.maxAttempts ?? 5,
      read: async (attempt) =>
        attempt === 1 && known !== undefined ? (known ?? undefined) : fleetKube.getIngress(ns, name),
      change: (cur) => {
        // Thrown from `change`, so never retried although its status is 409.
        if (cur && cur.metadata?.labels?.[this.deps.keys.managedBy] !== MANAGED_BY)
          throw new KubeApiError(
            what,
            'update',
            409,
            'exists and is not owned by fleet-dr; refusing to overwrite it',
          );
        if (cur && isNewer(cur, desired, this.deps.keys.revision)) return undefined;
        return cur
          ? { ...desired, metadata: { ...desired.metadata, resourceVersion: cur.metadata?.resourceVersion } }
          : desired;
      },
      write: (next, cur) => (cur ? fleetKube.replaceIngress(next) : fleetKube.createIngress(next)),
    });
  }
}

/** True when the canary on the Fleet was written for a newer committed revision than the one we hold. */
function isNewer(cur: V1Ingress, desired: V1Ingress, key: string): boolean {
  const have = Number(cur.metadata?.annotations?.[key]);
  const want = Number(desired.metadata?.annotations?.[key]);
  return Number.isInteger(have) && Number.isInteger(want) && have > want;
}
