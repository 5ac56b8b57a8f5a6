/**
 * fleet-dr's weights as Istio locality load balancing, for the ASM router (`router: asm`). A route's weights
 * per cluster become `trafficPolicy.loadBalancer.localityLbSetting.distribute` in its DestinationRule: one
 * entry per cluster's locality as the source (`from: region/zone/*`), each sending the same shares to the
 * clusters' localities, so "0 to AZ1, 100 to AZ2" holds for callers in both zones. Istio accepts only weights
 * 1–100 in `to` (an absent locality gets no traffic), so a cluster at 0 is left out. Pure: no I/O.
 *
 * fleet-dr writes `distribute` and never `failover`: Istio refuses the two together. Locality load balancing
 * only acts on endpoints that outlier detection can eject, so a DestinationRule without `outlierDetection` is
 * refused rather than steered.
 */
import { WeightsError } from '../clients/errors';
import { localityOf, type Policy } from '../config';
import { FleetDrError } from '../errors';
import { normaliseTo100, type Weights } from './canary-weights';

/** One `localityLbSetting.distribute` entry: from a source locality, percentages per destination locality. */
export interface LocalityDistribute {
  from: string;
  to: Record<string, number>;
}

/** The part of an Istio DestinationRule spec (networking.istio.io/v1) fleet-dr reads and writes. */
export interface DestinationRuleSpec {
  host?: string;
  trafficPolicy?: {
    outlierDetection?: Record<string, unknown>;
    loadBalancer?: {
      localityLbSetting?: {
        enabled?: boolean;
        distribute?: LocalityDistribute[];
        failover?: unknown[];
        [k: string]: unknown;
      };
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** A cluster and its Istio locality (`region/zone`). */
export interface ClusterLocality {
  id: string;
  locality: string;
}

/** A DestinationRule fleet-dr must not write (no outlier detection, or `failover` already set). */
export class DestinationRuleError extends FleetDrError {
  constructor(
    /** `namespace/name` of the DestinationRule. */
    readonly object: string,
    readonly problems: string[],
  ) {
    super(`destinationrule ${object}: ${problems.join('; ')}`);
  }
}

/** Every cluster of the policy with its locality (localityOf: `<region>/<clusters[].zone>`). */
export function clusterLocalities(policy: Pick<Policy, 'region' | 'clusters'>): ClusterLocality[] {
  return policy.clusters.map((c) => ({ id: c.id, locality: localityOf(policy, c) }));
}

/** The selector Istio matches a locality and all its sub-zones with. */
const wildcard = (locality: string) => `${locality}/*`;

/** `region/zone/*` or `region/zone` → `region/zone`; anything else as written. */
const bare = (selector: string) => selector.replace(/\/\*$/, '');

/** Localities must tell the clusters apart, or one cluster's weight would land on another. */
function distinctLocalities(clusters: ClusterLocality[]): void {
  const seen = new Map<string, string>();
  for (const c of clusters) {
    const other = seen.get(c.locality);
    if (other) throw new WeightsError(`clusters ${other} and ${c.id} share locality ${c.locality}`);
    seen.set(c.locality, c.id);
  }
}

/**
 * Weights by cluster id → `distribute`: one entry per cluster's locality, each `to` giving every cluster with
 * weight its share as integer percentages that sum to exactly 100 (largest remainder, ties by cluster id, so
 * weights already summing to 100 are kept as they are). Absent clusters weigh 0; all zero is refused.
 */
export function distributeFor(weights: Weights, clusters: ClusterLocality[]): LocalityDistribute[] {
  distinctLocalities(clusters);
  const ids = clusters.map((c) => c.id);
  const unknown = Object.keys(weights).filter((id) => !ids.includes(id));
  if (unknown.length) throw new WeightsError(`weights name unknown clusters: ${unknown.join(', ')}`);
  for (const [id, w] of Object.entries(weights))
    if (!Number.isFinite(w) || w < 0) throw new WeightsError(`weight of ${id} must be 0 or more, got ${w}`);
  const pct = normaliseTo100(Object.fromEntries(ids.map((id) => [id, weights[id] ?? 0])));
  const to = Object.fromEntries(
    clusters.filter((c) => (pct[c.id] ?? 0) > 0).map((c) => [wildcard(c.locality), pct[c.id] as number]),
  );
  return clusters.map((c) => ({ from: wildcard(c.locality), to: { ...to } }));
}

/**
 * `distribute` → weights by cluster id (every cluster, 0 for one absent from `to`), or undefined when the
 * setting is not one fleet-dr wrote: none or empty, disabled, `failover` set, a source or destination that is
 * not a cluster's locality, a cluster's locality missing as a source, a weight outside 1–100, a `to` not
 * summing to 100, or `to` differing between sources.
 */
export function weightsFromDistribute(
  spec: DestinationRuleSpec | undefined,
  clusters: ClusterLocality[],
): Weights | undefined {
  const lb = spec?.trafficPolicy?.loadBalancer?.localityLbSetting;
  const entries = lb?.distribute;
  if (!lb || lb.enabled === false || !Array.isArray(entries) || entries.length === 0) return undefined;
  if (Array.isArray(lb.failover) && lb.failover.length > 0) return undefined;
  const byLocality = new Map(clusters.map((c) => [c.locality, c.id]));
  const sources = new Set<string>();
  let first: Weights | undefined;
  for (const e of entries) {
    const source = typeof e?.from === 'string' ? bare(e.from) : undefined;
    if (!source || !byLocality.has(source) || sources.has(source)) return undefined;
    sources.add(source);
    const w = weightsOfTo(e.to, byLocality, clusters);
    if (!w || (first && !sameWeights(first, w))) return undefined;
    first ??= w;
  }
  return sources.size === clusters.length ? first : undefined;
}

/** One `to` as weights by cluster id, or undefined when it is not a whole split over known localities. */
function weightsOfTo(
  to: unknown,
  byLocality: Map<string, string>,
  clusters: ClusterLocality[],
): Weights | undefined {
  if (!to || typeof to !== 'object' || Array.isArray(to)) return undefined;
  const out: Weights = Object.fromEntries(clusters.map((c) => [c.id, 0]));
  let sum = 0;
  for (const [selector, w] of Object.entries(to as Record<string, unknown>)) {
    const id = byLocality.get(bare(selector));
    if (!id || typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 100 || (out[id] ?? 0) > 0)
      return undefined;
    out[id] = w;
    sum += w;
  }
  return sum === 100 ? out : undefined;
}

function sameWeights(a: Weights, b: Weights): boolean {
  return Object.keys(a).every((k) => a[k] === b[k]);
}

/**
 * Why fleet-dr may not write this DestinationRule spec, or [] when it may: it must carry
 * `trafficPolicy.outlierDetection` (locality load balancing needs it to move traffic off failed endpoints)
 * and must not carry `localityLbSetting.failover` (Istio refuses `failover` together with `distribute`).
 */
export function unwritableReasons(spec: DestinationRuleSpec | undefined): string[] {
  const out: string[] = [];
  const od = spec?.trafficPolicy?.outlierDetection;
  if (!od || typeof od !== 'object')
    out.push('has no trafficPolicy.outlierDetection, which locality load balancing needs');
  const failover = spec?.trafficPolicy?.loadBalancer?.localityLbSetting?.failover;
  if (Array.isArray(failover) && failover.length > 0)
    out.push(
      'has trafficPolicy.loadBalancer.localityLbSetting.failover, which Istio refuses together with distribute',
    );
  return out;
}

/** Throw DestinationRuleError, naming the object, unless fleet-dr may write this spec. */
export function assertWritable(object: string, spec: DestinationRuleSpec | undefined): void {
  const reasons = unwritableReasons(spec);
  if (reasons.length) throw new DestinationRuleError(object, reasons);
}

/**
 * The spec with the weights written as `distribute` (and locality load balancing enabled); everything else
 * (host, outlier detection, other load-balancer settings, subsets) is kept. Refuses an unwritable spec.
 */
export function withDistribute(
  object: string,
  spec: DestinationRuleSpec,
  weights: Weights,
  clusters: ClusterLocality[],
): DestinationRuleSpec {
  assertWritable(object, spec);
  const distribute = distributeFor(weights, clusters);
  const tp = spec.trafficPolicy ?? {};
  const lb = tp.loadBalancer ?? {};
  return {
    ...spec,
    trafficPolicy: {
      ...tp,
      loadBalancer: {
        ...lb,
        localityLbSetting: { ...lb.localityLbSetting, enabled: true, distribute },
      },
    },
  };
}
