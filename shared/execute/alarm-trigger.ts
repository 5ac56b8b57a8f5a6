/**
 * From a parsed CloudMonitor alarm to decide()'s trigger: which policy cluster it is about and the key that
 * identifies this alarm occurrence (so a repeated or concurrent delivery is recognised as the same one).
 */
import type { Policy } from '../config';
import type { TriggerAlarm } from '../decision/observations';
import type { AlarmEvent } from '../schemas/cloudmonitor-alarm';

/**
 * The policy cluster an alarm is about: the cluster dimension the parser found (clusterId, ...), else any
 * dimension whose value is a cluster id (instanceId, a site-monitor taskId named after the cluster), else a
 * cluster id inside the rule id or alarm name (fleet-dr's rules are named `fleet-dr-probe-<clusterId>`).
 */
export function clusterOfAlarm(policy: Policy, alarm: AlarmEvent): string | undefined {
  const ids = policy.clusters.map((c) => c.id);
  if (alarm.clusterId && ids.includes(alarm.clusterId)) return alarm.clusterId;
  if (alarm.clusterId) return undefined;
  const byDim = Object.values(alarm.dimensions).find((v) => ids.includes(v));
  if (byDim) return byDim;
  const names = [alarm.ruleId ?? '', alarm.alarmName];
  const inName = ids.filter((id) => names.some((n) => n.includes(id))).sort((a, b) => b.length - a.length);
  return inName[0];
}

/** The trigger for decide(); the key is rule/alarm name, cluster and the alarm's own timestamp. */
export function triggerOf(policy: Policy, alarm: AlarmEvent, clusterId: string): TriggerAlarm {
  return {
    key: `${alarm.ruleId ?? alarm.alarmName}/${clusterId}/${alarm.state}/${alarm.timestamp.getTime()}`,
    ...(alarm.ruleId ? { ruleId: alarm.ruleId } : {}),
    clusterId,
    name: alarm.alarmName,
    metricName: alarm.metricName,
    state: alarm.state,
    at: alarm.timestamp.toISOString(),
    onProbeMetric: policy.detection.probeMetricNames.includes(alarm.metricName),
  };
}
