/**
 * Weight arithmetic: integers per route that always sum to 100, split by largest remainder so the result is
 * deterministic (ties go to the cluster listed first in the policy).
 */
import type { Policy, Route } from '../config';
import type { Weights } from './routing-state';

/** Splits `total` among `shares` (cluster -> share) in proportion; equal split when all shares are 0. */
export function splitProportionally(total: number, shares: Array<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  if (shares.length === 0) return out;
  const sum = shares.reduce((s, [, w]) => s + w, 0);
  const exact = shares.map(([id, w]) => [id, sum > 0 ? (total * w) / sum : total / shares.length] as const);
  let given = 0;
  for (const [id, x] of exact) {
    out[id] = Math.floor(x);
    given += Math.floor(x);
  }
  const order = exact
    .map(([id, x], i) => ({ id, frac: x - Math.floor(x), i }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; k < total - given; k++) {
    const id = order[k % order.length]!.id;
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

/** The route's clusters in policy order (clusters that have a baseline weight on it). */
export const routeClusters = (policy: Policy, route: Route): string[] =>
  policy.clusters.map((c) => c.id).filter((id) => id in route.baselineWeights);

/** Current weights of a route, falling back to the baseline when the state has none for it. */
export function currentRouteWeights(policy: Policy, route: Route, weights: Weights): Record<string, number> {
  const cur = weights[route.name];
  const out: Record<string, number> = {};
  for (const id of routeClusters(policy, route))
    out[id] = cur ? (cur[id] ?? 0) : (route.baselineWeights[id] ?? 0);
  return out;
}

/**
 * Moves all weight off `away` onto `receivers` (in proportion to their baseline); other clusters keep theirs.
 * Returns null when a route has weight to move and no receiver.
 */
export function shiftAway(
  policy: Policy,
  weights: Weights,
  away: Set<string>,
  receivers: Set<string>,
): Weights | null {
  const out: Weights = {};
  for (const route of policy.routes) {
    const cur = currentRouteWeights(policy, route, weights);
    const ids = routeClusters(policy, route);
    const freed = ids.filter((id) => away.has(id)).reduce((s, id) => s + (cur[id] ?? 0), 0);
    const takers = ids.filter((id) => receivers.has(id) && !away.has(id));
    const next: Record<string, number> = {};
    for (const id of ids) next[id] = away.has(id) ? 0 : (cur[id] ?? 0);
    if (freed > 0) {
      if (takers.length === 0) return null;
      const add = splitProportionally(
        freed,
        takers.map((id) => [id, route.baselineWeights[id] ?? 0]),
      );
      for (const id of takers) next[id] = (next[id] ?? 0) + (add[id] ?? 0);
    }
    out[route.name] = next;
  }
  return out;
}

/**
 * Weights at failback step `stepIndex` for `cluster`: its weight is the step's value, at least
 * min(minHealthyWeight, baseline), at most its baseline, and the last step restores its baseline. The rest goes
 * to `others` (in proportion to their baseline). Returns null when a route has weight to give and no taker.
 */
export function failbackWeights(
  policy: Policy,
  cluster: string,
  stepIndex: number,
  others: Set<string>,
): Weights | null {
  const steps = policy.failback.steps;
  const last = stepIndex >= steps.length - 1;
  const out: Weights = {};
  for (const route of policy.routes) {
    const ids = routeClusters(policy, route);
    const base = route.baselineWeights[cluster] ?? 0;
    const floor = Math.min(policy.safety.minHealthyWeight, base);
    const target = !ids.includes(cluster)
      ? 0
      : last
        ? base
        : Math.max(floor, Math.min(base, steps[stepIndex] ?? base));
    const takers = ids.filter((id) => id !== cluster && others.has(id));
    const next: Record<string, number> = {};
    for (const id of ids) next[id] = 0;
    if (ids.includes(cluster)) next[cluster] = target;
    const rest = 100 - target;
    if (rest > 0) {
      if (takers.length === 0) return null;
      const add = splitProportionally(
        rest,
        takers.map((id) => [id, route.baselineWeights[id] ?? 0]),
      );
      for (const id of takers) next[id] = add[id] ?? 0;
    }
    out[route.name] = next;
  }
  return out;
}

/** True when some route gives `cluster` more weight in `after` than in `before`. */
export function increasesWeight(policy: Policy, before: Weights, after: Weights, cluster: string): boolean {
  return policy.routes.some((r) => {
    const b = currentRouteWeights(policy, r, before)[cluster] ?? 0;
    const a = after[r.name]?.[cluster] ?? 0;
    return a > b;
  });
}
