/**
 * The health-check's memory of its last rounds, within one invocation, and what a decision reads from it:
 * one probe sample per cluster per round (ok when the round's failure share stayed below the threshold),
 * and the state of fleet-dr's probe-metric alarm as the health-check evaluates it itself.
 *
 * The alarm: `deploy/create-alarm-rules.ts` puts a CloudMonitor rule on the probe metric this function
 * publishes (ALERT after `failuresToDown` failing periods). Waiting for CloudMonitor costs its period (a
 * minute); so the health-check evaluates the same rule on its own rounds, as they end: ALERT when the last
 * `failuresToDown` rounds all failed. The policy reads that alarm exactly as it reads CloudMonitor's alarm
 * on the probe metric: it is the probe source, never a second one, so a failover still needs the quorum's
 * independent confirmation (gateway health, ready replicas, cluster state). The alarm path and a round thus
 * decide alike on the same evidence. Only ALERT is reported; a round that does not fail reports no alarm,
 * so nothing is read as a recovery that CloudMonitor did not raise.
 */
import type { Policy } from '../config';
import type { AlarmObservation, ProbeResult } from '../decision/observations';
import type { ProbeReadings } from './gather';
import { type ClusterRound, describeRound } from './probe-round';

/** fleet-dr's probe metric when the policy names none (the alarm rules use the policy's first name). */
export const DEFAULT_PROBE_METRIC = 'fleet_dr_probe_success';

/** The probe metric the alarm rules are defined on. */
export const probeMetricName = (policy: Policy): string =>
  policy.detection.probeMetricNames[0] ?? DEFAULT_PROBE_METRIC;

/** The alarm rule's name for a cluster, as deploy/create-alarm-rules.ts names it (`RuleName`). */
export const probeAlarmName = (clusterName: string): string => `${clusterName}-probe`;

/** One round of one cluster as the probe sample the policy counts (null: the round sent nothing). */
export function sampleOf(r: ClusterRound, threshold: number): ProbeResult | null {
  if (r.ok === null) return null;
  const failing = Object.entries(r.failures).sort((a, b) => b[1] - a[1])[0]?.[0];
  const status = failing?.startsWith('HTTP ') ? Number(failing.slice(5)) : undefined;
  return {
    at: r.at,
    ok: r.ok,
    ...(status !== undefined && !r.ok ? { status } : {}),
    ...(r.latency ? { latencyMs: r.latency.mean } : {}),
    ...(r.ok ? {} : { error: describeRound(r, threshold) }),
  };
}

/** The last rounds of every cluster. */
export class ProbeWindow {
  private readonly samples = new Map<string, ProbeResult[]>();
  private readonly size: number;

  constructor(private readonly policy: Policy) {
    const d = policy.detection;
    this.size = Math.max(d.failuresToDown, d.successesToUp);
  }

  /** Adds a round's results (rounds that sent nothing add no sample). */
  add(rounds: ClusterRound[]): void {
    const threshold = this.policy.detection.probeFailureShare;
    for (const r of rounds) {
      const s = sampleOf(r, threshold);
      if (!s) continue;
      const list = [...(this.samples.get(r.clusterId) ?? []), s].slice(-this.size);
      this.samples.set(r.clusterId, list);
    }
  }

  /** The alarm state of a cluster: ALERT when its last `failuresToDown` rounds all failed, else none. */
  alarmOf(clusterId: string): AlarmObservation | null {
    const n = this.policy.detection.failuresToDown;
    const last = (this.samples.get(clusterId) ?? []).slice(-n);
    if (last.length < n || last.some((s) => s.ok)) return null;
    const cluster = this.policy.clusters.find((c) => c.id === clusterId);
    return {
      name: probeAlarmName(cluster?.name ?? clusterId),
      metricName: probeMetricName(this.policy),
      state: 'ALERT',
      at: last.at(-1)!.at,
      onProbeMetric: true,
    };
  }

  /** What a decision reads: every cluster's recent samples (already counted ones are skipped by the policy) and alarms. */
  readings(): ProbeReadings {
    const probes: Record<string, ProbeResult[]> = {};
    const alarms: Record<string, AlarmObservation[]> = {};
    for (const c of this.policy.clusters) {
      probes[c.id] = [...(this.samples.get(c.id) ?? [])];
      const a = this.alarmOf(c.id);
      alarms[c.id] = a ? [a] : [];
    }
    return { probes, alarms };
  }
}
