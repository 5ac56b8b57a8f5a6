import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import { initialRoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, healthy, observe, t, trigger, zoneDown } from './fixtures';

// One sample per source decides (gateway health and ready replicas come one per observation), so the
// zone-down observations leave the gateway health `down` and one healthy observation brings the rest up.
const policy = examplePolicy((p) => {
  p.detection.failuresToDown = 1;
  p.detection.successesToUp = 1;
});
const membership = (m: number, onGateway: boolean) => ({ attachedToFleet: true, onGateway, at: t(m) });

// A fenced cluster is off the gateway, so MSE reports no health for it ("Unknown": no sample). Its last
// reading, `down` from while it was failing, must not outlive the fence and block the re-admit.
describe('decide: the gateway health of a fenced cluster', () => {
  it('is forgotten, so a recovered fenced cluster is re-admitted after the dwell', () => {
    let st = decide(
      policy,
      observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
      initialRoutingState(policy),
      t(0),
    ).nextState;
    const fence = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), st, t(1));
    assert.equal(fence.kind, 'fence', fence.reason);
    st = fence.nextState;
    const offGateway = (m: number) =>
      healthy(m, { gatewayHealth: { status: 'Unknown', at: t(m) }, membership: membership(m, false) });
    const early = decide(policy, observe(30, { [AZ1]: offGateway(30), [AZ2]: healthy(30) }), st, t(30));
    assert.equal(early.kind, 'hold');
    assert.equal(early.kind === 'hold' && early.rule, 'min-dwell', early.reason);
    assert.equal(early.verdicts[AZ1], 'up');
    const readmit = decide(
      policy,
      observe(41, { [AZ1]: offGateway(41), [AZ2]: healthy(41) }),
      early.nextState,
      t(41),
    );
    assert.equal(readmit.kind, 'readmit', readmit.reason);
  });

  it('still counts for a cluster on the gateway: not read this round, the recent down reading stands', () => {
    const st = decide(
      policy,
      observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
      initialRoutingState(policy),
      t(0),
    ).nextState;
    // One minute later the `down` reading is within detection.maxReadingAgeSeconds (120 s), so it stands;
    // older, it would expire like any reading (test/decision/expiring-readings.test.ts).
    const unread = healthy(1, { gatewayHealth: null, membership: membership(1, true) });
    const p = decide(policy, observe(1, { [AZ1]: unread, [AZ2]: healthy(1) }), st, t(1));
    assert.equal(p.verdicts[AZ1], 'suspect', 'the recent down reading stands while it is on the gateway');
  });

  it('on the gateway, a fresh Unknown replaces the down reading: a level is what it reads now', () => {
    const st = decide(
      policy,
      observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
      initialRoutingState(policy),
      t(0),
    ).nextState;
    const unknownHealth = healthy(1, {
      gatewayHealth: { status: 'Unknown', at: t(1) },
      membership: membership(1, true),
    });
    const p = decide(policy, observe(1, { [AZ1]: unknownHealth, [AZ2]: healthy(1) }), st, t(1));
    assert.equal(p.nextState.verdicts[AZ1]?.sources.gatewayHealth?.verdict, 'unknown');
    const sig = p.signals.find((s) => s.cluster === AZ1 && s.source === 'gatewayHealth');
    assert.match(sig?.detail ?? '', /Unknown \(MSE does not know: no evidence either way\)/);
  });
});
