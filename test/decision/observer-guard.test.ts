/**
 * The observer guard when nothing is confirmed down: every probe fails, but the gateway's health checks and the
 * ready replicas say the clusters serve. The probes are fleet-dr's own view, so the observer may be the one cut
 * off: nothing moves. The other tests only cover the guard with every cluster confirmed down; a guard that
 * counted only confirmed-down clusters would, in failed-over state, fence AZ1 on the word of AZ2's probes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, healthy, observe, probes, t, trigger, zoneDown } from './fixtures';

const policy = examplePolicy();

/** Serving (gateway health and replicas fine) while every one of fleet-dr's probes fails. */
const probesFailOnly = (m: number) => healthy(m, { probes: probes(m, [false, false, false]) });

function expectGuard(p: Plan): void {
  assert.equal(p.kind, 'hold', `expected the observer guard, got ${p.kind}: ${p.reason}`);
  assert.equal(p.kind === 'hold' && p.rule, 'observer-guard', p.reason);
  assert.match(p.reason, /observer may be the one cut off/);
}

/** After a confirmed zone-down of AZ1 at minute 0: failed over, AZ1 not fenced yet. */
function failedOver(): RoutingState {
  const p = decide(
    policy,
    observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
    initialRoutingState(policy),
    t(0),
  );
  assert.equal(p.kind, 'shift', p.reason);
  assert.deepEqual(p.nextState.fenced, {});
  return p.nextState;
}

describe('observer guard: every probe fails, nothing is confirmed down', () => {
  it('holds when every probe fails while gateway health and ready replicas are fine', () => {
    const p = decide(
      policy,
      observe(0, { [AZ1]: probesFailOnly(0), [AZ2]: probesFailOnly(0) }),
      initialRoutingState(policy),
      t(0),
    );
    assert.deepEqual(p.verdicts, { [AZ1]: 'suspect', [AZ2]: 'suspect' }, 'no cluster is confirmed down');
    expectGuard(p);
  });

  it('holds when AZ1 is confirmed down by its probes but AZ2 fails only its probes: no failover', () => {
    const p = decide(
      policy,
      observe(0, { [AZ1]: zoneDown(0), [AZ2]: probesFailOnly(0) }, { trigger: trigger(0) }),
      initialRoutingState(policy),
      t(0),
    );
    assert.equal(p.verdicts[AZ1], 'down');
    assert.equal(p.verdicts[AZ2], 'suspect');
    expectGuard(p);
    assert.deepEqual(p.nextState.weights, initialRoutingState(policy).weights, 'no weight moved');
  });

  it('in failed-over state, with AZ1 down and AZ2 failing only its probes, holds and does not fence AZ1', () => {
    const st = failedOver();
    const p = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: probesFailOnly(1) }), st, t(1));
    expectGuard(p);
    assert.notEqual(p.kind, 'fence');
    assert.deepEqual(p.nextState.fenced, {}, 'AZ1 stays on the gateway');
    assert.deepEqual(
      p.nextState.outbox.filter((r) => r.kind === 'membership'),
      [],
    );
  });

  it('a cluster whose probes pass is not looking down: with AZ2 fully healthy, AZ1 is fenced as usual', () => {
    const st = failedOver();
    const p = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), st, t(1));
    assert.equal(p.kind, 'fence', p.reason);
  });
});
