/**
 * Per-source hysteresis: N consecutive failures call a source down, M consecutive successes call it up.
 * Samples at or before `lastSampleAt` were already counted, so a repeated observation never counts twice.
 *
 * Readings expire: a sample older than `detection.maxReadingAgeSeconds` at `now` is no sample, and a history
 * whose newest counted sample is that old is forgotten (verdict `unknown`, counts 0), so a source that stops
 * reporting does not keep its last verdict, and "consecutive" never spans a silence longer than the max age.
 */
import { addSeconds, ms } from './time';
import type { ClusterObservation, Source, SourceHistory } from './types';

/** One good or bad sample of one source. */
export interface Sample {
  at: string;
  ok: boolean;
}

/** ACK states that mean the control plane (or, for a registered cluster, its agent) is not reachable. */
export const ACK_DOWN_STATES = new Set([
  'unavailable',
  'disconnected',
  'failed',
  'inactive',
  'deleting',
  'deleted',
  'delete_failed',
]);

/** The sources that go through hysteresis (alarms are already debounced by CloudMonitor). */
export const SAMPLED_SOURCES = ['probe', 'ackState', 'gatewayHealth', 'readyReplicas'] as const;
export type SampledSource = (typeof SAMPLED_SOURCES)[number];

/** A fresh history: nothing known yet. */
export const emptySourceHistory = (): SourceHistory => ({
  verdict: 'unknown',
  failures: 0,
  successes: 0,
  lastSampleAt: null,
  since: null,
});

/** Turns one cluster's observation of one source into ordered samples; "Unknown" readings are no sample. */
export function samplesOf(obs: ClusterObservation, source: SampledSource): Sample[] {
  switch (source) {
    case 'probe':
      return obs.probes
        .map((p) => ({ at: p.at, ok: p.ok }))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    case 'ackState': {
      const s = obs.ackState;
      if (!s) return [];
      if (s.state === 'running') return [{ at: s.at, ok: true }];
      return ACK_DOWN_STATES.has(s.state) ? [{ at: s.at, ok: false }] : [];
    }
    case 'gatewayHealth': {
      const g = obs.gatewayHealth;
      if (!g || g.status === 'Unknown') return [];
      return [{ at: g.at, ok: g.status === 'Health' }];
    }
    case 'readyReplicas': {
      const r = obs.readyReplicas;
      if (!r || (r.desired === 0 && r.ready === 0)) return [];
      return [{ at: r.at, ok: r.ready > 0 }];
    }
  }
}

/** Applies new samples to a source's history; returns a new history (the input is not changed). */
export function applySamples(
  prev: SourceHistory,
  samples: Sample[],
  failuresToDown: number,
  successesToUp: number,
): SourceHistory {
  const next = { ...prev };
  const after = prev.lastSampleAt === null ? Number.NEGATIVE_INFINITY : Date.parse(prev.lastSampleAt);
  for (const s of samples) {
    if (
      Date.parse(s.at) <= after ||
      (next.lastSampleAt !== null && Date.parse(s.at) <= Date.parse(next.lastSampleAt))
    )
      continue;
    if (s.ok) {
      next.successes += 1;
      next.failures = 0;
      if (next.successes >= successesToUp && next.verdict !== 'up') {
        next.verdict = 'up';
        next.since = s.at;
      }
    } else {
      next.failures += 1;
      next.successes = 0;
      if (next.failures >= failuresToDown && next.verdict !== 'down') {
        next.verdict = 'down';
        next.since = s.at;
      }
    }
    next.lastSampleAt = s.at;
  }
  return next;
}

/** The hysteresis settings and the moment readings are judged at. */
export interface Counting {
  failuresToDown: number;
  successesToUp: number;
  /** `detection.maxReadingAgeSeconds`. */
  maxAgeSeconds: number;
  now: string;
}

/** True when a reading taken at `at` is older than `maxAgeSeconds` at `now` (then it counts as unknown). */
export const isExpired = (at: string, now: string, maxAgeSeconds: number): boolean =>
  ms(at) < ms(now) - maxAgeSeconds * 1000;

/**
 * Forgets a history whose newest counted sample has expired: its verdict becomes `unknown` (since the moment
 * it expired) and its counts start again. `lastSampleAt` is kept, to say how old the last reading was.
 */
export function expireHistory(h: SourceHistory, now: string, maxAgeSeconds: number): SourceHistory {
  const last = h.lastSampleAt;
  const blank = h.verdict === 'unknown' && h.failures === 0 && h.successes === 0;
  // A verdict without any counted sample (a hand-written or damaged state) rests on nothing: forget it too.
  if (last === null) return blank ? h : emptySourceHistory();
  if (!isExpired(last, now, maxAgeSeconds) || blank) return h;
  return {
    verdict: 'unknown',
    failures: 0,
    successes: 0,
    lastSampleAt: last,
    since: h.verdict === 'unknown' ? h.since : addSeconds(last, maxAgeSeconds),
  };
}

/**
 * One source's history after this round: an expired history is forgotten first (so one new sample cannot
 * revive an old verdict), then the samples that have not expired are counted.
 */
export function updateHistory(prev: SourceHistory, samples: Sample[], c: Counting): SourceHistory {
  const fresh = samples.filter((s) => !isExpired(s.at, c.now, c.maxAgeSeconds));
  return applySamples(expireHistory(prev, c.now, c.maxAgeSeconds), fresh, c.failuresToDown, c.successesToUp);
}

/** Type guard: a source that goes through hysteresis. */
export const isSampled = (s: Source): s is SampledSource =>
  (SAMPLED_SOURCES as readonly string[]).includes(s);
