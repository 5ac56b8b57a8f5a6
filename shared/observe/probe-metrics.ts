/**
 * The CloudMonitor custom metrics of a health-check round, under the names and dimensions the alarm rules of
 * `deploy/create-alarm-rules.ts` use: the probe success ratio under the policy's probe metric name (first of
 * `detection.probeMetricNames`) with the dimension `clusterId`, and the mean latency of the answered probes
 * beside it. Metric names keep to letters, digits and underscores, and dimension values carry no `=`, `&`
 * or `,`, as CloudMonitor requires.
 */
import type { CustomMetric } from '../clients/cms-client';
import type { Policy } from '../config';
import type { ClusterRound } from './probe-round';
import { probeMetricName } from './probe-window';

/** Mean latency of a round's answered probes, ms (same dimensions as the success ratio). */
export const PROBE_LATENCY_METRIC = 'fleet_dr_probe_latency';

/**
 * The metrics of one round: per cluster, its success ratio (1 − failure share) and its mean latency, stamped
 * `time` (default: the round's start). The health-check stamps them when the round has ended: a point stamped
 * with its start would reach CloudMonitor a probe timeout late, after the period it belongs to was evaluated.
 */
export function roundMetrics(policy: Policy, rounds: ClusterRound[], time?: number): CustomMetric[] {
  const success = probeMetricName(policy);
  const out: CustomMetric[] = [];
  for (const r of rounds) {
    if (r.share === null) continue;
    const dimensions = { clusterId: r.clusterId };
    const at = time ?? Date.parse(r.at);
    out.push({ metricName: success, value: Math.round((1 - r.share) * 1000) / 1000, dimensions, time: at });
    if (r.latency)
      out.push({ metricName: PROBE_LATENCY_METRIC, value: r.latency.mean, dimensions, time: at });
  }
  return out;
}
