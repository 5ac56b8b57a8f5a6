/**
 * The drill's measurements and text, pure: series, baseline rows, objectives (each can fail), the recovery
 * notice as messages.ts words it, and `--plan` from the example policy with the policy's own weight rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baselineRow,
  isRecoveryNotice,
  notificationTitles,
  type ObjectiveInputs,
  objectivesOf,
  recoveriesIn,
  reversals,
  seriesOf,
} from '../../sandbox/drill/drill-measure';
import { formatPlan } from '../../sandbox/drill/drill-summary';
import type { LoadSample } from '../../sandbox/drill/load';
import { decide } from '../../shared/decision/decide';
import { renderMessage } from '../../shared/notify/messages';
import { coalescedText } from '../../shared/notify/outbox';
import { AZ1, AZ2, examplePolicy, failedOverState, healthy, observe, t, trigger } from '../decision/fixtures';

const A = 'c-a';
const B = 'c-b';
const T0 = 1_000_000;
/** A request every 100 ms from `from` to `to` (ms since T0), answered as `answer(t)` says. */
function load(from: number, to: number, answer: (t: number) => Partial<LoadSample>): LoadSample[] {
  const out: LoadSample[] = [];
  for (let x = from; x < to; x += 100)
    out.push({ start: T0 + x, end: T0 + x + 10, ok: true, status: 200, ...answer(x) });
  return out;
}

/** A clean failover run: fault at 2 s, on B from 4 s, heal at 22 s, failback 25–27 s. */
function cleanRun(): ObjectiveInputs {
  const samples = load(0, 30_000, (x) =>
    x >= 2_000 && x < 4_000
      ? { ok: false, status: 0 }
      : { cluster: x >= 4_000 && x < 25_000 ? B : x % 200 ? A : B },
  );
  return {
    expect: 'failover',
    samples,
    moments: {
      t0: T0,
      fault: T0 + 2_000,
      lastFault: T0 + 2_000,
      detected: T0 + 6_000,
      failedOver: T0 + 4_000,
      heal: T0 + 22_000,
      failbackFrom: T0 + 25_000,
      failbackDone: T0 + 27_000,
    },
    badCluster: A,
    healthyCluster: B,
    decisions: [
      { t: 7_000, decision: 'shift', reason: 'fail over from c-a' },
      { t: 9_000, decision: 'hold', reason: 'steady' },
      { t: 25_000, decision: 'failback-step', reason: 'step 1' },
    ],
    messages: [
      'fleet-dr: failed over from c-a (z1)',
      'fleet-dr: c-a (z1) looks healthy again',
      'fleet-dr: failback-step c-a',
    ],
    delivered: 3,
    waiting: 0,
    weightReversals: 0,
    final: { weights: { [A]: 50, [B]: 50 }, mode: 'normal', drift: [], baseline: { [A]: 50, [B]: 50 } },
    settings: { detectionMs: 8_000, shareWithinMs: 15_000, share: 0.99 },
  };
}

const unmet = (i: ObjectiveInputs) =>
  objectivesOf(i)
    .filter((o) => !o.met)
    .map((o) => o.name);

describe('drill measurements', () => {
  it('buckets the load into shares per cluster and an error rate', () => {
    const s = seriesOf(cleanRun().samples, T0, [A, B], 1_000);
    assert.equal(s.length, 30);
    assert.deepEqual(s[0]!.share, { [A]: 0.5, [B]: 0.5 });
    assert.equal(s[2]!.errorRate, 1);
    assert.deepEqual(s[10]!.share, { [A]: 0, [B]: 1 });
  });

  it('a clean failover meets every objective', () => {
    assert.deepEqual(unmet(cleanRun()), []);
  });

  it('each objective fails on its own defect', () => {
    const slow = cleanRun();
    slow.moments.detected = T0 + 11_000;
    assert.deepEqual(unmet(slow), ['detection']);
    const stuck = cleanRun();
    stuck.samples = load(0, 30_000, (x) => ({ cluster: x >= 18_000 && x % 300 === 0 ? A : B }));
    assert.ok(unmet(stuck).includes('traffic on the healthy zone'));
    const failing = cleanRun();
    failing.samples.push({ start: T0 + 10_000, end: T0 + 12_000, ok: false, status: 0 });
    assert.deepEqual(unmet(failing), ['no failures after the failover']);
    const chatty = cleanRun();
    chatty.messages = [...chatty.messages, 'fleet-dr: failed over from c-a (z1)'];
    assert.deepEqual(unmet(chatty), ['one message per transition']);
    const twoNotices = cleanRun();
    twoNotices.messages = [...twoNotices.messages, 'fleet-dr: c-a (z1) looks healthy again'];
    assert.deepEqual(unmet(twoNotices), ['one message per transition'], 'one recovery, two notices');
    // A flapping zone that came back once between the fault (2 s) and the heal (22 s) recovered twice.
    twoNotices.moments.flapHeals = [T0 + 10_000];
    assert.deepEqual(unmet(twoNotices), []);
    assert.match(
      objectivesOf(twoNotices).find((o) => o.name === 'one message per transition')!.measured,
      /2 recovery notice\(s\) for 2 recoveries/,
    );
    const flapping = cleanRun();
    flapping.weightReversals = 2;
    assert.deepEqual(unmet(flapping), ['no flapping']);
    const badFailback = cleanRun();
    badFailback.samples.push({ start: T0 + 26_000, end: T0 + 26_500, ok: false, status: 503 });
    assert.deepEqual(unmet(badFailback), ['failback without failures']);
    const drift = cleanRun();
    drift.final = { ...drift.final, drift: ['canary-weight ingress x: expected 50, actual 0'] };
    assert.deepEqual(unmet(drift), ['back at the baseline, no drift']);
  });

  it('the drill’s host standing still is the host’s: its time and the timeouts it decided are not counted, and said', () => {
    // Timeouts that ended as the host came back from a 2.5 s stall, during the failback and after the failover.
    const stall = { from: T0 + 24_000, to: T0 + 26_500 };
    const stalled = cleanRun();
    stalled.samples.push(
      { start: T0 + 24_400, end: T0 + 26_600, ok: false, status: 0, error: 'client timeout' },
      {
        start: T0 + 24_500,
        end: T0 + 26_550,
        ok: false,
        status: 504,
        error: 'HTTP 504: upstream request timeout',
      },
    );
    stalled.moments.failbackFrom = T0 + 24_000;
    assert.deepEqual(unmet(stalled), ['failback without failures'], 'without the stall measured: counted');
    stalled.stalls = [stall];
    assert.deepEqual(unmet(stalled), []);
    assert.match(
      objectivesOf(stalled).find((o) => o.name === 'failback without failures')!.measured,
      /^0 of \d+; 2 more timed out as the drill's host stalled \(not counted\)$/,
    );
    // A refusal at the same moment is not a timeout: it counts whatever the host did.
    stalled.samples.push({
      start: T0 + 26_400,
      end: T0 + 26_520,
      ok: false,
      status: 0,
      error: 'ECONNREFUSED',
    });
    assert.deepEqual(unmet(stalled), ['failback without failures']);
    // A timeout long after the stall counts too.
    const later = cleanRun();
    later.stalls = [stall];
    later.samples.push({
      start: T0 + 10_000,
      end: T0 + 12_000,
      ok: false,
      status: 0,
      error: 'client timeout',
    });
    assert.deepEqual(unmet(later), ['no failures after the failover']);
    // Detection and the share window: the stood-still time is added, and said.
    const slow = cleanRun();
    slow.moments.detected = T0 + 11_000;
    assert.deepEqual(unmet(slow), ['detection'], 'read as not up 9 s after the fault; the bound is 8 s');
    slow.stalls = [{ from: T0 + 3_000, to: T0 + 5_000 }];
    assert.deepEqual(unmet(slow), [], '8 s of the host running, and 2 s standing still');
    assert.match(
      objectivesOf(slow).find((o) => o.name === 'detection')!.measured,
      /the drill's host stood still 2\.0 s meanwhile \(allowed\)/,
    );
    // Requests still on the bad zone 15.0–16.5 s after the fault: late, unless the host stood still 2 s before.
    const late = cleanRun();
    late.samples = late.samples.map((x) =>
      x.start >= T0 + 17_000 && x.start < T0 + 18_500 ? { ...x, cluster: A } : x,
    );
    assert.deepEqual(unmet(late), ['traffic on the healthy zone']);
    assert.match(
      objectivesOf(late).find((o) => o.name === 'traffic on the healthy zone')!.measured,
      /; elsewhere: on c-a at \+15\.0 s; on c-a at \+15\.1 s; on c-a at \+15\.2 s$/,
    );
    late.stalls = [{ from: T0 + 8_000, to: T0 + 10_000 }];
    assert.deepEqual(unmet(late), []);
  });

  it('an alert that traffic could not be moved is not a transition’s message; a repeated one is', () => {
    const alert = 'fleet-dr: traffic could NOT be moved (observer-guard)';
    const guarded = cleanRun();
    guarded.messages = [...guarded.messages, alert];
    assert.deepEqual(unmet(guarded), []);
    assert.match(
      objectivesOf(guarded).find((o) => o.name === 'one message per transition')!.measured,
      /1 alert\(s\): fleet-dr: traffic could NOT be moved \(observer-guard\)/,
    );
    guarded.messages = [...guarded.messages, alert];
    assert.deepEqual(unmet(guarded), ['one message per transition']);
  });

  it('a zone fleet-dr judged down again after its recovery may be announced again', () => {
    assert.equal(recoveriesIn(['up', 'suspect', 'down', 'up', 'suspect', 'up', 'down', 'down', 'up']), 2);
    assert.equal(recoveriesIn(['up', 'suspect', 'up']), 0, 'suspect never left');
    const twice = cleanRun();
    twice.messages = [...twice.messages, 'fleet-dr: c-a (z1) looks healthy again'];
    assert.deepEqual(unmet(twice), ['one message per transition']);
    twice.badVerdicts = ['up', 'down', 'up', 'down', 'up'];
    assert.deepEqual(unmet(twice), []);
    // A failback that regressed: the zone was judged down again, whatever the sampling saw.
    const aborted = cleanRun();
    aborted.messages = [
      ...aborted.messages,
      'fleet-dr: c-a (z1) looks healthy again',
      'fleet-dr: failback-abort c-a',
    ];
    aborted.decisions = [
      ...aborted.decisions,
      { t: 26_000, decision: 'failback-abort', reason: 'regressed' },
    ];
    assert.deepEqual(unmet(aborted), []);
  });

  it('a flapping zone failed over during its flaps is detected and decided at once, counted from the last fault', () => {
    const flap = cleanRun();
    flap.moments.lastFault = T0 + 5_000;
    flap.moments.detected = T0 + 3_000;
    flap.decisions = flap.decisions.map((d) => (d.decision === 'shift' ? { ...d, t: 4_500 } : d));
    assert.deepEqual(unmet(flap), []);
    const detection = objectivesOf(flap).find((o) => o.name === 'detection')!;
    assert.equal(detection.measured, 'after 0.0 s; failover decided after 0.0 s');
    const before = cleanRun();
    before.decisions = before.decisions.map((d) => (d.decision === 'shift' ? { ...d, t: 1_000 } : d));
    assert.deepEqual(unmet(before), ['detection'], 'a shift before the fault is not this fault’s');
  });

  it('a hold run: nothing may move and nothing may fail', () => {
    const hold: ObjectiveInputs = {
      ...cleanRun(),
      expect: 'hold',
      samples: load(0, 20_000, (x) => ({ cluster: x % 200 ? A : B })),
      decisions: [{ t: 5_000, decision: 'hold', reason: 'partition' }],
      final: { weights: {}, mode: 'normal', drift: [], baseline: { [A]: 50, [B]: 50 } },
    };
    assert.deepEqual(unmet(hold), []);
    assert.deepEqual(unmet({ ...hold, decisions: [{ t: 5_000, decision: 'shift', reason: 'x' }] }), [
      'holds',
    ]);
  });

  it('the baseline row says when traffic came back after the heal, or that fleet-dr held it away', () => {
    const gatewayAlone = load(0, 30_000, (x) =>
      x >= 2_000 && x < 3_000 ? { ok: false, status: 0 } : { cluster: x >= 3_000 && x < 23_000 ? B : A },
    );
    const row = baselineRow(
      'gateway alone',
      gatewayAlone,
      { fault: T0 + 2_000, heal: T0 + 22_000 },
      A,
      5_000,
    );
    assert.equal(row.failures, 10);
    assert.equal(row.offBadZoneMs, 900);
    assert.equal(row.afterHeal, 'traffic back after 1.0 s, no dwell');
    const r = cleanRun();
    const mine = baselineRow('fleet-dr beside the gateway', r.samples, r.moments, A, 2_000);
    assert.match(mine.afterHeal, /^held away; failback began 3.0 s after the heal/);
  });

  it('counts weight reversals: away once is none, away-back-away is two', () => {
    assert.equal(reversals([50, 0]), 0);
    assert.equal(reversals([50, 0, 10, 50, 100]), 1);
    assert.equal(reversals([50, 0, 50, 0]), 2);
  });

  it('recognises the recovery notice as messages.ts words it', () => {
    const policy = examplePolicy();
    const s = failedOverState(policy);
    const ok = trigger(2, AZ1, 'OK');
    const p = decide(policy, observe(2, { [AZ1]: healthy(2), [AZ2]: healthy(2) }, { trigger: ok }), s, t(2));
    const rec = p.nextState.outbox.find((r) => r.kind === 'message' && r.message.template === 'recovered');
    assert.ok(rec?.kind === 'message');
    assert.ok(isRecoveryNotice(renderMessage(policy, rec.message).title));
    const failover = s.outbox.find((r) => r.kind === 'message');
    assert.ok(failover?.kind === 'message');
    assert.equal(isRecoveryNotice(renderMessage(policy, failover.message).title), false);
  });

  it('counts each notification a coalesced message carries (one that waited absorbed the next of its incident)', () => {
    const policy = examplePolicy();
    const s = failedOverState(policy);
    const ok = trigger(2, AZ1, 'OK');
    const p = decide(policy, observe(2, { [AZ1]: healthy(2), [AZ2]: healthy(2) }, { trigger: ok }), s, t(2));
    const rendered = (o: typeof s.outbox) =>
      o.flatMap((r) => (r.kind === 'message' ? [renderMessage(policy, r.message)] : []))[0]!;
    const failover = rendered(s.outbox);
    const notice = rendered(
      p.nextState.outbox.filter((r) => r.kind === 'message' && r.message.template === 'recovered'),
    );
    // As the outbox merges them: the newest title, the newest text first.
    const merged = { title: notice.title, text: coalescedText(notice.text, failover.text) };
    assert.deepEqual(notificationTitles(merged), [notice.title, failover.title]);
    assert.deepEqual(notificationTitles(failover), [failover.title]);
    const run = cleanRun();
    run.messages = [...notificationTitles(merged), 'fleet-dr: failback-step c-a'];
    run.delivered = 2;
    assert.deepEqual(unmet(run), []);
    assert.match(
      objectivesOf(run).find((o) => o.name === 'one message per transition')!.measured,
      /in 2 DingTalk message\(s\): 1 coalesced/,
    );
    run.waiting = 1;
    assert.match(
      objectivesOf(run).find((o) => o.name === 'one message per transition')!.measured,
      /1 still waiting in the outbox/,
    );
    // Read by titles alone, the failover would look unannounced.
    run.messages = [merged.title, 'fleet-dr: failback-step c-a'];
    assert.deepEqual(unmet(run), ['one message per transition']);
  });

  it('--plan prints the policy weight rule’s failover weights, the durations and the abort conditions', () => {
    const policy = examplePolicy();
    const text = formatPlan(policy, 'blackhole', AZ1);
    assert.match(text, /plan only: nothing was called or written/);
    assert.match(text, new RegExp(`failover \\{"${AZ1}":0,"${AZ2}":100\\}`));
    assert.match(text, /failback ramp: 10 → 50 → 100%/);
    assert.match(text, /abort conditions:/);
    assert.throws(() => formatPlan(policy, 'dead', 'c-nope'), /no cluster c-nope/);
  });
});
