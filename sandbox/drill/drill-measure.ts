/**
 * The drill's measurements, pure: traffic series from the load's samples, the baseline comparison rows, and
 * the objectives. Times are Date.now() ms unless a field says "since the load began".
 */
import { coalescedSections } from '../../shared/notify/outbox';
import type { BaselineRow, DrillDecision, Objective, SeriesPoint } from './drill-report';
import { endedByStall, type Stall, stalledWithin } from './host-stalls';
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
export function whyFailed(s: LoadSample[], from = 0): string {
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
  /**
   * The bad cluster's committed verdicts as sampled during the run, each change once (e.g. up, down, up): a
   * recovery is an `up` after a `down`, the moment fleet-dr may announce it again (shared/decision/bookkeeping.ts).
   */
  badVerdicts?: string[];
  /** The stretches the drill's own process did not run (host-stalls.ts); none when not measured. */
  stalls?: Stall[];
  final: { weights: Record<string, number>; mode: string; drift: string[]; baseline: Record<string, number> };
  settings: ObjectiveSettings;
}

const isTransition = (d: DrillDecision) => d.decision !== 'hold';

/** A failure the client or the traffic manager timed out (not a refusal, a reset or an error answer). */
const timedOut = (x: LoadSample) => x.error === 'client timeout' || x.status === 504;

/**
 * The failed requests of a window, split: those a stall of the drill's own host decided (timed out as a stall
 * ended: the host, not fleet-dr, see host-stalls.ts) and the rest, which count.
 */
export function failuresOf(s: LoadSample[], stalls: Stall[]) {
  const failed = s.filter((x) => !x.ok);
  const byHost = failed.filter((x) => timedOut(x) && endedByStall(stalls, x.end));
  return { counted: failed.filter((x) => !byHost.includes(x)), byHost: byHost.length };
}
/** Where the first few requests off the healthy zone went, e.g. "; elsewhere: on c-a at +15.0 s; client timeout at +15.2 s". */
function whereElse(s: LoadSample[], from: number): string {
  if (s.length === 0) return '';
  const one = (x: LoadSample) =>
    `${x.ok ? `on ${x.cluster}` : (x.error ?? `HTTP ${x.status}`)} at +${secs(x.start - from)}`;
  return `; elsewhere: ${s.slice(0, 3).map(one).join('; ')}`;
}
const hostNote = (n: number) => (n ? `; ${n} more timed out as the drill's host stalled (not counted)` : '');

/** Times the verdicts went from down back to up (a cluster that only looked suspect never left). */
export function recoveriesIn(verdicts: string[]): number {
  let n = 0;
  let down = false;
  for (const v of verdicts) {
    if (v === 'down') down = true;
    else if (v === 'up' && down) {
      n++;
      down = false;
    }
  }
  return n;
}

/** The "traffic could NOT be moved" alert (messages.ts, the `hold` template): not a transition's message. */
export const isHoldAlert = (title: string) => /could NOT be moved/.test(title);

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
  const stalls = i.stalls ?? [];
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
    const failed = failuresOf(during, stalls);
    out.push({
      name: 'no failed requests',
      target: 'the zone keeps serving: 0 failed requests during the fault',
      measured: `${failed.counted.length} of ${during.length}${whyFailed(failed.counted, m.fault)}${hostNote(failed.byHost)}`,
      met: failed.counted.length === 0 && during.length > 0,
    });
    return out;
  }
  // Times count from the last fault (a flapping zone is faulted several times; a failover during the flaps
  // counts as at once).
  const shift = i.decisions.find((d) => d.decision === 'shift' && m.t0 + d.t >= m.fault);
  const decided = shift ? Math.max(0, m.t0 + shift.t - m.lastFault) : undefined;
  const detected = m.detected === undefined ? undefined : Math.max(0, m.detected - m.lastFault);
  const stillFor = stalledWithin(stalls, m.lastFault, m.detected ?? m.lastFault + s.detectionMs);
  out.push({
    name: 'detection',
    target: `fleet-dr reads the zone as not up within ${secs(s.detectionMs)} of the fault (two probe intervals plus a probe timeout)`,
    measured: `${detected === undefined ? 'never read as not up' : `after ${secs(detected)}`}; failover decided ${decided === undefined ? 'never' : `after ${secs(decided)}`}${stillFor ? `; the drill's host stood still ${secs(stillFor)} meanwhile (allowed)` : ''}`,
    met: detected !== undefined && detected <= s.detectionMs + stillFor && decided !== undefined,
  });
  // Time the drill's host stood still is not time fleet-dr had: the window opens that much later.
  const stood = stalledWithin(stalls, m.lastFault, m.lastFault + s.shareWithinMs);
  const late = within(i.samples, m.lastFault + s.shareWithinMs + stood, m.heal);
  const elsewhere = late.filter((x) => !(x.ok && x.cluster === i.healthyCluster));
  const share = late.length ? (late.length - elsewhere.length) / late.length : 0;
  out.push({
    name: 'traffic on the healthy zone',
    target: `≥ ${pct(s.share)} of requests on ${i.healthyCluster} from ${secs(s.shareWithinMs)} after the fault`,
    measured: late.length
      ? `${pct(share)} (${late.length - elsewhere.length} of ${late.length})${stood ? `, from ${secs(s.shareWithinMs + stood)}: the drill's host stood still ${secs(stood)} before` : ''}${whereElse(elsewhere, m.lastFault)}`
      : 'no requests in that window',
    met: late.length >= 10 && share >= s.share,
  });
  const after = m.failedOver === undefined ? [] : within(i.samples, m.failedOver, m.heal);
  const afterFailed = failuresOf(after, stalls);
  out.push({
    name: 'no failures after the failover',
    target: '0 failed requests from the failover until the heal',
    measured:
      m.failedOver === undefined
        ? 'no failover'
        : `${afterFailed.counted.length} of ${after.length}${whyFailed(afterFailed.counted, m.failedOver)}${hostNote(afterFailed.byHost)}`,
    met: m.failedOver !== undefined && afterFailed.counted.length === 0 && after.length > 0,
  });
  const notices = i.messages.filter(isRecoveryNotice).length;
  const alerts = i.messages.filter(isHoldAlert);
  const forTransitions = i.messages.length - notices - alerts.length;
  // A zone that comes back, fails again and comes back again recovers more than once: at most one notice for
  // each time it came back after the fault began (flapping's off phases), or fleet-dr judged it down again
  // after it recovered (a failback that regressed; the verdicts sampled), whichever is more.
  const aborts = transitions.filter((d) => d.decision === 'failback-abort').length;
  const recoveries = Math.max(
    1 + (m.flapHeals ?? []).filter((t) => t > m.fault && t < m.heal).length + aborts,
    recoveriesIn(i.badVerdicts ?? []),
  );
  const repeatedAlerts = alerts.length - new Set(alerts).size;
  out.push({
    name: 'one message per transition',
    target:
      'one DingTalk message for each transition (failover, fence, re-admit, each failback step), one notice per recovery, an alert at most once when traffic could not be moved',
    measured: `${forTransitions} message(s) for ${transitions.length} transition(s), ${notices} recovery notice(s) for ${recoveries} recover${recoveries === 1 ? 'y' : 'ies'}${alerts.length ? `, ${alerts.length} alert(s): ${[...new Set(alerts)].join('; ')}` : ''}${i.delivered < i.messages.length ? ` (in ${i.delivered} DingTalk message(s): ${i.messages.length - i.delivered} coalesced into a message still waiting)` : ''}${i.waiting ? `; ${i.waiting} still waiting in the outbox` : ''}`,
    met:
      transitions.length > 0 &&
      forTransitions === transitions.length &&
      notices <= recoveries &&
      repeatedAlerts === 0,
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
  const fbFailed = failuresOf(fb, stalls);
  out.push({
    name: 'failback without failures',
    target: '0 failed requests from the first failback step until a second after the last',
    measured:
      m.failbackDone === undefined
        ? 'failback did not complete'
        : `${fbFailed.counted.length} of ${fb.length}${whyFailed(fbFailed.counted, m.failbackFrom)}${hostNote(fbFailed.byHost)}`,
    met: m.failbackDone !== undefined && fbFailed.counted.length === 0,
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
