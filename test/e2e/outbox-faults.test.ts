/**
 * The transactional outbox through the real functions: a Fleet write or a CloudMonitor call that fails after
 * the routing commit loses neither the DingTalk message nor the audit event, and a hold never takes over the
 * gateway's own split. Each case failed before the decision pipeline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Drill, NOTIFY_FUNCTION, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, waitFor } from '../../sandbox/drill/drill-helpers';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import { createLogger } from '../../shared/log';
import { runDecision } from '../../shared/pipeline/run-decision';
import { wire } from '../../shared/runtime/wiring';
import { STATE_CONFIGMAPS } from '../../shared/state/routing-store';
import { alarmForm, auditRecords, postCallback } from './helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const timer = () => ({ triggerTime: new Date().toISOString(), triggerName: 'drain-outbox', payload: '' });

/** What every case ends with: one failover message delivered and one audit event of the shift. */
async function exactlyOneOfEach(d: Drill): Promise<void> {
  const failovers = () =>
    d.sb.cloud.dingtalk
      .messages(SANDBOX_DINGTALK.accessToken)
      .filter((m) => JSON.stringify(m.body).includes(`failed over from ${A}`));
  await waitFor('the failover message', () => failovers()[0]);
  await d.sb.cloud.fc.drain();
  await d.invoker.idle();
  assert.equal(failovers().length, 1, 'exactly one failover message');
  assert.equal(auditRecords(d).filter((a) => a.decision === 'shift').length, 1, 'exactly one audit event');
  const state = d.sb.fleet.store.get(
    'v1',
    'ConfigMap',
    d.policy.fleet.stateNamespace,
    STATE_CONFIGMAPS.routing,
  );
  assert.ok(state, 'the routing state exists');
  const outbox = JSON.parse((state.data as Record<string, string>)['state.json']!).outbox;
  assert.deepEqual(outbox, [], 'nothing left in the routing outbox');
}

describe('e2e: faults after the commit lose nothing', () => {
  let d: Drill;
  before(async () => {
    d = await startDrill();
  });
  after(async () => {
    await d?.stop();
  });

  it('two unconfirmed alarms on a healthy fleet leave the gateway split alone: no canary is written', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await postCallback(d.callbackUrl, alarmForm(A, 'ALERT', Date.now() + i));
      assert.equal(r.body.rule, 'unconfirmed', r.body.reason);
    }
    assert.deepEqual(canaryWeightsNow(d), {}, 'no canary Ingress on the Fleet');
  });

  it('a canary create 500 and a failing PutCustomEvent after the commit: the retry finishes it, once', async () => {
    await d.sb.zones.fault(A, 'blackhole');
    const clear = d.sb.fleet.failRequests({ verb: 'create', plural: 'ingresses' }, 1);
    d.sb.cloud.faults.set('cms', { errorRate: 1 });
    const form = alarmForm(A, 'ALERT');
    const first = await postCallback(d.callbackUrl, form);
    d.sb.cloud.faults.clear('cms');
    clear();
    assert.equal(first.body.decision, 'shift', first.body.reason);
    assert.equal(first.body.committed, true);
    assert.ok(
      first.body.errors.some((e) => /^weights: .*500|InternalError|injected/.test(e)),
      first.body.errors.join('; '),
    );
    assert.ok(
      first.body.errors.some((e) => /^audit /.test(e)),
      first.body.errors.join('; '),
    );
    assert.equal(
      auditRecords(d).filter((a) => a.decision === 'shift').length,
      0,
      'the audit is still pending',
    );
    // CloudMonitor retries the same alarm: a duplicate, and the invocation finishes the earlier commit.
    const retry = await postCallback(d.callbackUrl, form);
    assert.equal(retry.body.rule, 'duplicate-alarm', retry.body.reason);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 }, 'the committed weights were repaired');
    await exactlyOneOfEach(d);
  });
});

describe('e2e: the DingTalk outbox write fails after the commit', () => {
  let d: Drill;
  before(async () => {
    d = await startDrill();
  });
  after(async () => {
    await d?.stop();
  });

  it('the message stays in the routing outbox and the notify timer delivers it, once', async () => {
    await d.sb.zones.fault(A, 'blackhole');
    const clear = d.sb.fleet.failRequests(
      { verb: 'create', plural: 'configmaps', name: STATE_CONFIGMAPS.outbox },
      1,
    );
    const r = await postCallback(d.callbackUrl, alarmForm(A, 'ALERT'));
    clear();
    assert.equal(r.body.decision, 'shift', r.body.reason);
    assert.ok(
      r.body.errors.some((e) => /^message /.test(e)),
      r.body.errors.join('; '),
    );
    assert.equal(r.body.pending, 1, 'the message waits in the routing outbox');
    const drained = await d.invoker.invoke(NOTIFY_FUNCTION, Buffer.from(JSON.stringify(timer())));
    assert.equal(drained.error, undefined, JSON.stringify(drained.error));
    await exactlyOneOfEach(d);
  });

  it('the same pipeline runs an operator request and a probe round: a new trigger is a case, not a copy', async () => {
    const credentials = d.sb.cloud.credentials.issueStsToken();
    const w = wire(d.policy, { requestId: 'pipeline-test', credentials }, d.env);
    const log = createLogger('pipeline-test');
    const pause = await runDecision({
      wiring: w,
      log,
      trigger: {
        kind: 'operator',
        request: { action: 'pause', by: 'sre-alice', at: new Date().toISOString(), id: 'op-1' },
      },
    });
    assert.equal(pause.decision, 'hold');
    assert.equal(pause.rule, 'paused');
    assert.equal(pause.trigger, 'operator sre-alice: pause');
    assert.equal(pause.committed, true);
    const audit = auditRecords(d).at(-1) as unknown as { rule: string; operatorRequest: { by: string } };
    assert.equal(audit.rule, 'paused');
    assert.equal(audit.operatorRequest.by, 'sre-alice');
    const round = await runDecision({ wiring: w, log, trigger: { kind: 'probe-round' } });
    assert.equal(round.trigger, 'probe round');
    assert.equal(round.decision, 'hold', round.reason);
    assert.equal(round.rule, 'already-handled', 'traffic is already off the failed zone');
    assert.equal(round.committed, true, 'the verdict history moved on');
  });
});
