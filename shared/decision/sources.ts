/**
 * The source model: for each source of health evidence, what it reads, whether a reading is a raw sample
 * (hysteresis applies) or a level already debounced where it comes from (one fresh reading counts), how old a
 * reading may be before it counts as unknown, and what the source may do: trigger a failover, confirm one, or
 * veto one. docs/decision-rules.md ("Sources") has the same table for people; test/decision/sources.test.ts keeps
 * the two in step.
 *
 * Why levels are not counted again: MSE's `HealthStatus` is the result of the gateway's own health checks with
 * their thresholds, a Deployment's ready replicas result from readiness probes with their `failureThreshold`, and
 * a cluster's state is ACK's (for a registered cluster, ACK One's view of its agent). Each invocation reads them
 * once, so requiring `failuresToDown` of them would take that many invocations (minutes on the alarm path) to
 * confirm anything: double hysteresis. Probes are raw samples, taken several per invocation, so they keep theirs.
 */
import type { Policy } from '../config';
import { ACK_DOWN_STATES, type Counting, type Sample, type SampledSource } from './hysteresis';
import type { ClusterObservation, Source } from './observations';

/** `event`: a state change CloudMonitor already debounced; `sample`: a raw sample; `level`: a debounced state. */
export type SourceKind = 'event' | 'sample' | 'level';

/** One row of the source model. */
export interface SourceModel {
  /** What the source reads, and from where. */
  reads: string;
  kind: SourceKind;
  /** Where a level or an event is debounced before fleet-dr reads it (null for a raw sample). */
  debouncedAt: string | null;
  /** Whether its readings expire after their maximum age (`detection.maxReadingAgeSeconds` or its own). */
  expires: boolean;
  /** How the source can start a failover (null: it cannot). */
  triggers: string | null;
  /** Whether it can confirm an alarm when listed in `detection.confirmingSources`. */
  confirms: boolean;
  /** What it vetoes, if anything. */
  vetoes: string | null;
}

/** The source model, one row per source. */
export const SOURCE_MODEL: Readonly<Record<Source, SourceModel>> = {
  alarm: {
    reads: 'CloudMonitor alarm state of a metric other than the probe metric (the callback, or EventBridge)',
    kind: 'event',
    debouncedAt: "CloudMonitor (the rule's `Times` periods)",
    expires: false,
    triggers: 'an ALERT',
    confirms: false,
    vetoes: null,
  },
  probe: {
    reads:
      "fleet-dr's HTTP probes of the cluster's entry point; an alarm on `detection.probeMetricNames` is this source too",
    kind: 'sample',
    debouncedAt: null,
    expires: true,
    triggers: 'an ALERT on the probe metric',
    confirms: true,
    vetoes: null,
  },
  gatewayHealth: {
    reads: "MSE `ListGatewayService` `HealthStatus` of the route's Service, per cluster",
    kind: 'level',
    debouncedAt: "MSE's active health check (`HealthyThreshold` / `UnhealthyThreshold`)",
    expires: true,
    triggers: null,
    confirms: true,
    vetoes: null,
  },
  readyReplicas: {
    reads: "ready and desired replicas of the route's Deployment in the cluster",
    kind: 'level',
    debouncedAt: "the pods' readiness probes (`failureThreshold`)",
    expires: true,
    triggers: null,
    confirms: true,
    vetoes: null,
  },
  ackState: {
    reads: "ACK `DescribeClusterDetail` `state`; for a registered cluster, its agent's connection to ACK One",
    kind: 'level',
    debouncedAt: 'ACK / ACK One',
    expires: true,
    triggers: null,
    confirms: true,
    vetoes: 'a failover of a registered cluster disconnected while its probes pass (agent partition)',
  },
};

/** The sources read as levels: one fresh reading counts unless `consecutiveReadings` says more. */
export const LEVEL_SOURCES = ['gatewayHealth', 'readyReplicas', 'ackState'] as const;
export type LevelSource = (typeof LEVEL_SOURCES)[number];

/** True for a source read as a level. */
export const isLevel = (s: Source): s is LevelSource => SOURCE_MODEL[s].kind === 'level';

/** The settings of a level source, defaults filled in even for a hand-built policy. */
function levelSettings(policy: Policy, s: LevelSource) {
  const set = policy.detection.sources?.[s];
  return {
    consecutiveReadings: set?.consecutiveReadings ?? 1,
    maxReadingAgeSeconds: set?.maxReadingAgeSeconds,
  };
}

/** Consecutive agreeing readings a level source needs before its verdict changes (default 1). */
export const consecutiveReadingsOf = (policy: Policy, s: LevelSource): number =>
  levelSettings(policy, s).consecutiveReadings;

/** `detection.sources.readyReplicas.minReadyShare` (0 when not set). */
export const minReadyShare = (policy: Policy): number =>
  policy.detection.sources?.readyReplicas?.minReadyShare ?? 0;

/** How old a reading of `source` may be, in seconds, before it counts as unknown. */
export function maxAgeOf(policy: Policy, source: SampledSource): number {
  const own =
    source === 'probe'
      ? policy.detection.sources?.probe?.maxReadingAgeSeconds
      : levelSettings(policy, source).maxReadingAgeSeconds;
  return own ?? policy.detection.maxReadingAgeSeconds;
}

/** The setting that gives `source` its maximum age, for messages. */
export function maxAgeSetting(policy: Policy, source: SampledSource): string {
  const own =
    source === 'probe'
      ? policy.detection.sources?.probe?.maxReadingAgeSeconds
      : levelSettings(policy, source).maxReadingAgeSeconds;
  return own === undefined
    ? 'detection.maxReadingAgeSeconds'
    : `detection.sources.${source}.maxReadingAgeSeconds`;
}

/** How many agreeing readings turn `source` down or up, and how old they may be, judged at `now`. */
export function countingFor(policy: Policy, source: SampledSource, now: string): Counting {
  const d = policy.detection;
  if (source === 'probe')
    return {
      failuresToDown: d.failuresToDown,
      successesToUp: d.successesToUp,
      maxAgeSeconds: maxAgeOf(policy, source),
      now,
    };
  const n = consecutiveReadingsOf(policy, source);
  return { failuresToDown: n, successesToUp: n, maxAgeSeconds: maxAgeOf(policy, source), now };
}

/** Ready replicas a reading needs to count as healthy: minReadyShare of the desired ones, and at least one. */
export const readyNeeded = (desired: number, share: number): number =>
  Math.max(1, Math.ceil(share * desired - 1e-9));

/**
 * One cluster's observation of one source as readings in time order. A probe result is a sample (ok or
 * not). A level reading is healthy, failing, or says nothing either way (`ok: null`: MSE `Unknown`, a
 * Deployment with 0 desired replicas, a cluster state that is neither running nor down), which replaces the
 * level as any reading does: the source reads unknown, not its previous verdict.
 */
export function readingsOf(obs: ClusterObservation, source: SampledSource, policy: Policy): Sample[] {
  switch (source) {
    case 'probe':
      return obs.probes
        .map((p) => ({ at: p.at, ok: p.ok }))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    case 'ackState': {
      const s = obs.ackState;
      if (!s) return [];
      if (s.state === 'running') return [{ at: s.at, ok: true }];
      return [{ at: s.at, ok: ACK_DOWN_STATES.has(s.state) ? false : null }];
    }
    case 'gatewayHealth': {
      const g = obs.gatewayHealth;
      if (!g) return [];
      return [{ at: g.at, ok: g.status === 'Unknown' ? null : g.status === 'Health' }];
    }
    case 'readyReplicas': {
      const r = obs.readyReplicas;
      if (!r) return [];
      // Desired 0: scaled to zero on purpose, or the Deployment is missing from this cluster (gather reads
      // 0 of 0). No replica is meant to run, so 0 ready says nothing about the zone: neither down nor up.
      if (r.desired === 0) return [{ at: r.at, ok: null }];
      return [{ at: r.at, ok: r.ready >= readyNeeded(r.desired, minReadyShare(policy)) }];
    }
  }
}
