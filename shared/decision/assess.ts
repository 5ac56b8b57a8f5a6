/**
 * Verdicts: from one cluster's observations and its history to per-source verdicts, the agreement rule and an
 * overall verdict, with the signals that explain it. Pure: the new history is returned, not stored.
 */
import type { Cluster, Policy } from '../config';
import {
  emptySourceHistory,
  isExpired,
  SAMPLED_SOURCES,
  type SampledSource,
  updateHistory,
} from './hysteresis';
import type {
  AlarmObservation,
  ClusterObservation,
  ClusterVerdict,
  Observations,
  ProbeResult,
  Source,
  SourceVerdict,
} from './observations';
import type { ClusterHistory, Signal, SourceHistory } from './routing-state';
import {
  consecutiveReadingsOf,
  countingFor,
  isLevel,
  maxAgeOf,
  maxAgeSetting,
  minReadyShare,
  readingsOf,
  readyNeeded,
} from './sources';
import { ms, secondsBetween } from './time';

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
  gitops: null,
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

/** The newest of some probe results (undefined when there are none). */
const newestProbe = (probes: ProbeResult[]): ProbeResult | undefined =>
  [...probes].sort((a, b) => ms(a.at) - ms(b.at)).at(-1);

function describeProbes(obs: ClusterObservation, fresh: ProbeResult[]): string {
  if (obs.probes.length === 0) return 'no probe results';
  const old = obs.probes.length - fresh.length;
  if (fresh.length === 0) return `${old} probe result(s), none recent enough to count`;
  const failed = fresh.filter((p) => !p.ok);
  const last = newestProbe(fresh)!;
  const lastText = last.ok ? 'ok' : (last.error ?? (last.status ? `HTTP ${last.status}` : 'failed'));
  const notCounted = old > 0 ? ` (${old} older result(s) past the max age not counted)` : '';
  return `${failed.length} of ${fresh.length} probe results failed; latest ${lastText}${notCounted}`;
}

/** A source's maximum reading age and the setting it comes from, for messages. */
interface AgeLimit {
  seconds: number;
  setting: string;
}

/**
 * What a signal adds about the age of a sampled source's reading: that it expired (and how old it was), or
 * that the source was not read this round and its last counted reading, still recent, stands.
 */
function ageNote(obsAt: string | undefined, hist: SourceHistory, now: string, limitOf: AgeLimit): string {
  const maxAge = limitOf.seconds;
  const age = (at: string) => `${Math.round(secondsBetween(at, now))} s old`;
  const limit = `${limitOf.setting} is ${maxAge} s`;
  const last = hist.lastSampleAt;
  const newest = [obsAt, last]
    .filter((x): x is string => typeof x === 'string')
    .sort((a, b) => ms(a) - ms(b))
    .at(-1);
  if (newest && isExpired(newest, now, maxAge))
    return `; reading expired: the newest, at ${newest}, is ${age(newest)} and ${limit}, so it counts as unknown`;
  if (obsAt && isExpired(obsAt, now, maxAge))
    return `; this reading expired (${age(obsAt)}; ${limit}) and is not counted`;
  if (last && (!obsAt || ms(obsAt) !== ms(last)))
    return `; the last counted reading, at ${last} (${age(last)}), stands`;
  return '';
}

/**
 * The probe round this decision counted: its fresh samples newer than the last counted one, as failed of total
 * (the error rate an operator follows); the previous round when this decision brought no new sample.
 */
function probeRound(fresh: ProbeResult[], prev: ClusterHistory | undefined): ClusterHistory['probeRound'] {
  const last = prev?.sources.probe?.lastSampleAt;
  const counted = fresh.filter((p) => !last || ms(p.at) > ms(last));
  if (counted.length === 0) return prev?.probeRound;
  const at = counted.map((p) => p.at).reduce((a, b) => (ms(b) > ms(a) ? b : a));
  return { failed: counted.filter((p) => !p.ok).length, total: counted.length, at };
}

/**
 * Step 1, source history: each sampled source's history after this decision's readings.
 *
 * Readings expire: a sample older than the max age is no sample, and a source whose newest counted sample
 * is that old reads `unknown`, not its last verdict (hysteresis.ts). Probes expire the same way although
 * they are sampled fresh each round: a round takes enough probe samples to reach a verdict on its own, so
 * a live round never needs older probe history, while a round that brings no probe results (a trigger
 * that does not probe, a prober fault) must not let an old probe `down` confirm a new alarm, nor an old
 * `up` keep the cluster up. Alarms are events, not readings: CloudMonitor re-evaluates them, and their
 * latest state is taken as it is. How many readings count is the source model's (sources.ts): probe
 * samples go through `failuresToDown` / `successesToUp`; levels, debounced where they come from, through
 * their `consecutiveReadings` (default 1: the newest fresh reading is the source's verdict).
 */
function sampledSourceHistory(
  policy: Policy,
  obs: ClusterObservation,
  prev: ClusterHistory | undefined,
  now: string,
): ClusterHistory['sources'] {
  const sourcesHist: ClusterHistory['sources'] = { ...(prev?.sources ?? {}) };
  for (const s of SAMPLED_SOURCES)
    sourcesHist[s] = updateHistory(
      sourcesHist[s] ?? emptySourceHistory(),
      readingsOf(obs, s, policy),
      countingFor(policy, s, now),
    );
  // A cluster off the gateway (fenced) has no gateway health: MSE lists none of its endpoints, so no sample
  // would ever replace its last reading, and a stale `down` would block its re-admit forever. Forget it.
  if (obs.membership?.onGateway === false) sourcesHist.gatewayHealth = emptySourceHistory();
  return sourcesHist;
}

/** The cluster's alarms (latest per name), split into independent metrics and fleet-dr's probe metric. */
interface AlarmReading {
  alarms: AlarmObservation[];
  isProbeAlarm: (a: AlarmObservation) => boolean;
  /** The verdict of the alarms on independent metrics: the `alarm` source. */
  independent: ReturnType<typeof alarmVerdict>;
  /** The verdict of the alarms on the probe metric: it can only make `probe` down. */
  onProbe: ReturnType<typeof alarmVerdict>;
}

/** Step 2, alarms: the latest state of each alarm, read as the `alarm` source and as probe evidence. */
function readAlarms(policy: Policy, obs: ClusterObservation): AlarmReading {
  const alarms = latestAlarms(obs.alarms);
  const isProbeAlarm = (a: AlarmObservation) =>
    a.onProbeMetric || policy.detection.probeMetricNames.includes(a.metricName);
  const independent = alarmVerdict(
    alarms.filter((a) => !isProbeAlarm(a)),
    policy,
  );
  const onProbe = alarmVerdict(alarms.filter(isProbeAlarm), policy);
  return { alarms, isProbeAlarm, independent, onProbe };
}

/** Step 3, source verdicts: one verdict per source, from the sampled histories and the alarms. */
function sourceVerdicts(
  sourcesHist: ClusterHistory['sources'],
  reading: AlarmReading,
): Record<Source, SourceVerdict> {
  return {
    alarm: reading.independent.verdict,
    // An alarm on the probe metric is the same evidence as the probes: it can only make `probe` down.
    probe: reading.onProbe.verdict === 'down' ? 'down' : sourcesHist.probe!.verdict,
    ackState: sourcesHist.ackState!.verdict,
    gatewayHealth: sourcesHist.gatewayHealth!.verdict,
    readyReplicas: sourcesHist.readyReplicas!.verdict,
  };
}

/** The `alarm` source's history: its verdict, since when, and the newest alarm time seen. */
function alarmHistory(reading: AlarmReading, prev: ClusterHistory | undefined, now: string): SourceHistory {
  const verdict = reading.independent.verdict;
  const lastAlarmAt = reading.alarms.map((a) => a.at).sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    verdict,
    failures: 0,
    successes: 0,
    lastSampleAt: lastAlarmAt.at(-1) ?? prev?.sources.alarm?.lastSampleAt ?? null,
    since: prev?.sources.alarm?.verdict === verdict ? (prev.sources.alarm.since ?? null) : now,
  };
}

/**
 * Step 4, partition: a registered cluster whose agent is disconnected while its probes pass (and no alarm on
 * the probe metric says otherwise). It reads the raw observations: only readings that have not expired count.
 */
function isPartition(
  cluster: Cluster,
  obs: ClusterObservation,
  freshProbes: ProbeResult[],
  probeHist: SourceVerdict,
  onProbe: SourceVerdict,
  ackStateFresh: (at: string) => boolean,
): boolean {
  const latestProbe = newestProbe(freshProbes);
  const ackState = obs.ackState && ackStateFresh(obs.ackState.at) ? obs.ackState : null;
  return (
    cluster.type === 'registered' &&
    ackState?.state === 'disconnected' &&
    (probeHist === 'up' || (probeHist !== 'down' && latestProbe?.ok === true)) &&
    onProbe !== 'down'
  );
}

/**
 * Step 5, the agreement rule: `down` only when an alarm fired and enough independent sources confirm it (and
 * no partition explains it); `suspect` when some source says down, or on a partition; `up` when a core source
 * says up; otherwise `unknown`.
 */
function overallVerdict(
  policy: Policy,
  sources: Record<Source, SourceVerdict>,
  onProbe: SourceVerdict,
  partition: boolean,
): Pick<Assessment, 'verdict' | 'alarmFiredOn' | 'confirmations'> {
  const d = policy.detection;
  const alarmFiredOn = sources.alarm === 'down' ? 'alarm' : onProbe === 'down' ? 'probe' : null;
  const confirmations = d.confirmingSources.filter(
    (s) => s !== 'alarm' && s !== alarmFiredOn && sources[s] === 'down',
  );
  const confirmed = alarmFiredOn !== null && confirmations.length >= d.confirmationsRequired && !partition;
  const anyDown = Object.values(sources).some((v) => v === 'down');
  const core = [sources.alarm, sources.probe, sources.gatewayHealth, sources.readyReplicas];
  let verdict: ClusterVerdict = 'unknown';
  if (confirmed) verdict = 'down';
  else if (anyDown || partition) verdict = 'suspect';
  else if (core.includes('up')) verdict = 'up';
  return { verdict, alarmFiredOn, confirmations };
}

/** Step 6, verdict memory: since when the verdict holds, the current `up` stretch, the probe round counted. */
function nextClusterHistory(
  verdict: ClusterVerdict,
  sourcesHist: ClusterHistory['sources'],
  round: ClusterHistory['probeRound'],
  prev: ClusterHistory | undefined,
  now: string,
): ClusterHistory {
  return {
    verdict,
    since: prev?.verdict === verdict ? prev.since : now,
    upSince: verdict === 'up' ? (prev?.verdict === 'up' ? (prev.upSince ?? now) : now) : null,
    sources: sourcesHist,
    ...(round ? { probeRound: round } : {}),
  };
}

/** Assesses one cluster: updates its history and applies the agreement rule. */
export function assessCluster(
  policy: Policy,
  cluster: Cluster,
  obs: ClusterObservation,
  prev: ClusterHistory | undefined,
  now: string,
): Assessment {
  const fresh = (s: SampledSource) => (at: string) => !isExpired(at, now, maxAgeOf(policy, s));
  const sourcesHist = sampledSourceHistory(policy, obs, prev, now);
  const reading = readAlarms(policy, obs);
  const sources = sourceVerdicts(sourcesHist, reading);
  sourcesHist.alarm = alarmHistory(reading, prev, now);
  const freshProbes = obs.probes.filter((p) => fresh('probe')(p.at));
  const partition = isPartition(
    cluster,
    obs,
    freshProbes,
    sourcesHist.probe!.verdict,
    reading.onProbe.verdict,
    fresh('ackState'),
  );
  const { verdict, alarmFiredOn, confirmations } = overallVerdict(
    policy,
    sources,
    reading.onProbe.verdict,
    partition,
  );
  const history = nextClusterHistory(verdict, sourcesHist, probeRound(freshProbes, prev), prev, now);
  const signals = buildSignals(cluster.id, obs, sources, reading.alarms, reading.isProbeAlarm, {
    policy,
    hist: sourcesHist,
    freshProbes,
    now,
  });
  return {
    cluster,
    verdict,
    sources,
    alarmFiredOn,
    confirmations,
    insufficientData: reading.independent.insufficient || reading.onProbe.insufficient,
    partition,
    looksDown: verdict === 'down' || sources.probe === 'down' || sources.alarm === 'down',
    history,
    signals,
  };
}

/** What the signals need to say how old each reading is and how it was counted. */
interface Ages {
  policy: Policy;
  hist: ClusterHistory['sources'];
  freshProbes: ProbeResult[];
  now: string;
}

/**
 * What a level signal adds when its verdict has not followed the newest reading yet: how many agreeing
 * readings it has of the `consecutiveReadings` it needs (only when a team asked for more than one).
 */
function countNote(policy: Policy, s: SampledSource, hist: SourceHistory, newest: boolean | null): string {
  if (!isLevel(s) || newest === null) return '';
  const n = consecutiveReadingsOf(policy, s);
  const run = newest ? hist.successes : hist.failures;
  const reached = hist.verdict === (newest ? 'up' : 'down');
  if (n <= 1 || reached || run === 0) return '';
  return ` (${run} of ${n} consecutive readings needed: detection.sources.${s}.consecutiveReadings)`;
}

/** The words for a ready-replicas reading: desired 0 is no evidence; a share may be required. */
function describeReplicas(policy: Policy, r: NonNullable<ClusterObservation['readyReplicas']>): string {
  const text = `${r.ready}/${r.desired} replicas ready`;
  if (r.desired === 0)
    return `${text}: no replica is meant to run here (the Deployment is scaled to zero, or missing from this cluster), which is no evidence either way`;
  const share = minReadyShare(policy);
  if (share <= 0) return text;
  const need = readyNeeded(r.desired, share);
  return `${text} (detection.sources.readyReplicas.minReadyShare ${share} needs ${need})`;
}

function buildSignals(
  id: string,
  obs: ClusterObservation,
  sources: Record<Source, SourceVerdict>,
  alarms: AlarmObservation[],
  isProbeAlarm: (a: AlarmObservation) => boolean,
  ages: Ages,
): Signal[] {
  const { policy } = ages;
  const hist = (s: SampledSource) => ages.hist[s] ?? emptySourceHistory();
  const note = (s: SampledSource, obsAt: string | undefined) =>
    ageNote(obsAt, hist(s), ages.now, { seconds: maxAgeOf(policy, s), setting: maxAgeSetting(policy, s) });
  // How the newest reading of a level was counted, when it is recent enough to count.
  const counted = (s: SampledSource, obsAt: string | undefined) => {
    if (!obsAt || isExpired(obsAt, ages.now, maxAgeOf(policy, s))) return '';
    const newest = readingsOf(obs, s, policy).at(-1);
    return newest ? countNote(policy, s, hist(s), newest.ok) : '';
  };
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
  const latestProbe = newestProbe(obs.probes);
  out.push({
    cluster: id,
    source: 'probe',
    verdict: sources.probe,
    detail: `${describeProbes(obs, ages.freshProbes)}${note('probe', latestProbe?.at)}`,
    at: latestProbe?.at ?? null,
  });
  out.push({
    cluster: id,
    source: 'ackState',
    verdict: sources.ackState,
    detail:
      (obs.ackState
        ? `cluster state ${obs.ackState.state}${obs.ackState.state === 'running' ? ' (running never vetoes)' : ''}`
        : 'cluster state not observed') +
      counted('ackState', obs.ackState?.at) +
      note('ackState', obs.ackState?.at),
    at: obs.ackState?.at ?? null,
  });
  out.push({
    cluster: id,
    source: 'gatewayHealth',
    verdict: sources.gatewayHealth,
    detail:
      (obs.gatewayHealth
        ? `gateway service health ${obs.gatewayHealth.status}${obs.gatewayHealth.status === 'Unknown' ? ' (MSE does not know: no evidence either way)' : ''}`
        : 'gateway health not observed') +
      counted('gatewayHealth', obs.gatewayHealth?.at) +
      note('gatewayHealth', obs.gatewayHealth?.at),
    at: obs.gatewayHealth?.at ?? null,
  });
  out.push({
    cluster: id,
    source: 'readyReplicas',
    verdict: sources.readyReplicas,
    detail:
      (obs.readyReplicas ? describeReplicas(policy, obs.readyReplicas) : 'ready replicas not observed') +
      counted('readyReplicas', obs.readyReplicas?.at) +
      note('readyReplicas', obs.readyReplicas?.at),
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

/**
 * What the sources that could confirm the alarm read, e.g. "confirming sources: gatewayHealth up,
 * readyReplicas unknown", and, for an alarm on the probe metric, that the probes cannot confirm it.
 */
function couldConfirm(a: Assessment, policy: Policy): string {
  const own = a.alarmFiredOn === 'probe' ? 'probe' : null;
  const others = policy.detection.confirmingSources.filter((s) => s !== 'alarm' && s !== own);
  const listed = others.map((s) => `${s} ${a.sources[s]}`).join(', ');
  const ownNote =
    own && policy.detection.confirmingSources.includes('probe')
      ? "; the probes are the alarm's own source and cannot confirm it"
      : '';
  return `confirming sources: ${listed || 'none listed'}${ownNote}`;
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
    return `${id}: suspect (${fired}, but ${a.confirmations.length} of ${need} required independent confirmation(s); down: ${down.join(', ')}; ${couldConfirm(a, policy)})`;
  if (a.verdict === 'suspect')
    return `${id}: suspect (no alarm fired; down: ${down.join(', ')})${insufficient}`;
  return `${id}: ${a.verdict}${insufficient}`;
}
