/**
 * The drill's measurements, pure: traffic series from the load's samples, the baseline comparison rows, and
 * the objectives. Times are Date.now() ms unless a field says "since the load began".
 */
import { coalescedSections } from '../../shared/notify/outbox';
import type { BaselineRow, DrillDecision, Objective, SeriesPoint } from './drill-report';
import type { LoadSample } from './load';

/** The objectives' settings (each a `fleet-dr drill` flag's default). */
export interface ObjectiveSettings {
  /** fleet-dr decides within this many ms of the fault (two probe intervals plus a probe timeout). */
  detectionMs: number;
  /** At least `share` of the traffic is on the healthy zone from `shareWithinMs` after the fault. */
  shareWithinMs: number;
  share: number;
}

/** The moments of one run (Date.now() ms). */
export interface RunMoments {
  /** When the load began (the chart's zero). */
  t0: number;
  fault: number;
  /** The last time the zone was faulted (flapping faults it several times; else = fault). */
  lastFault: number;
  heal: number;
  /** When the zone came back before the final heal (flapping's off phases; none for other faults). */
  flapHeals?: number[];
  /** When fleet-dr's committed state first read the faulted cluster as not up (undefined: never). */
  detected?: number;
  /** When the gateway carried fleet-dr's failover weights (undefined: no failover). */
  failedOver?: number;
  /** When the first failback step was asked for and when the baseline was back. */
  failbackFrom?: number;
  failbackDone?: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** The failed requests' causes and times, e.g. " (ECONNRESET at +2.1 s)", for the objective's measure. */
function whyFailed(s: LoadSample[], from = 0): string {
  const bad = s.filter((x) => !x.ok).slice(0, 3);
  if (bad.length === 0) return '';
  return ` (${bad.map((x) => `${x.error ?? `HTTP ${x.status}`} at +${((x.start - from) / 1000).toFixed(1)} s`).join('; ')})`;
}

const within = (s: LoadSample[], from: number, to = Number.POSITIVE_INFINITY) =>
  s.filter((x) => x.start >= from && x.start < to);

/** Traffic per `bucketMs` since `t0`: each cluster's share of the requests, and the error rate. */
export function seriesOf(
  samples: LoadSample[],
  t0: number,
  clusters: string[],
  bucketMs = 500,
): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  const last = Math.max(t0, ...samples.map((s) => s.start));
  for (let from = t0; from <= last; from += bucketMs) {
    const b = within(samples, from, from + bucketMs);
    const n = b.length;
    out.push({
      t: from - t0,
      requests: n,
      share: Object.fromEntries(
        clusters.map((c) => [c, n ? b.filter((x) => x.ok && x.cluster === c).length / n : 0]),
      ),
      errorRate: n ? b.filter((x) => !x.ok).length / n : 0,
    });
  }
  return out;
}

/** One configuration's row of the baseline table. */
export function baselineRow(
  config: BaselineRow['config'],
  samples: LoadSample[],
  m: Pick<RunMoments, 'fault' | 'heal' | 'failbackFrom'>,
  badCluster: string,
  healWindowMs: number,
): BaselineRow {
  const inFault = within(samples, m.fault, m.heal);
  const lastBad = Math.max(
    m.fault,
    ...inFault.filter((s) => s.cluster === badCluster || !s.ok).map((s) => s.start),
  );
  const back = within(samples, m.heal, m.heal + healWindowMs).find((s) => s.ok && s.cluster === badCluster);
  const afterHeal = back
    ? `traffic back after ${secs(back.start - m.heal)}, no dwell`
    : m.failbackFrom !== undefined
      ? `held away; failback began ${secs(m.failbackFrom - m.heal)} after the heal, by the operator`
      : `no traffic back within ${secs(healWindowMs)}`;
  return {
    config,
    requests: inFault.length,
    failures: inFault.filter((s) => !s.ok).length,
    offBadZoneMs: lastBad - m.fault,
    afterHeal,
  };
}

/** What a run's objectives are measured from. */
export interface ObjectiveInputs {
  expect: 'failover' | 'hold';
  samples: LoadSample[];
  moments: RunMoments;
  badCluster: string;
  healthyCluster: string;
  /** Decisions fleet-dr committed, `t` since the load began. */
  decisions: DrillDecision[];
  /**
   * Titles of the notifications the delivered DingTalk messages carry (notificationTitles): a message that
   * waited in the outbox absorbs the next one of its incident, so under load one message may carry two.
   */
  messages: string[];
  /** How many DingTalk messages were delivered. */
  delivered: number;
  /** Messages committed or queued and not delivered when the run ended (they are not lost: still waiting). */
  waiting: number;
  /** How many times the bad cluster's canary weight changed direction (away, back, away: 2). */
  weightReversals: number;
  final: { weights: Record<string, number>; mode: string; drift: string[]; baseline: Record<string, number> };
  settings: ObjectiveSettings;
}

const isTransition = (d: DrillDecision) => d.decision !== 'hold';

/**
 * The titles of the notifications one delivered message carries, newest first: each section of a coalesced
 * message (shared/notify/outbox.ts) opens with its own `### title` (shared/notify/messages.ts).
 */
export function notificationTitles(m: { title: string; text: string }): string[] {
  return coalescedSections(m.text).map((s) => /^### (.+)/.exec(s)?.[1] ?? m.title);
}

/**
 * The "looks healthy again" notice (shared/notify/messages.ts, `recovered`): sent once per recovery with a hold,
 * not for a transition. test/drill/drill-measure.test.ts renders one through messages.ts to keep this in step.
 */
export const isRecoveryNotice = (title: string) => / looks healthy again$/.test(title);

/** The objectives of one run, each met or not. */
export function objectivesOf(i: ObjectiveInputs): Objective[] {
  const { moments: m, settings: s } = i;
  const out: Objective[] = [];
  const transitions = i.decisions.filter(isTransition);
  if (i.expect === 'hold') {
    out.push({
      name: 'holds',
      target: 'nothing moves: no transition, no canary written',
      measured: transitions.length ? `${transitions.map((d) => d.decision).join(', ')}` : 'no transition',
      met: transitions.length === 0 && Object.keys(i.final.weights).length === 0,
    });
    const during = within(i.samples, m.fault, m.heal);
    const failed = during.filter((x) => !x.ok).length;
    out.push({
      name: 'no failed requests',
      target: 'the zone keeps serving: 0 failed requests during the fault',
      measured: `${failed} of ${during.length}`,
      met: failed === 0 && during.length > 0,
    });
    return out;
  }
  // Times count from the last fault (a flapping zone is faulted several times; a failover during the flaps
  // counts as at once).
  const shift = i.decisions.find((d) => d.decision === 'shift' && m.t0 + d.t >= m.fault);
  const decided = shift ? Math.max(0, m.t0 + shift.t - m.lastFault) : undefined;
  const detected = m.detected === undefined ? undefined : Math.max(0, m.detected - m.lastFault);
  out.push({
    name: 'detection',
    target: `fleet-dr reads the zone as not up within ${secs(s.detectionMs)} of the fault (two probe intervals plus a probe timeout)`,
    measured: `${detected === undefined ? 'never read as not up' : `after ${secs(detected)}`}; failover decided ${decided === undefined ? 'never' : `after ${secs(decided)}`}`,
    met: detected !== undefined && detected <= s.detectionMs && decided !== undefined,
  });
  const late = within(i.samples, m.lastFault + s.shareWithinMs, m.heal);
  const onHealthy = late.filter((x) => x.ok && x.cluster === i.healthyCluster).length;
  const share = late.length ? onHealthy / late.length : 0;
  out.push({
    name: 'traffic on the healthy zone',
    target: `≥ ${pct(s.share)} of requests on ${i.healthyCluster} from ${secs(s.shareWithinMs)} after the fault`,
    measured: late.length ? `${pct(share)} (${onHealthy} of ${late.length})` : 'no requests in that window',
    met: late.length >= 10 && share >= s.share,
  });
  const after = m.failedOver === undefined ? [] : within(i.samples, m.failedOver, m.heal);
  const afterFailed = after.filter((x) => !x.ok).length;
  out.push({
    name: 'no failures after the failover',
    target: '0 failed requests from the failover until the heal',
    measured: m.failedOver === undefined ? 'no failover' : `${afterFailed} of ${after.length}`,
    met: m.failedOver !== undefined && afterFailed === 0 && after.length > 0,
  });
  const notices = i.messages.filter(isRecoveryNotice).length;
  const forTransitions = i.messages.length - notices;
  // A zone that comes back, fails again and comes back again (flapping) recovers more than once: at most one
  // notice for each time it came back after the fault began.
  const recoveries = 1 + (m.flapHeals ?? []).filter((t) => t > m.fault && t < m.heal).length;
  out.push({
    name: 'one message per transition',
    target:
      'one DingTalk message for each transition (failover, fence, re-admit, each failback step), one notice per recovery',
    measured: `${forTransitions} message(s) for ${transitions.length} transition(s), ${notices} recovery notice(s) for ${recoveries} recover${recoveries === 1 ? 'y' : 'ies'}${i.delivered < i.messages.length ? ` (in ${i.delivered} DingTalk message(s): ${i.messages.length - i.delivered} coalesced into a message still waiting)` : ''}${i.waiting ? `; ${i.waiting} still waiting in the outbox` : ''}`,
    met: transitions.length > 0 && forTransitions === transitions.length && notices <= recoveries,
  });
  out.push({
    name: 'no flapping',
    target: "the failed zone's weight goes away once and comes back only by failback",
    measured: `${i.weightReversals} reversal(s) of its weight before the heal`,
    met: i.weightReversals === 0,
  });
  const fb =
    m.failbackFrom === undefined
      ? []
      : within(i.samples, m.failbackFrom, (m.failbackDone ?? m.failbackFrom) + 1_000);
  const fbFailed = fb.filter((x) => !x.ok).length;
  out.push({
    name: 'failback without failures',
    target: '0 failed requests from the first failback step until a second after the last',
    measured:
      m.failbackDone === undefined
        ? 'failback did not complete'
        : `${fbFailed} of ${fb.length}${whyFailed(fb, m.failbackFrom)}`,
    met: m.failbackDone !== undefined && fbFailed === 0,
  });
  const atBaseline =
    i.final.mode === 'normal' &&
    Object.entries(i.final.baseline).every(([c, w]) => (i.final.weights[c] ?? w) === w) &&
    i.final.drift.length === 0;
  out.push({
    name: 'back at the baseline, no drift',
    target: `mode normal, weights ${JSON.stringify(i.final.baseline)}, the drift check finds nothing`,
    measured: `mode ${i.final.mode}, weights ${JSON.stringify(i.final.weights)}, drift: ${i.final.drift.length ? i.final.drift.join('; ') : 'none'}`,
    met: atBaseline,
  });
  return out;
}

/** How many times a weight series changes direction (10 → 0 → 10: one reversal; 100 → 0: none). */
export function reversals(weights: number[]): number {
  let dir = 0;
  let n = 0;
  for (let k = 1; k < weights.length; k++) {
    const d = Math.sign(weights[k]! - weights[k - 1]!);
    if (d === 0) continue;
    if (dir !== 0 && d !== dir) n++;
    dir = d;
  }
  return n;
}
