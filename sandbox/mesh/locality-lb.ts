/**
 * Which endpoint a mesh sidecar sends one request to, from a DestinationRule, the endpoints (locality, health,
 * ejection) and the caller's locality. Pure: the random source is passed in (seeded in the sandbox).
 *
 * Written from Istio's and Envoy's documentation (Istio "Locality load balancing", DestinationRule
 * `LocalityLoadBalancerSetting`; Envoy "Locality weighted load balancing", "Priority levels"):
 * - `distribute`: the first entry whose `from` matches the caller gives weights per target locality (`*`
 *   matches any part, a shorter pattern matches everything under it); localities no `to` matches get no
 *   traffic; a `to` matching several localities splits its weight by their endpoint counts, as Istio
 *   assigns locality weights. Envoy scales each locality's weight by its availability
 *   (min(1, 1.4 × healthy share), the default overprovisioning factor 140), so an ejected locality's share
 *   moves to the others in proportion to their weights.
 * - no `distribute`, with `outlierDetection`: Istio's default locality failover: priority 0 is the caller's
 *   region/zone/subzone, 1 its region/zone, 2 its region, then `failover` target regions, then the rest;
 *   Envoy's priority load gives each level min(remaining, 1.4 × healthy share) and normalises when the sum of
 *   health is below 100%.
 * - without `outlierDetection` (and no `distribute`), locality load balancing is off: an even spread.
 * Within the chosen locality or priority, a uniformly random endpoint among the available ones (Istio's
 * default LEAST_REQUEST is approximated by random). With no available endpoint at all, Envoy's panic mode:
 * any endpoint of the chosen set.
 */
import type { DestinationRuleSpec } from './destination-rule';

/** A locality as Istio reads it from the node's topology labels. */
export interface Locality {
  region: string;
  zone: string;
  subzone?: string;
}

/** One endpoint of the service as the sidecar knows it. */
export interface MeshEndpoint {
  id: string;
  locality: Locality;
  /** Health from the service registry (a pod not ready); default true. */
  healthy?: boolean;
}

/** What one pick needs. */
export interface PickInput<E extends MeshEndpoint> {
  rule?: DestinationRuleSpec;
  endpoints: E[];
  caller: Locality;
  /** Endpoint ids outlier detection has ejected. */
  ejected?: ReadonlySet<string>;
  /** Uniform [0, 1). */
  random: () => number;
}

/** Envoy's default overprovisioning factor (140 %). */
const OVERPROVISIONING = 1.4;

/** `region/zone/subzone` (empty parts dropped at the end). */
export function localityString(l: Locality): string {
  return [l.region, l.zone, l.subzone].filter((p) => p !== undefined && p !== '').join('/');
}

/** Parses `region/zone/subzone` (zone and subzone optional). */
export function parseLocality(s: string): Locality {
  const [region = '', zone = '', subzone] = s.split('/');
  return { region, zone, ...(subzone ? { subzone } : {}) };
}

/** Istio's LocalityMatch: each pattern part equals the locality's or is `*`; missing parts match anything. */
export function localityMatches(l: Locality, pattern: string): boolean {
  const want = pattern.split('/');
  const have = [l.region, l.zone, l.subzone ?? ''];
  return want.every((p, i) => p === '*' || p === have[i]);
}

function pickUniform<E>(list: E[], random: () => number): E | undefined {
  return list.length === 0 ? undefined : list[Math.floor(random() * list.length)];
}

function pickWeighted<K>(weights: Array<[K, number]>, random: () => number): K | undefined {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return undefined;
  let r = random() * total;
  for (const [k, w] of weights) {
    if (r < w) return k;
    r -= w;
  }
  return weights.at(-1)?.[0];
}

/** Envoy's availability of a set: min(1, 1.4 × available / all). */
function availability<E extends MeshEndpoint>(all: E[], isUp: (e: E) => boolean): number {
  return all.length === 0 ? 0 : Math.min(1, (OVERPROVISIONING * all.filter(isUp).length) / all.length);
}

/**
 * The weight of each locality for a caller under `distribute` (locality string → weight), or undefined when
 * no entry's `from` matches the caller (then Istio applies no distribution).
 */
export function distributeWeights<E extends MeshEndpoint>(
  rule: DestinationRuleSpec | undefined,
  endpoints: E[],
  caller: Locality,
): Map<string, number> | undefined {
  const lb = rule?.trafficPolicy?.loadBalancer?.localityLbSetting;
  if (!lb || lb.enabled === false || !lb.distribute?.length) return undefined;
  const entry = lb.distribute.find((d) => localityMatches(caller, d.from ?? ''));
  if (!entry) return undefined;
  const groups = new Map<string, E[]>();
  for (const e of endpoints) {
    const k = localityString(e.locality);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const out = new Map<string, number>();
  for (const [to, weight] of Object.entries(entry.to ?? {})) {
    const matched = [...groups].filter(([k, list]) => !out.has(k) && localityMatches(list[0]!.locality, to));
    const total = matched.reduce((s, [, list]) => s + list.length, 0);
    for (const [k, list] of matched) out.set(k, (weight * list.length) / total);
  }
  return out;
}

/** Istio's default failover priority of an endpoint for a caller (lower is preferred). */
export function failoverPriority(
  rule: DestinationRuleSpec | undefined,
  caller: Locality,
  l: Locality,
): number {
  if (l.region === caller.region) {
    if (l.zone !== caller.zone) return 2;
    return (l.subzone ?? '') === (caller.subzone ?? '') ? 0 : 1;
  }
  const failover = rule?.trafficPolicy?.loadBalancer?.localityLbSetting?.failover ?? [];
  return failover.some((f) => f.from === caller.region && f.to === l.region) ? 3 : 4;
}

/** Envoy's priority load: each level's share of traffic (in priority order), from its availability. */
export function priorityLoads(health: number[]): number[] {
  const sum = health.reduce((s, h) => s + h, 0);
  if (sum === 0) return health.map((_, i) => (i === 0 ? 1 : 0));
  const scaled = sum < 1 ? health.map((h) => h / sum) : health;
  let remaining = 1;
  return scaled.map((h) => {
    const load = Math.min(remaining, h);
    remaining -= load;
    return load;
  });
}

/** Picks the endpoint for one request, or undefined when there is none at all. */
export function pickEndpoint<E extends MeshEndpoint>(input: PickInput<E>): E | undefined {
  const { rule, endpoints, caller, random } = input;
  const isUp = (e: E) => e.healthy !== false && !input.ejected?.has(e.id);
  const within = (set: E[]) => pickUniform(set.filter(isUp), random) ?? pickUniform(set, random);
  const weights = distributeWeights(rule, endpoints, caller);
  if (weights) {
    const byLocality = (k: string) => endpoints.filter((e) => localityString(e.locality) === k);
    const effective = [...weights].map(([k, w]): [string, number] => [
      k,
      w * availability(byLocality(k), isUp),
    ]);
    const chosen =
      pickWeighted(effective, random) ??
      pickWeighted(
        [...weights].filter(([, w]) => w > 0),
        random,
      );
    return chosen === undefined ? undefined : within(byLocality(chosen));
  }
  const lb = rule?.trafficPolicy?.loadBalancer?.localityLbSetting;
  if (rule?.trafficPolicy?.outlierDetection && lb?.enabled !== false) {
    const levels: E[][] = [];
    for (const e of endpoints) {
      const p = failoverPriority(rule, caller, e.locality);
      levels[p] = [...(levels[p] ?? []), e];
    }
    const present = levels.filter((l): l is E[] => l !== undefined && l.length > 0);
    const loads = priorityLoads(present.map((l) => availability(l, isUp)));
    const level = pickWeighted(
      present.map((l, i): [E[], number] => [l, loads[i]!]),
      random,
    );
    return level ? within(level) : undefined;
  }
  return within(endpoints);
}
