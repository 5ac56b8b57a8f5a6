/**
 * No re-association of a down cluster: an operator `reassociate` of a detached cluster that is down is refused
 * by the safety rules (`safety:no-readmit-down`), as a `readmit` is. The refusal commits nothing of the request:
 * the cluster stays detached and no membership change goes into the outbox.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import type { ObservationsInput } from '../../shared/decision/observations';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { enforceSafety } from '../../shared/decision/safety';
import { AZ1, AZ2, examplePolicy, healthy, observe, t, zoneDown } from './fixtures';

const policy = examplePolicy();

const request = (
  m: number,
  action: 'detach' | 'reassociate',
  id: string,
): Pick<ObservationsInput, 'operatorRequest'> => ({
  operatorRequest: { action, cluster: AZ1, by: 'alice', at: t(m), id },
});

/** AZ1 detached by an operator at minute 0 (both clusters healthy then). */
function detached(): RoutingState {
  const p = decide(
    policy,
    observe(0, { [AZ1]: healthy(0), [AZ2]: healthy(0) }, request(0, 'detach', 'd1')),
    initialRoutingState(policy),
    t(0),
  );
  assert.equal(p.kind === 'hold' && p.rule, 'operator-detached', p.reason);
  assert.ok(AZ1 in p.nextState.detached);
  return p.nextState;
}

const membershipOps = (s: RoutingState) =>
  s.outbox.flatMap((r) => (r.kind === 'membership' ? [`${r.op} ${r.cluster}`] : []));

describe('safety: no re-association of a down cluster', () => {
  it('refuses an operator reassociate of a detached cluster that is down', () => {
    const st = detached();
    const p = decide(
      policy,
      observe(5, { [AZ1]: zoneDown(5), [AZ2]: healthy(5) }, request(5, 'reassociate', 'r1')),
      st,
      t(5),
    );
    assert.equal(p.verdicts[AZ1], 'down');
    assert.equal(p.kind, 'hold', `expected a refusal, got ${p.kind}: ${p.reason}`);
    assert.equal(p.kind === 'hold' && p.rule, 'safety:no-readmit-down', p.reason);
    assert.match(p.reason, /c-ack-az1 is down/);
    assert.ok(AZ1 in p.nextState.detached, 'the cluster stays detached');
    assert.deepEqual(membershipOps(p.nextState), [], 'no re-association queued');
  });

  it('re-associates the same detached cluster once it is up', () => {
    const st = detached();
    const p = decide(
      policy,
      observe(5, { [AZ1]: healthy(5), [AZ2]: healthy(5) }, request(5, 'reassociate', 'r2')),
      st,
      t(5),
    );
    assert.equal(p.kind, 'reassociate', p.reason);
    assert.equal(AZ1 in p.nextState.detached, false);
    assert.deepEqual(membershipOps(p.nextState), [`reassociate ${AZ1}`]);
  });

  it('enforceSafety turns a reassociate plan for a down cluster into a hold, as it does a readmit', () => {
    const state = initialRoutingState(policy);
    for (const kind of ['reassociate', 'readmit'] as const) {
      const plan: Plan = {
        kind,
        cluster: AZ1,
        reason: `operator alice ${kind}s ${AZ1}`,
        signals: [],
        verdicts: {},
        by: 'alice',
        nextState: state,
      };
      const out = enforceSafety(policy, plan, { [AZ1]: 'down', [AZ2]: 'up' }, state);
      assert.equal(out.kind === 'hold' && out.rule, 'safety:no-readmit-down', `${kind}: ${out.reason}`);
      assert.equal(enforceSafety(policy, plan, { [AZ1]: 'up', [AZ2]: 'up' }, state), plan, `${kind} up`);
    }
  });
});
