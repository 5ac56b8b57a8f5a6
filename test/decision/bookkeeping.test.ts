/**
 * decide() owns the bookkeeping: alarm streams (stale alarms), recoveries, loud holds, split ownership and
 * the transactional outbox of side effects. Each case here failed before the pipeline issue's fixes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import {
  AZ1,
  AZ2,
  examplePolicy,
  failedOverState,
  healthy,
  observe,
  probes,
  t,
  trigger,
  zoneDown,
} from './fixtures';

const policy = examplePolicy();
const fresh = () => initialRoutingState(policy);
/** The state as the store commits it: the revision goes up by one. */
const committed = (p: Plan): RoutingState => ({ ...p.nextState, revision: p.nextState.revision + 1 });
const kinds = (s: RoutingState, from = 0) =>
  s.outbox
    .slice(from)
    .map((r) =>
      r.kind === 'membership'
        ? `membership:${r.op}`
        : r.kind === 'message'
          ? `message:${r.message.template}`
          : r.kind,
    );

const failedOver = (): RoutingState => failedOverState(policy);

describe('decide: stale alarms', () => {
  it('an ALERT older than an OK already processed for the same rule and cluster changes nothing at all', () => {
    const ok = decide(
      policy,
      observe(5, { [AZ1]: healthy(5), [AZ2]: healthy(5) }, { trigger: trigger(5, AZ1, 'OK') }),
      fresh(),
      t(5),
    );
    const state = committed(ok);
    assert.equal(state.alarmsSeen[`web-demo-5xx/${AZ1}`], t(5));
    // The delayed ALERT of minute 3 arrives at minute 6, while probes and the gateway see AZ1 failing.
    const late = decide(
      policy,
      observe(6, { [AZ1]: zoneDown(6, { alarms: [] }), [AZ2]: healthy(6) }, { trigger: trigger(3) }),
      state,
      t(6),
    );
    assert.equal(late.kind, 'hold');
    if (late.kind === 'hold') assert.equal(late.rule, 'stale-alarm');
    assert.match(late.reason, /older than the state of the same alarm/);
    assert.deepEqual(late.nextState, state, 'not the weights, not a verdict, not an up-since time');
  });

  it('a newer alarm of the same stream is processed and remembered', () => {
    const first = committed(
      decide(
        policy,
        observe(5, { [AZ1]: healthy(5), [AZ2]: healthy(5) }, { trigger: trigger(5, AZ1, 'OK') }),
        fresh(),
        t(5),
      ),
    );
    const next = decide(
      policy,
      observe(7, { [AZ1]: zoneDown(7), [AZ2]: healthy(7) }, { trigger: trigger(7) }),
      first,
      t(7),
    );
    assert.equal(next.kind, 'shift', next.reason);
    assert.equal(next.nextState.alarmsSeen[`web-demo-5xx/${AZ1}`], t(7));
  });

  it('the alarm stream of a rule id is kept apart from another rule with the same name', () => {
    const a = { ...trigger(5, AZ1, 'OK'), ruleId: 'rule-a' };
    const s = committed(
      decide(policy, observe(5, { [AZ1]: healthy(5), [AZ2]: healthy(5) }, { trigger: a }), fresh(), t(5)),
    );
    const b = { ...trigger(4), ruleId: 'rule-b' };
    const p = decide(policy, observe(6, { [AZ1]: zoneDown(6), [AZ2]: healthy(6) }, { trigger: b }), s, t(6));
    assert.equal(p.kind, 'shift', 'another rule is another stream');
  });
});

describe('decide: the transactional outbox', () => {
  it('a failover commits its audit record and its message with the state', () => {
    const s = failedOver();
    assert.deepEqual(kinds(s), ['audit', 'message:transition']);
    assert.ok(s.governsSplit, 'fleet-dr now governs the split');
    const ids = s.outbox.map((r) => r.id);
    assert.deepEqual(ids, ['r1-0', 'r1-1']);
    const m = s.outbox[1]!;
    assert.ok(m.kind === 'message' && m.message.incidentId === s.incident?.id);
  });

  it('a failover decided by a probe round, with no alarm, names the failed cluster in its audit record', () => {
    const p = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), fresh(), t(1));
    assert.equal(p.kind, 'shift', p.reason);
    const audit = p.nextState.outbox.find((r) => r.kind === 'audit');
    assert.ok(audit?.kind === 'audit');
    assert.equal(audit.content.cluster, AZ1);
    assert.equal(audit.content.decision, 'shift');
  });

  it('a fence commits the membership change before its audit and message; ids never repeat', () => {
    const s = failedOver();
    const p = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), s, t(1));
    assert.equal(p.kind, 'fence', p.reason);
    const n = s.outbox.length;
    assert.deepEqual(kinds(p.nextState, n), ['membership:fence', 'audit', 'message:transition']);
    const ids = p.nextState.outbox.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('an unconfirmed alarm on a healthy fleet is audited, sends nothing and leaves the gateway split alone', () => {
    const p = decide(
      policy,
      observe(
        0,
        { [AZ1]: healthy(0, { probes: probes(0, [true, true, true]) }), [AZ2]: healthy(0) },
        { trigger: trigger(0) },
      ),
      fresh(),
      t(0),
    );
    assert.equal(p.kind, 'hold');
    assert.deepEqual(kinds(p.nextState), ['audit']);
    assert.equal(p.nextState.governsSplit, false);
  });

  it('a steady probe round commits no record', () => {
    const p = decide(policy, observe(0, { [AZ1]: healthy(0), [AZ2]: healthy(0) }), fresh(), t(0));
    assert.equal(p.kind, 'hold');
    assert.deepEqual(p.nextState.outbox, []);
  });

  it('records already in the outbox stay there until the pipeline settles them', () => {
    const s = failedOver();
    const p = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), s, t(1));
    assert.deepEqual(p.nextState.outbox.slice(0, s.outbox.length), s.outbox);
  });
});

describe('decide: recoveries', () => {
  it('an OK alarm on the failed cluster is a recovery: one message, the key remembered, a repeat is a duplicate', () => {
    const s = failedOver();
    const ok = trigger(2, AZ1, 'OK');
    const p = decide(policy, observe(2, { [AZ1]: healthy(2), [AZ2]: healthy(2) }, { trigger: ok }), s, t(2));
    assert.equal(p.kind, 'hold');
    assert.deepEqual(kinds(p.nextState, s.outbox.length), ['audit', 'message:recovered']);
    assert.ok(p.nextState.handledAlarmKeys.includes(ok.key));
    const again = decide(
      policy,
      observe(3, { [AZ1]: healthy(3), [AZ2]: healthy(3) }, { trigger: ok }),
      committed(p),
      t(3),
    );
    assert.equal(again.kind === 'hold' && again.rule, 'duplicate-alarm');
    assert.deepEqual(again.nextState, committed(p), 'a repeat changes nothing');
  });
});

describe('decide: an OK alarm on a healthy fleet', () => {
  /** Rounds until both clusters read up. */
  const settled = (): RoutingState => {
    let s = fresh();
    for (let m = 0; m < 5; m++)
      s = committed(decide(policy, observe(m, { [AZ1]: healthy(m), [AZ2]: healthy(m) }), s, t(m)));
    assert.equal(s.verdicts[AZ1]?.verdict, 'up');
    assert.equal(s.verdicts[AZ2]?.verdict, 'up');
    return s;
  };
  const ok = (s: RoutingState, m: number, az2 = healthy(m)) =>
    decide(
      policy,
      observe(m, { [AZ1]: healthy(m), [AZ2]: az2 }, { trigger: trigger(m, AZ2, 'OK') }),
      s,
      t(m),
    );

  it('changes nothing once every cluster is settled up: no commit, no audit', () => {
    const s = settled();
    const p = ok(s, 6);
    assert.equal(p.kind === 'hold' && p.rule, 'steady', p.reason);
    assert.equal(p.nextState, s, 'the state read is the state to commit: nothing is written');
  });

  it('still records what moved: a fresh fleet, or a source counting a failure', () => {
    const first = ok(fresh(), 0);
    assert.notDeepEqual(first.nextState.verdicts, fresh().verdicts, 'the first verdicts are recorded');
    const s = settled();
    const failing = ok(s, 6, { ...healthy(6), probes: probes(6, [false, false, false]) });
    assert.notEqual(failing.nextState, s);
  });
});

describe('decide: a recovery seen by probe rounds (no alarm)', () => {
  const round = (m: number, az1: ReturnType<typeof healthy>, s: RoutingState) =>
    decide(policy, observe(m, { [AZ1]: az1, [AZ2]: healthy(m) }), s, t(m));
  /** Probe rounds until AZ1's verdict is up; the committed state after each. */
  const untilUp = (s: RoutingState, from: number) => {
    let st = s;
    for (let m = from; m < from + 10; m++) {
      const p = round(m, healthy(m), st);
      st = committed(p);
      if (st.verdicts[AZ1]?.upSince) return { state: st, plan: p, minute: m, before: s.outbox.length };
    }
    throw new Error('AZ1 never turned up');
  };
  const messages = (s: RoutingState, from: number) =>
    s.outbox.slice(from).filter((r) => r.kind === 'message');

  it('says once that the failed cluster looks healthy, why it is held away and until when', () => {
    const s = failedOver();
    const up = untilUp(s, 1);
    const said = messages(up.state, s.outbox.length);
    assert.equal(said.length, 1);
    const m = said[0]!;
    assert.ok(m.kind === 'message' && m.message.template === 'recovered');
    const upSince = up.state.verdicts[AZ1]!.upSince!;
    const until = new Date(
      Date.parse(upSince) + policy.timing.minStableSecondsBeforeFailback * 1000,
    ).toISOString();
    assert.deepEqual(m.kind === 'message' && m.message.heldAway, {
      until,
      remainingSeconds: policy.timing.minStableSecondsBeforeFailback,
    });
    assert.ok(up.state.incident?.recoveryAnnounced);
    const next = committed(round(up.minute + 1, healthy(up.minute + 1), up.state));
    assert.equal(messages(next, up.state.outbox.length).length, 0, 'not twice');
    // An OK alarm after the probe rounds said it: no second message either.
    const ok = decide(
      policy,
      observe(
        up.minute + 2,
        { [AZ1]: healthy(up.minute + 2), [AZ2]: healthy(up.minute + 2) },
        {
          trigger: trigger(up.minute + 2, AZ1, 'OK'),
        },
      ),
      next,
      t(up.minute + 2),
    );
    assert.equal(messages(ok.nextState, next.outbox.length).length, 0);
  });

  it('a cluster that goes down again is announced again when it recovers', () => {
    const up = untilUp(failedOver(), 1);
    let s = up.state;
    for (let m = up.minute + 1; m < up.minute + 6; m++) s = committed(round(m, zoneDown(m), s));
    assert.equal(s.incident?.recoveryAnnounced, undefined, 'cleared while down');
    const again = untilUp(s, up.minute + 6);
    assert.equal(messages(again.state, s.outbox.length).length, 1);
  });
});

describe('decide: a recovery first seen by an alarm on another cluster', () => {
  it('names the failed cluster, not the alarm’s (a busy drill said “c-reg-az2 looks healthy again” of c-ack-az1)', () => {
    let s = failedOver();
    const from = s.outbox.length;
    let m = 1;
    // The healthy zone's OK alarm carries each observation in which AZ1 turns up.
    for (; m < 12 && !s.verdicts[AZ1]?.upSince; m++)
      s = committed(
        decide(
          policy,
          observe(m, { [AZ1]: healthy(m), [AZ2]: healthy(m) }, { trigger: trigger(m, AZ2, 'OK') }),
          s,
          t(m),
        ),
      );
    assert.ok(s.verdicts[AZ1]?.upSince, 'AZ1 turned up');
    const said = s.outbox.slice(from).filter((r) => r.kind === 'message');
    assert.equal(said.length, 1, JSON.stringify(said));
    const msg = said[0]!;
    assert.ok(msg.kind === 'message' && msg.message.template === 'recovered');
    assert.equal(msg.message.cluster, AZ1);
    assert.equal(
      msg.message.heldAway?.until,
      new Date(
        Date.parse(s.verdicts[AZ1]!.upSince!) + policy.timing.minStableSecondsBeforeFailback * 1000,
      ).toISOString(),
      'held away until AZ1’s own stable window ends',
    );
  });
});

describe('decide: loud holds', () => {
  it('every cluster down at once: one message and one audit record per incident, not one per decision', () => {
    const obs = (m: number) =>
      observe(m, { [AZ1]: zoneDown(m), [AZ2]: zoneDown(m) }, { trigger: trigger(m) });
    const p = decide(policy, obs(0), fresh(), t(0));
    assert.equal(p.kind === 'hold' && p.rule, 'observer-guard');
    assert.deepEqual(kinds(p.nextState), ['audit', 'message:hold']);
    const m = p.nextState.outbox[1]!;
    assert.ok(
      m.kind === 'message' && /could not move|observer may be the one cut off/.test(m.message.reason),
    );
    const again = decide(policy, obs(1), committed(p), t(1));
    assert.equal(again.kind === 'hold' && again.rule, 'observer-guard');
    assert.deepEqual(kinds(again.nextState, p.nextState.outbox.length), ['audit'], 'no second message');
  });

  it('the only healthy cluster dies after a failover: the hold is loud', () => {
    const s = failedOver();
    const p = decide(
      policy,
      observe(5, { [AZ1]: zoneDown(5), [AZ2]: zoneDown(5) }, { trigger: trigger(5, AZ2) }),
      s,
      t(5),
    );
    assert.equal(p.kind, 'hold', p.reason);
    const fresh = kinds(p.nextState, s.outbox.length);
    assert.ok(fresh.includes('message:hold'), fresh.join());
    const msg = p.nextState.outbox.find((r) => r.kind === 'message' && r.message.template === 'hold');
    assert.ok(
      msg?.kind === 'message' && msg.message.incidentId === s.incident?.id,
      'the message names the open incident',
    );
  });

  it('a transition after a loud hold ends it, so the next loud hold is heard again', () => {
    const p = decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: zoneDown(0) }), fresh(), t(0));
    assert.ok(p.nextState.holdAlert);
    const steady = decide(policy, observe(1, { [AZ1]: healthy(1), [AZ2]: healthy(1) }), committed(p), t(1));
    assert.equal(steady.nextState.holdAlert, null);
  });
});
