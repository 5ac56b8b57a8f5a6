/**
 * Alibaba Cloud Service Mesh as a TrafficRouter, for the routes with `router: asm`: each route's weights are
 * written into its Istio DestinationRule on the ASM control plane as `localityLbSetting.distribute`
 * (asm-distribute.ts), conditionally on the rule's resourceVersion and re-read after a 409 (updateWithRetry).
 * The DestinationRule stays the team's (its host, outlier detection, subsets); fleet-dr only rewrites the
 * locality load-balancing setting and keeps its own bookkeeping in three annotations on it: the committed
 * weights (so a re-admitted cluster gets its committed share back), the fenced clusters and the revision.
 *
 * Fencing has no separate object to edit here, as MSE's remote-clusters annotation is: a fenced cluster's
 * locality gets weight 0 in every route's distribute, the others share its weight as they shared the rest.
 * The wiring hands it the `router: asm` routes (router-by-route.ts); test/gateway/asm-router.contract.test.ts runs
 * it against the mesh stand-in, test/e2e/asm-*.test.ts and `fleet-dr drill --router asm` through the functions.
 */
import { updateWithRetry } from '../clients/conditional-update';
import { WeightsError } from '../clients/errors';
import type { KubeJson } from '../clients/kube-client';
import type { DestinationRuleClient } from '../clients/servicemesh-client';
import { destinationRuleOf, type Route } from '../config';
import {
  type ClusterLocality,
  DestinationRuleError,
  type DestinationRuleSpec,
  weightsFromDistribute,
  withDistribute,
} from './asm-distribute';
import { canaryWeights, normaliseTo100, type Weights } from './canary-weights';
import { localityProblem } from './locality-check';
import { ISTIO_LABELS } from './pin';
import { type MemberReader, readClusterView } from './pin-check';
import type { TrafficRouter } from './router';

/** fleet-dr's annotations on a DestinationRule it steers. */
export const ASM_KEYS = {
  /** The committed weights by cluster id (JSON), before fencing. */
  weights: 'fleet-dr.io/weights',
  /** Fenced cluster ids, comma-separated. */
  fenced: 'fleet-dr.io/fenced',
  /** The committed state revision the rule was written for. */
  revision: 'fleet-dr.io/revision',
} as const;

/** Dependencies of the ASM router. */
export interface AsmRouterOptions {
  /** DestinationRules on the ASM control plane (servicemesh-client.ts). */
  rules: DestinationRuleClient;
  /** Every cluster of the policy with its locality (clusterLocalities). */
  clusters: ClusterLocality[];
  /** The routes this router carries (`router: asm`): fence and re-admit edit each one's rule. */
  routes: Route[];
  /** Conditional-write attempts per rule before FleetConflictError. */
  maxAttempts?: number;
  /**
   * A member cluster's Kubernetes API (its pods and nodes), for the locality check before fleet-dr first
   * writes a rule (locality-check.ts). Without it, the check is not made.
   */
  memberReader?: (clusterId: string) => Promise<MemberReader>;
}

/** What fleet-dr keeps on one DestinationRule. */
interface Bookkeeping {
  weights?: Weights;
  fenced: string[];
  revision?: number;
}

/** The ASM router. */
export class AsmRouter implements TrafficRouter {
  readonly name = 'asm';

  constructor(private readonly deps: AsmRouterOptions) {}

  private get ids(): string[] {
    return this.deps.clusters.map((c) => c.id);
  }

  async readWeights(route: Route): Promise<Weights | undefined> {
    const { namespace, name } = destinationRuleOf(route);
    const obj = await this.deps.rules.get(namespace, name);
    if (!obj) return undefined;
    const carried = weightsFromDistribute(specOf(obj), this.deps.clusters);
    const book = bookkeepingOf(obj);
    // The committed weights, as long as the rule still carries what fleet-dr made of them; otherwise what
    // the rule carries (someone else's edit shows as it routes).
    if (carried && book.weights && sameSplit(this.effectiveOrUndefined(book.weights, book.fenced), carried))
      return book.weights;
    return carried;
  }

  private effectiveOrUndefined(weights: Weights, fenced: string[]): Weights | undefined {
    try {
      return this.effective(weights, fenced);
    } catch {
      return undefined;
    }
  }

  async setWeights(route: Route, weights: Weights, opts: { revision?: number } = {}): Promise<void> {
    const committed = canaryWeights(weights, this.ids);
    // The rule read for the write tells whether fleet-dr wrote it before: no extra read on the hot path.
    const firstWrite = () => this.checkLocalities(route, committed);
    await this.edit(
      route,
      (book) => {
        if (opts.revision !== undefined && book.revision !== undefined && book.revision > opts.revision)
          return undefined; // a newer commit won
        return { weights: committed, fenced: book.fenced, revision: opts.revision ?? book.revision };
      },
      firstWrite,
    );
  }

  async fence(clusterId: string): Promise<void> {
    this.known(clusterId);
    for (const route of this.deps.routes)
      await this.edit(route, (book) =>
        book.fenced.includes(clusterId) ? undefined : { ...book, fenced: [...book.fenced, clusterId] },
      );
  }

  async readmit(clusterId: string): Promise<void> {
    this.known(clusterId);
    for (const route of this.deps.routes)
      await this.edit(route, (book) =>
        book.fenced.includes(clusterId)
          ? { ...book, fenced: book.fenced.filter((id) => id !== clusterId) }
          : undefined,
      );
  }

  /** Every cluster that no route's rule fences. */
  async members(): Promise<string[]> {
    const fenced = new Set<string>();
    for (const route of this.deps.routes) {
      const { namespace, name } = destinationRuleOf(route);
      const obj = await this.deps.rules.get(namespace, name);
      for (const id of obj ? bookkeepingOf(obj).fenced : []) fenced.add(id);
    }
    return this.ids.filter((id) => !fenced.has(id));
  }

  /**
   * The first time fleet-dr writes a rule (no bookkeeping on it yet), every cluster the weights give traffic
   * must have the Service's endpoints in its own locality, or the mesh would route its share elsewhere.
   */
  private async checkLocalities(route: Route, weights: Weights): Promise<void> {
    const reader = this.deps.memberReader;
    if (!reader) return;
    const problems = await Promise.all(
      this.deps.clusters
        .filter((c) => (weights[c.id] ?? 0) > 0)
        .map(async (c) => {
          const zone = c.locality.split('/')[1] ?? '';
          const view = await readClusterView(await reader(c.id), c, route.namespace, route.service, {
            pin: { key: ISTIO_LABELS.zone, value: zone },
            nodes: true,
          });
          return localityProblem(view, c.locality);
        }),
    );
    const found = problems.filter((p): p is string => p !== undefined);
    if (found.length)
      throw new WeightsError(
        `route ${route.name}: the mesh would not route by these locality weights: ${found.join('; ')}`,
      );
  }

  private known(clusterId: string): void {
    if (!this.ids.includes(clusterId)) throw new WeightsError(`unknown cluster ${clusterId}`);
  }

  /** The weights the mesh is given: fenced clusters at 0, the others' shares scaled back to 100. */
  private effective(weights: Weights, fenced: string[]): Weights {
    const kept = Object.fromEntries(this.ids.map((id) => [id, fenced.includes(id) ? 0 : (weights[id] ?? 0)]));
    if (Object.values(kept).every((w) => w === 0))
      throw new WeightsError(
        `fencing ${fenced.join(', ')} would leave no cluster with traffic (weights ${JSON.stringify(weights)})`,
      );
    return normaliseTo100(kept);
  }

  /**
   * Read the route's rule, change fleet-dr's bookkeeping, write the rule (distribute and annotations) on its
   * resourceVersion; after a 409, read and change again. A rule fleet-dr may not write (absent, no outlier
   * detection, failover) is refused with DestinationRuleError before anything is written.
   */
  private async edit(
    route: Route,
    change: (book: Bookkeeping) => Bookkeeping | undefined,
    /** Run once, before writing a rule fleet-dr has not written yet (no bookkeeping on it). */
    firstWrite?: () => Promise<void>,
  ): Promise<void> {
    let checked = false;
    const { namespace, name } = destinationRuleOf(route);
    const object = `${namespace}/${name}`;
    await updateWithRetry({
      what: `service mesh: destinationrule ${object}`,
      maxAttempts: this.deps.maxAttempts ?? 5,
      read: async () => {
        const obj = await this.deps.rules.get(namespace, name);
        if (!obj)
          throw new DestinationRuleError(object, ['not found: fleet-dr steers a rule, it never creates one']);
        if (firstWrite && !checked && !bookkeepingOf(obj).weights) {
          await firstWrite();
          checked = true;
        }
        return obj;
      },
      change: (obj) => {
        const book = bookkeepingOf(obj);
        const next = change(book);
        if (!next) return undefined;
        // Nothing committed yet (a fence before the first setWeights): what the rule carries, else the baseline.
        const weights =
          next.weights ??
          weightsFromDistribute(specOf(obj), this.deps.clusters) ??
          canaryWeights(route.baselineWeights, this.ids);
        const spec = withDistribute(
          object,
          specOf(obj),
          this.effective(weights, next.fenced),
          this.deps.clusters,
        );
        const annotations = withBookkeeping(obj.metadata?.annotations, { ...next, weights });
        if (sameJson(spec, obj.spec) && sameJson(annotations, obj.metadata?.annotations ?? {}))
          return undefined;
        // metadata keeps the resourceVersion read: the replace is conditional on it.
        return { ...obj, metadata: { ...obj.metadata, annotations }, spec };
      },
      write: (next) => this.deps.rules.replace(next),
    });
  }
}

function specOf(obj: KubeJson): DestinationRuleSpec {
  return (obj.spec && typeof obj.spec === 'object' ? obj.spec : {}) as DestinationRuleSpec;
}

/** fleet-dr's annotations on a rule; malformed ones read as absent. */
function bookkeepingOf(obj: KubeJson): Bookkeeping {
  const a = obj.metadata?.annotations ?? {};
  let weights: Weights | undefined;
  try {
    const raw = a[ASM_KEYS.weights];
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    if (parsed && typeof parsed === 'object' && Object.values(parsed).every((v) => typeof v === 'number'))
      weights = parsed as Weights;
  } catch {
    weights = undefined;
  }
  const fenced = (a[ASM_KEYS.fenced] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const revision = Number(a[ASM_KEYS.revision]);
  return {
    weights,
    fenced,
    revision: Number.isFinite(revision) && a[ASM_KEYS.revision] ? revision : undefined,
  };
}

function withBookkeeping(
  annotations: Record<string, string> | undefined,
  book: Bookkeeping & { weights: Weights },
): Record<string, string> {
  const out: Record<string, string> = { ...annotations, [ASM_KEYS.weights]: JSON.stringify(book.weights) };
  if (book.fenced.length) out[ASM_KEYS.fenced] = book.fenced.join(',');
  else delete out[ASM_KEYS.fenced];
  if (book.revision !== undefined) out[ASM_KEYS.revision] = String(book.revision);
  return out;
}

/** The same split: equal weights per cluster, absent counting as 0. */
function sameSplit(a: Weights | undefined, b: Weights): boolean {
  return !!a && Object.keys({ ...a, ...b }).every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
