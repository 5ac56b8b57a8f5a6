// A refusal that depends on time says how much is left and when the action becomes possible: in the reason,
// and as the hold Plan's `until` (ISO time) and `remainingSeconds` (whole seconds, rounded up).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import { type Plan, PlanSchema } from '../../shared/decision/plan';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, failedOverState, healthy, observe, t, zoneDown } from './fixtures';

const policy = examplePolicy();
const auto = examplePolicy((p) => {
  p.failback.automatic = true;
});
const fresh = () => initialRoutingState(policy);
const both = (m: number) => ({ [AZ1]: healthy(m), [AZ2]: healthy(m) });
const op = (m: number, id: string) => ({
  operatorRequest: { action: 'failback-step' as const, by: 'alice', at: t(m), id },
});

/** The state after a confirmed zone-down of AZ1 at minute 0. */
const failedOver = (): RoutingState => failedOverState(policy);

/** Failed over at 0, fenced at 1, AZ1 healthy from minute 30, re-admitted at 41. */
function readmitted(): RoutingState {
  let st = failedOver();
  st = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), st, t(1)).nextState;
  st = decide(policy, observe(30, both(30)), st, t(30)).nextState;
  const readmit = decide(policy, observe(41, both(41)), st, t(41));
  assert.equal(readmit.kind, 'readmit', readmit.reason);
  return readmit.nextState;
}

interface Timed {
  rule: string;
  until: string;
  remainingSeconds: number;
  reason: RegExp;
}

/** Asserts a hold with the timing fields and a reason naming both; the Plan is valid against the schema. */
function expectTimed(p: Plan, want: Timed): void {
  assert.equal(p.kind, 'hold', `expected hold ${want.rule}, got ${p.kind}: ${p.reason}`);
  if (p.kind !== 'hold') return;
  assert.equal(p.rule, want.rule, p.reason);
  assert.equal(p.until, want.until, p.reason);
  assert.equal(p.remainingSeconds, want.remainingSeconds, p.reason);
  assert.match(p.reason, want.reason);
  assert.ok(p.reason.includes(`${want.remainingSeconds} s left`), p.reason);
  assert.ok(p.reason.includes(want.until), p.reason);
  PlanSchema.parse(JSON.parse(JSON.stringify(p)));
}

describe('timed refusals say how long is left and when the action becomes possible', () => {
  const cases: Array<[string, () => Plan, Timed]> = [
    [
      'cooldown before a failover',
      () => {
        const st: RoutingState = {
          ...fresh(),
          lastTransition: { at: t(-2), by: 'operator', reason: 'test' },
        };
        return decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }), st, t(0));
      },
      {
        rule: 'cooldown',
        until: t(3),
        remainingSeconds: 180,
        reason: /cooldown has 180 s left; fail over possible from 2025-06-01T08:03:00\.000Z/,
      },
    ],
    [
      'cooldown before a failover, with a part second left (rounded up)',
      () => {
        const st: RoutingState = {
          ...fresh(),
          lastTransition: { at: '2025-06-01T07:58:00.300Z', by: 'operator', reason: 'test' },
        };
        return decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }), st, t(0));
      },
      {
        rule: 'cooldown',
        until: '2025-06-01T08:03:00.300Z',
        remainingSeconds: 181,
        reason: /cooldown has 181 s left; fail over possible from 2025-06-01T08:03:00\.300Z/,
      },
    ],
    [
      'cooldown before an automatic failback',
      () => {
        const base = failedOver();
        const history = base.verdicts[AZ1]!;
        const st: RoutingState = {
          ...base,
          lastTransition: { at: t(38), by: 'operator', reason: 'test' },
          verdicts: { ...base.verdicts, [AZ1]: { ...history, verdict: 'up', since: t(25), upSince: t(25) } },
        };
        return decide(auto, observe(40, both(40)), st, t(40));
      },
      {
        rule: 'cooldown',
        until: t(43),
        remainingSeconds: 180,
        reason: /ready for failback; cooldown has 180 s left; automatic failback possible from/,
      },
    ],
    [
      'min-dwell before a failback step (the recovered cluster is not stable yet)',
      () => {
        let st = failedOver();
        st = decide(policy, observe(20, both(20)), st, t(20)).nextState;
        return decide(policy, observe(21, both(21)), st, t(21));
      },
      {
        rule: 'min-dwell',
        until: t(30),
        remainingSeconds: 540,
        reason:
          /up since 2025-06-01T08:20:00\.000Z; failback needs 600 s of stability: 540 s left; a failback step possible from/,
      },
    ],
    [
      'min-dwell before the re-admit of a cluster fenced while down',
      () => {
        let st = failedOver();
        st = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), st, t(1)).nextState;
        st = decide(policy, observe(30, both(30)), st, t(30)).nextState;
        return decide(policy, observe(32, both(32)), st, t(32));
      },
      {
        rule: 'min-dwell',
        until: t(40),
        remainingSeconds: 480,
        reason:
          /was fenced while down; it is re-admitted after 600 s of stability: 480 s left; re-admit possible from/,
      },
    ],
    [
      'min-dwell between two automatic failback steps',
      () => {
        const step = decide(auto, observe(42, both(42)), readmitted(), t(42));
        assert.equal(step.kind, 'failback-step', step.reason);
        return decide(auto, observe(43, both(43)), step.nextState, t(43));
      },
      {
        rule: 'min-dwell',
        until: t(52),
        remainingSeconds: 540,
        reason:
          /at step 1 of 3 since 2025-06-01T08:42:00\.000Z; each step dwells 600 s: 540 s left; the next step possible from/,
      },
    ],
    [
      "min-dwell of an operator's failback step",
      () => {
        let st = failedOver();
        st = decide(policy, observe(20, both(20)), st, t(20)).nextState;
        return decide(policy, observe(21, both(21), op(21, 'r1')), st, t(21));
      },
      {
        rule: 'min-dwell',
        until: t(30),
        remainingSeconds: 540,
        reason:
          /operator alice asked for a failback step, but c-ack-az1 has been up 60 s .*: 540 s left; a failback step possible from/,
      },
    ],
  ];
  for (const [what, run, want] of cases) it(what, () => expectTimed(run(), want));

  it('the operator step becomes possible at `until`, not before', () => {
    let st = failedOver();
    st = decide(policy, observe(20, both(20)), st, t(20)).nextState;
    const early = decide(policy, observe(21, both(21), op(21, 'r1')), st, t(21));
    assert.equal(early.kind === 'hold' && early.until, t(30));
    st = early.nextState;
    for (let m = 22; m < 30; m++) st = decide(policy, observe(m, both(m)), st, t(m)).nextState;
    const onTime = decide(policy, observe(30, both(30), op(30, 'r2')), st, t(30));
    assert.equal(onTime.kind, 'failback-step', onTime.reason);
  });

  it('the failover becomes possible at `until`', () => {
    const st: RoutingState = { ...fresh(), lastTransition: { at: t(-2), by: 'operator', reason: 'test' } };
    const p = decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }), st, t(0));
    assert.equal(p.kind === 'hold' && p.until, t(3));
    const at = decide(policy, observe(3, { [AZ1]: zoneDown(3), [AZ2]: healthy(3) }), p.nextState, t(3));
    assert.equal(at.kind, 'shift', at.reason);
  });

  it('holds that do not depend on time carry no `until` or `remainingSeconds`', () => {
    const holds: Plan[] = [
      decide(policy, observe(0, both(0)), fresh(), t(0)),
      decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: zoneDown(0) }), fresh(), t(0)),
      decide(policy, observe(42, both(42)), readmitted(), t(42)),
    ];
    assert.deepEqual(
      holds.map((p) => p.kind === 'hold' && p.rule),
      ['steady', 'observer-guard', 'awaiting-operator'],
    );
    for (const p of holds) {
      assert.ok(!('until' in p), p.reason);
      assert.ok(!('remainingSeconds' in p), p.reason);
    }
  });
});

describe('decide: planned shifts and operator-authorised ramps', () => {
  const automatic = examplePolicy((p) => {
    p.failback.automatic = true;
    p.timing.cooldownSeconds = 0;
  });

  it('automatic failback waits while an operator planned shift away from the cluster is in force', () => {
    const s: RoutingState = {
      ...failedOverState(automatic),
      plannedShifts: { [AZ1]: { by: 'sre-alice', at: t(0), reason: 'maintenance', until: t(60) } },
    };
    const obs = (m: number) => observe(m, { [AZ1]: healthy(m), [AZ2]: healthy(m) });
    let state = s;
    for (const m of [10, 20]) state = decide(automatic, obs(m), state, t(m)).nextState;
    const p = decide(automatic, obs(30), state, t(30));
    assert.equal(p.kind === 'hold' && p.rule, 'planned-shift', p.reason);
    assert.ok(p.kind === 'hold' && p.until === t(60) && p.remainingSeconds === 30 * 60);
    assert.match(p.reason, /maintenance.*1800 s left; failback possible from/);
    const after = decide(automatic, obs(61), state, t(61));
    assert.equal(after.kind, 'failback-step', 'the ramp starts once the shift expired');
  });

  it('a ramp an operator authorised continues by itself although failback is manual', () => {
    const fb = {
      cluster: AZ1,
      stepIndex: 0,
      stepStartedAt: t(10),
      auto: { by: 'sre-alice', at: t(10), reason: 'auto' },
    };
    const s: RoutingState = {
      ...failedOverState(policy),
      mode: 'failing-back',
      failback: fb,
      weights: { 'web-demo': { [AZ1]: 10, [AZ2]: 90 } },
    };
    const obs = (m: number) => observe(m, { [AZ1]: healthy(m), [AZ2]: healthy(m) });
    const p = decide(policy, obs(30), s, t(30));
    assert.equal(p.kind, 'failback-step', p.reason);
    const manual = decide(policy, obs(30), { ...s, failback: { ...fb, auto: undefined } }, t(30));
    assert.equal(manual.kind === 'hold' && manual.rule, 'awaiting-operator');
  });
});
