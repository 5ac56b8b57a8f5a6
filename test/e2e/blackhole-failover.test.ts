import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFailoverScenario } from '../../sandbox/drill/failover-scenario';

describe('e2e: a blackholed zone fails over through the alarm callback', () => {
  it('moves the canaries, stops the failures, records the audit event and sends one actionCard', async () => {
    const r = await runFailoverScenario();
    const [A, B] = [r.failedCluster, r.healthyCluster];
    assert.equal(r.decision.decision, 'shift', r.decision.reason);
    assert.match(r.decision.reason, /down \(an alarm, confirmed by probe/);
    assert.deepEqual(r.finalWeights, { [A]: 0, [B]: 100 });
    assert.equal(r.requests.before.failures, 0, 'no failures before the fault');
    assert.ok(r.requests.during.failures > 0, 'the blackhole did hurt the load before the failover');
    assert.ok(
      r.requests.after.requests >= 20,
      `enough requests after the failover: ${r.requests.after.requests}`,
    );
    assert.equal(r.requests.after.failures, 0);
    assert.equal(r.lastN.failures, 0, 'no failures in the last 40 requests');
    assert.equal(r.auditEvents, 1, 'one audit event (the decision)');
    assert.deepEqual(
      r.dingtalk.map((m) => m.msgtype),
      ['actionCard'],
      'DingTalk receives exactly one actionCard',
    );
    assert.match(r.dingtalk[0]!.title, new RegExp(`failed over from ${A}`));
    for (const step of ['alarmRaised', 'signalsGathered', 'committed', 'canariesWritten', 'trafficMoved'])
      assert.equal(typeof r.timings[step], 'number', step);
    console.log(`blackhole timings (ms): ${JSON.stringify(r.timings)}`);
  });
});
