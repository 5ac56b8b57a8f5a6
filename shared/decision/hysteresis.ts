/**
 * Per-source hysteresis: N consecutive failures call a source down, M consecutive successes call it up.
 * Samples at or before `lastSampleAt` were already counted, so a repeated observation never counts twice.
 * The counts come from the source model (sources.ts): `failuresToDown` / `successesToUp` for probe samples,
 * `consecutiveReadings` (default 1) for levels, which are already debounced where they come from.
 *
 * Readings expire: a sample older than the source's maximum age at `now` is no sample, and a history whose
 * newest counted sample is that old is forgotten (verdict `unknown`, counts 0), so a source that stops
 * reporting does not keep its last verdict, and "consecutive" never spans a silence longer than the max age.
 */

import type { Source } from './observations';
import type { SourceHistory } from './routing-state';
import { addSeconds, ms } from './time';

/**
 * One reading of one source: good (`ok: true`), bad (`false`), or, for a level, a reading that says nothing
 * either way (`null`: MSE `Unknown`, 0 desired replicas), which resets the source to unknown.
 */
export interface Sample {
  at: string;
  ok: boolean | null;
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

/** The sources whose readings are counted and expire (alarms are events, taken as CloudMonitor reports them). */
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
    if (s.ok === null) {
      // A level reading with no evidence: the level is unknown now, and any run of agreeing readings ends.
      next.failures = 0;
      next.successes = 0;
      if (next.verdict !== 'unknown') {
        next.verdict = 'unknown';
        next.since = s.at;
      }
    } else if (s.ok) {
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
  /** The source's maximum reading age (`detection.maxReadingAgeSeconds`, or the source's own). */
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

/** Type guard: a source whose readings are counted (not an alarm). */
export const isSampled = (s: Source): s is SampledSource =>
  (SAMPLED_SOURCES as readonly string[]).includes(s);
