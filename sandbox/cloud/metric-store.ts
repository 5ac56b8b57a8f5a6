/** The datapoints CloudMonitor holds: custom metrics, site-probe results and anything seeded by tests. */

/** One datapoint. */
export interface MetricPoint {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  /** ms since the epoch. */
  timestamp: number;
  groupId?: string;
  /** PutCustomMetric `Type`: 0 raw value, 1 aggregated. */
  type?: number;
}

/** A query over held datapoints; `dimensions` matches when every given key has the given value. */
export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions?: Record<string, string>;
  startTime?: number;
  endTime?: number;
}

/** Site-monitor metrics live in this namespace, as in the real service. */
export const SITE_MONITOR_NAMESPACE = 'acs_networkmonitor';

/** True when the point carries every key/value of `want`. */
export function dimensionsMatch(
  have: Record<string, string>,
  want: Record<string, string> | undefined,
): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have[k] === v);
}

/** Stable key for a dimension set (one "instance" of a metric). */
export function dimensionKey(d: Record<string, string>): string {
  return JSON.stringify(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** In-memory datapoint store, pruned to a bounded size so a long drill does not grow without limit. */
export class MetricStore {
  private readonly points: MetricPoint[] = [];
  constructor(private readonly maxPoints = 50_000) {}

  /** Record a datapoint. */
  put(p: MetricPoint): void {
    this.points.push({ ...p, dimensions: { ...p.dimensions } });
    if (this.points.length > this.maxPoints) this.points.splice(0, this.points.length - this.maxPoints);
  }

  /** Datapoints matching a query, oldest first. */
  query(q: MetricQuery): MetricPoint[] {
    return this.points.filter(
      (p) =>
        p.namespace === q.namespace &&
        p.metricName === q.metricName &&
        dimensionsMatch(p.dimensions, q.dimensions) &&
        (q.startTime === undefined || p.timestamp >= q.startTime) &&
        (q.endTime === undefined || p.timestamp <= q.endTime),
    );
  }

  /** Every datapoint held (copies). */
  all(): MetricPoint[] {
    return this.points.map((p) => ({ ...p, dimensions: { ...p.dimensions } }));
  }
}
