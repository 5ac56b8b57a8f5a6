/**
 * Verdicts: from one cluster's observations and its history to per-source verdicts, the agreement rule and an
 * overall verdict, with the signals that explain it. Pure: the new history is returned, not stored.
 */
import type { Cluster, Policy } from '../config';
import { applySamples, emptySourceHistory, SAMPLED_SOURCES, samplesOf } from './hysteresis';
import type {
  AlarmObservation,
  ClusterHistory,
  ClusterObservation,
  ClusterVerdict,
  Observations,
  Signal,
  Source,
  SourceVerdict,
} from './types';

/** The policy's reading of one cluster at `now`. */
export interface Assessment {
  cluster: Cluster;
  verdict: ClusterVerdict;
  sources: Record<Source, SourceVerdict>;
  /** Which source an alarm fired on: `alarm` (an independent metric) or `probe` (fleet-dr's probe metric). */
  alarmFiredOn: 'alarm' | 'probe' | null;
  /** Independent sources that confirm the alarm (excluding the alarm's own source). */
  confirmations: Source[];
  /** An alarm reads INSUFFICIENT_DATA and policy says that is unknown. */
  insufficientData: boolean;
  /** A registered cluster whose agent is disconnected while its probes pass. */
  partition: boolean;
  /** For the observer guard: this cluster looks down from where the observer stands. */
  looksDown: boolean;
  history: ClusterHistory;
  signals: Signal[];
}

const EMPTY_OBS: ClusterObservation = {
  alarms: [],
  probes: [],
  ackState: null,
  gatewayHealth: null,
  readyReplicas: null,
  membership: null,
};

/** The cluster's observation with the triggering alarm merged in (when it is newer than what was observed). */
export function observationOf(obs: Observations, clusterId: string): ClusterObservation {
  const own = obs.clusters[clusterId] ?? EMPTY_OBS;
  const t = obs.trigger;
  if (!t || t.clusterId !== clusterId) return own;
  const seen = own.alarms.some((a) => a.name === t.name && Date.parse(a.at) >= Date.parse(t.at));
  if (seen) return own;
  const alarm: AlarmObservation = {
    name: t.name,
    metricName: t.metricName,
    state: t.state,
    at: t.at,
    onProbeMetric: t.onProbeMetric,
  };
  return { ...own, alarms: [...own.alarms, alarm] };
}

/** Latest state per alarm name, in name order (deterministic). */
function latestAlarms(alarms: AlarmObservation[]): AlarmObservation[] {
  const byName = new Map<string, AlarmObservation>();
  for (const a of alarms) {
    const prev = byName.get(a.name);
    if (!prev || Date.parse(a.at) > Date.parse(prev.at)) byName.set(a.name, a);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Verdict of a set of alarms: any ALERT is down; INSUFFICIENT_DATA is unknown (or down per policy). */
function alarmVerdict(
  alarms: AlarmObservation[],
  policy: Policy,
): { verdict: SourceVerdict; insufficient: boolean } {
  const idIsAlert = policy.detection.insufficientData === 'alert';
  if (alarms.some((a) => a.state === 'ALERT' || (idIsAlert && a.state === 'INSUFFICIENT_DATA')))
    return { verdict: 'down', insufficient: false };
  if (alarms.some((a) => a.state === 'INSUFFICIENT_DATA')) return { verdict: 'unknown', insufficient: true };
  return { verdict: alarms.length > 0 ? 'up' : 'unknown', insufficient: false };
}

function describeProbes(obs: ClusterObservation): string {
  if (obs.probes.length === 0) return 'no probe results';
  const failed = obs.probes.filter((p) => !p.ok);
  const last = [...obs.probes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1)!;
  const lastText = last.ok ? 'ok' : (last.error ?? (last.status ? `HTTP ${last.status}` : 'failed'));
  return `${failed.length} of ${obs.probes.length} probe results failed; latest ${lastText}`;
}

/** Assesses one cluster: updates its history and applies the agreement rule. */
export function assessCluster(
  policy: Policy,
  cluster: Cluster,
  obs: ClusterObservation,
  prev: ClusterHistory | undefined,
  now: string,
): Assessment {
  const d = policy.detection;
  const sourcesHist: ClusterHistory['sources'] = { ...(prev?.sources ?? {}) };
  for (const s of SAMPLED_SOURCES) {
    sourcesHist[s] = applySamples(
      sourcesHist[s] ?? emptySourceHistory(),
      samplesOf(obs, s),
      d.failuresToDown,
      d.successesToUp,
    );
  }
  // A cluster off the gateway (fenced) has no gateway health: MSE lists none of its endpoints, so no sample
  // would ever replace its last reading, and a stale `down` would block its re-admit forever. Forget it.
  if (obs.membership?.onGateway === false) sourcesHist.gatewayHealth = emptySourceHistory();
  const alarms = latestAlarms(obs.alarms);
  const isProbeAlarm = (a: AlarmObservation) => a.onProbeMetric || d.probeMetricNames.includes(a.metricName);
  const independent = alarmVerdict(
    alarms.filter((a) => !isProbeAlarm(a)),
    policy,
  );
  const probeAlarms = alarms.filter(isProbeAlarm);
  const onProbe = alarmVerdict(probeAlarms, policy);
  const probeHist = sourcesHist.probe!.verdict;
  const sources: Record<Source, SourceVerdict> = {
    alarm: independent.verdict,
    // An alarm on the probe metric is the same evidence as the probes: it can only make `probe` down.
    probe: onProbe.verdict === 'down' ? 'down' : probeHist,
    ackState: sourcesHist.ackState!.verdict,
    gatewayHealth: sourcesHist.gatewayHealth!.verdict,
    readyReplicas: sourcesHist.readyReplicas!.verdict,
  };
  const lastAlarmAt = alarms.map((a) => a.at).sort((a, b) => Date.parse(a) - Date.parse(b));
  sourcesHist.alarm = {
    verdict: independent.verdict,
    failures: 0,
    successes: 0,
    lastSampleAt: lastAlarmAt.at(-1) ?? prev?.sources.alarm?.lastSampleAt ?? null,
    since: prev?.sources.alarm?.verdict === independent.verdict ? (prev.sources.alarm.since ?? null) : now,
  };

  const alarmFiredOn = sources.alarm === 'down' ? 'alarm' : onProbe.verdict === 'down' ? 'probe' : null;
  const confirmations = d.confirmingSources.filter(
    (s) => s !== 'alarm' && s !== alarmFiredOn && sources[s] === 'down',
  );
  const latestProbe = [...obs.probes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  const partition =
    cluster.type === 'registered' &&
    obs.ackState?.state === 'disconnected' &&
    (probeHist === 'up' || (probeHist !== 'down' && latestProbe?.ok === true)) &&
    onProbe.verdict !== 'down';
  const confirmed = alarmFiredOn !== null && confirmations.length >= d.confirmationsRequired && !partition;
  const anyDown = Object.values(sources).some((v) => v === 'down');
  const core = [sources.alarm, sources.probe, sources.gatewayHealth, sources.readyReplicas];
  let verdict: ClusterVerdict = 'unknown';
  if (confirmed) verdict = 'down';
  else if (anyDown || partition) verdict = 'suspect';
  else if (core.includes('up')) verdict = 'up';

  const history: ClusterHistory = {
    verdict,
    since: prev?.verdict === verdict ? prev.since : now,
    upSince: verdict === 'up' ? (prev?.verdict === 'up' ? (prev.upSince ?? now) : now) : null,
    sources: sourcesHist,
  };
  const signals = buildSignals(cluster.id, obs, sources, alarms, isProbeAlarm);
  return {
    cluster,
    verdict,
    sources,
    alarmFiredOn,
    confirmations,
    insufficientData: independent.insufficient || onProbe.insufficient,
    partition,
    looksDown: verdict === 'down' || sources.probe === 'down' || sources.alarm === 'down',
    history,
    signals,
  };
}

function buildSignals(
  id: string,
  obs: ClusterObservation,
  sources: Record<Source, SourceVerdict>,
  alarms: AlarmObservation[],
  isProbeAlarm: (a: AlarmObservation) => boolean,
): Signal[] {
  const out: Signal[] = [];
  for (const a of alarms) {
    const src = isProbeAlarm(a) ? 'probe' : 'alarm';
    out.push({
      cluster: id,
      source: src,
      verdict: a.state === 'OK' ? 'up' : a.state === 'ALERT' ? 'down' : 'unknown',
      detail: `alarm ${a.name} (${a.metricName}${src === 'probe' ? ', fleet-dr probe metric' : ''}) is ${a.state}`,
      at: a.at,
    });
  }
  const latestProbe = [...obs.probes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  out.push({
    cluster: id,
    source: 'probe',
    verdict: sources.probe,
    detail: describeProbes(obs),
    at: latestProbe?.at ?? null,
  });
  out.push({
    cluster: id,
    source: 'ackState',
    verdict: sources.ackState,
    detail: obs.ackState
      ? `cluster state ${obs.ackState.state}${obs.ackState.state === 'running' ? ' (running never vetoes)' : ''}`
      : 'cluster state not observed',
    at: obs.ackState?.at ?? null,
  });
  out.push({
    cluster: id,
    source: 'gatewayHealth',
    verdict: sources.gatewayHealth,
    detail: obs.gatewayHealth
      ? `gateway service health ${obs.gatewayHealth.status}`
      : 'gateway health not observed',
    at: obs.gatewayHealth?.at ?? null,
  });
  out.push({
    cluster: id,
    source: 'readyReplicas',
    verdict: sources.readyReplicas,
    detail: obs.readyReplicas
      ? `${obs.readyReplicas.ready}/${obs.readyReplicas.desired} replicas ready`
      : 'ready replicas not observed',
    at: obs.readyReplicas?.at ?? null,
  });
  return out;
}

/** Assesses every cluster of the policy, in policy order. */
export function assessAll(
  policy: Policy,
  obs: Observations,
  histories: Record<string, ClusterHistory>,
  now: string,
): Assessment[] {
  return policy.clusters.map((c) => assessCluster(policy, c, observationOf(obs, c.id), histories[c.id], now));
}

/** A one-line explanation of a cluster's verdict, for reasons. */
export function explain(a: Assessment, policy: Policy): string {
  const down = (Object.keys(a.sources) as Source[]).filter((s) => a.sources[s] === 'down');
  const need = policy.detection.confirmationsRequired;
  const fired = a.alarmFiredOn === 'probe' ? 'an alarm on the fleet-dr probe metric' : 'an alarm';
  const id = a.cluster.id;
  const insufficient = a.insufficientData
    ? '; an alarm reads INSUFFICIENT_DATA, which counts as unknown, never healthy'
    : '';
  if (a.partition)
    return `${id}: agent partition (registered cluster disconnected from ACK One while its probes pass)`;
  if (a.verdict === 'down')
    return `${id}: down (${fired}, confirmed by ${a.confirmations.join(', ') || 'no other source (none required)'})`;
  if (a.verdict === 'suspect' && a.alarmFiredOn)
    return `${id}: suspect (${fired}, but ${a.confirmations.length} of ${need} required independent confirmation(s); down: ${down.join(', ')})`;
  if (a.verdict === 'suspect')
    return `${id}: suspect (no alarm fired; down: ${down.join(', ')})${insufficient}`;
  return `${id}: ${a.verdict}${insufficient}`;
}
