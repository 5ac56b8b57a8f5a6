/**
 * The error rate an operator follows (`fleet-dr status --json`, the live progress of `failback --auto`): the
 * newest probe round fleet-dr counted for each cluster, kept in the routing state's verdict history by decide()
 * and shown by the status as failed of total probes, a percentage and the time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRateNote } from '../../shared/cli/failback-command';
import { decide } from '../../shared/decision/decide';
import { initialRoutingState } from '../../shared/decision/routing-state';
import { fleetStatus } from '../../shared/operator/status';
import { AZ1, AZ2, examplePolicy, healthy, observe, probes, t } from '../decision/fixtures';

const policy = examplePolicy();
const extras = { notifications: null, drift: null, readAt: t(0) };
const azStatus = (s: ReturnType<typeof initialRoutingState>, id: string) =>
  fleetStatus(policy, s, extras).clusters.find((c) => c.id === id)!;

describe('the error rate in the status', () => {
  it('records the newest probe round per cluster: failed of total, and shows it as a percentage', () => {
    const obs = {
      [AZ1]: healthy(1, { probes: probes(1, [true, false, true]) }),
      [AZ2]: healthy(1),
    };
    const p = decide(policy, observe(1, obs), initialRoutingState(policy), t(1));
    const az1 = p.nextState.verdicts[AZ1]?.probeRound;
    assert.equal(az1?.failed, 1);
    assert.equal(az1?.total, 3);
    assert.deepEqual(azStatus(p.nextState, AZ1).probes, { ...az1, errorRatePercent: 33 });
    assert.equal(azStatus(p.nextState, AZ2).probes?.errorRatePercent, 0);
    assert.match(
      errorRateNote(azStatus(p.nextState, AZ1).probes),
      /^error rate 33% \(1 of 3 probes failed, at 2025-.*\)$/,
    );
  });

  it('keeps the last round when a decision brings no new probe sample, and says when none was measured', () => {
    const first = decide(
      policy,
      observe(1, { [AZ1]: healthy(1), [AZ2]: healthy(1) }),
      initialRoutingState(policy),
      t(1),
    );
    const round = first.nextState.verdicts[AZ1]?.probeRound;
    assert.ok(round);
    const none = decide(policy, observe(2, { [AZ1]: {}, [AZ2]: {} }), first.nextState, t(2));
    assert.deepEqual(none.nextState.verdicts[AZ1]?.probeRound, round, 'no new sample: the last round stands');
    assert.equal(azStatus(initialRoutingState(policy), AZ1).probes, null);
    assert.equal(errorRateNote(null), 'error rate not measured yet');
  });
});
