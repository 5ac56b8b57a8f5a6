/**
 * Turn a route's weights per cluster into canary weights. Weights are integers summing to exactly 100,
 * so the canaries together carry all the route's traffic and the base Ingress's own pool gets none.
 */
import { WeightsError } from '../clients/errors';

/** Weights by cluster id (integer percent). */
export type Weights = Record<string, number>;

/** Check weights against the route's clusters: known ids, integers 0..100, sum exactly 100. */
export function validateWeights(weights: Weights, clusterIds: string[]): void {
  const unknown = Object.keys(weights).filter((id) => !clusterIds.includes(id));
  if (unknown.length) throw new WeightsError(`weights name unknown clusters: ${unknown.join(', ')}`);
  for (const [id, w] of Object.entries(weights))
    if (!Number.isInteger(w) || w < 0 || w > 100)
      throw new WeightsError(`weight of ${id} must be an integer 0..100, got ${w}`);
  const sum = Object.values(weights).reduce((a, b) => a + b, 0);
  if (sum !== 100) throw new WeightsError(`weights must sum to 100, got ${sum}`);
}

/** Canary weight for every cluster of the route (absent = 0), validated. */
export function canaryWeights(weights: Weights, clusterIds: string[]): Weights {
  validateWeights(weights, clusterIds);
  return Object.fromEntries(clusterIds.map((id) => [id, weights[id] ?? 0]));
}

/** Normalise arbitrary non-negative shares to integers summing to 100 (largest remainder). */
export function normaliseTo100(shares: Weights): Weights {
  const entries = Object.entries(shares);
  const total = entries.reduce((a, [, v]) => a + Math.max(0, v), 0);
  if (total <= 0) throw new WeightsError('cannot normalise weights that are all zero');
  const raw = entries.map(([k, v]) => [k, (Math.max(0, v) * 100) / total] as const);
  const out: Weights = Object.fromEntries(raw.map(([k, v]) => [k, Math.floor(v)]));
  let left = 100 - Object.values(out).reduce((a, b) => a + b, 0);
  const byRemainder = [...raw].sort(
    (a, b) => b[1] - Math.floor(b[1]) - (a[1] - Math.floor(a[1])) || a[0].localeCompare(b[0]),
  );
  for (const [k] of byRemainder) {
    if (left <= 0) break;
    out[k] = (out[k] ?? 0) + 1;
    left--;
  }
  return out;
}
