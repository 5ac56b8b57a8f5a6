/**
 * A drift repair in the decision: only a drift repair re-adds a healthy cluster that someone took off the
 * gateway's remote-clusters (never a detached or fenced one, never one that is down), and a drift repair is
 * audited even when it decides to hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, healthy, observe, t, zoneDown } from './fixtures';

const policy = {
  ...examplePolicy(),
  timing: { ...examplePolicy().timing, minStableSecondsBeforeFailback: 0 },
};
const offGateway = (m: number) => ({ membership: { attachedToFleet: true, onGateway: false, at: t(m) } });
const repair = { driftRepair: { cause: 'gateway-membership: cluster c-reg-az2' } };
/** Steady and healthy, both verdicts up. */
const steady = (): RoutingState => {
  const p = decide(
    policy,
    observe(0, { [AZ1]: healthy(0), [AZ2]: healthy(0) }),
    initialRoutingState(policy),
    t(0),
  );
  return { ...p.nextState, revision: p.nextState.revision + 1 };
};

describe('decide: a drift repair', () => {
  it('re-adds a healthy cluster missing from remote-clusters, and audits it', () => {
    const p = decide(
      policy,
      observe(1, { [AZ1]: healthy(1), [AZ2]: healthy(1, offGateway(1)) }, repair),
      steady(),
      t(1),
    );
    assert.equal(p.kind, 'readmit', p.reason);
    assert.equal('cluster' in p && p.cluster, AZ2);
    assert.deepEqual(p.nextState.weights, steady().weights, 'the weights stay as committed');
    const kinds = p.nextState.outbox.map((r) => (r.kind === 'membership' ? `membership:${r.op}` : r.kind));
    assert.deepEqual(kinds, ['membership:readmit', 'audit', 'message']);
  });

  it('without a drift repair, nothing re-adds it (someone may have taken it off on purpose)', () => {
    const p = decide(
      policy,
      observe(1, { [AZ1]: healthy(1), [AZ2]: healthy(1, offGateway(1)) }),
      steady(),
      t(1),
    );
    assert.equal(p.kind, 'hold', p.reason);
  });

  it('never re-adds a cluster that is down, fenced or detached', () => {
    const down = decide(
      policy,
      observe(1, { [AZ1]: healthy(1), [AZ2]: zoneDown(1, offGateway(1)) }, repair),
      steady(),
      t(1),
    );
    assert.notEqual(down.kind, 'readmit', down.reason);
    const mark = { by: 'sre-bob', at: t(0), reason: 'maintenance' };
    for (const field of ['fenced', 'detached'] as const) {
      const s = { ...steady(), [field]: { [AZ2]: mark } };
      const p = decide(
        policy,
        observe(1, { [AZ1]: healthy(1), [AZ2]: healthy(1, offGateway(1)) }, repair),
        s,
        t(1),
      );
      assert.ok(
        !(p.kind === 'readmit' && 'cluster' in p && p.cluster === AZ2),
        `${field}: ${p.kind} ${p.reason}`,
      );
    }
  });

  it('a drift repair that holds is audited', () => {
    const p = decide(policy, observe(1, { [AZ1]: healthy(1), [AZ2]: healthy(1) }, repair), steady(), t(1));
    assert.equal(p.kind, 'hold', p.reason);
    assert.deepEqual(
      p.nextState.outbox.map((r) => r.kind),
      ['audit'],
    );
  });
});
