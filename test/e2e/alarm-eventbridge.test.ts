import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, stateVersion, waitFor } from '../../sandbox/drill/drill-helpers';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import { sendRequests } from '../sandbox/traffic-helpers';
import { alarmCloudEvent, alarmForm, auditRecords, invokeEvent, postCallback } from './helpers';

// One sandbox, cases in order, AZ1 blackholed from the first case on: a refused batch and an INSUFFICIENT_DATA
// alarm (default policy) move nothing; then the EventBridge envelope fails the zone over.
describe('e2e: the EventBridge trigger and INSUFFICIENT_DATA', () => {
  let d: Drill;
  const A = 'c-ack-az1';
  const B = 'c-reg-az2';
  const messages = () => d.sb.cloud.dingtalk.messages(SANDBOX_DINGTALK.accessToken);
  const audits = () => auditRecords(d);
  const notifyRuns = () => d.invoker.invocations.filter((i) => i.functionName === 'fleet-dr-notify').length;
  before(async () => {
    d = await startDrill();
    await d.sb.zones.fault(A, 'blackhole');
  });
  after(async () => {
    await d?.stop();
  });

  it('refuses a batch with one malformed element whole, answers the reason and changes nothing', async () => {
    const bad = alarmCloudEvent(A, 'ALERT');
    bad.data = { ...(bad.data as Record<string, string>), alertState: 'BROKEN' };
    const r = await invokeEvent(d.invoker, [alarmCloudEvent(A, 'ALERT'), bad]);
    assert.equal(r.status, 400);
    assert.match(r.error ?? '', /^\[1\]: .*alertState/, r.error);
    assert.equal(r.decision, undefined, 'no decision taken on half a batch');
    assert.equal(stateVersion(d), undefined, 'no routing state committed');
    assert.deepEqual(canaryWeightsNow(d), {}, 'no canary written');
    assert.deepEqual(audits(), [], 'no audit event');
    await d.sb.cloud.fc.drain();
    assert.equal(notifyRuns(), 0, 'notify not woken');
    assert.equal(messages().length, 0);
  });

  it('holds an INSUFFICIENT_DATA alarm on the blackholed zone under the default policy', async () => {
    assert.equal(d.policy.detection.insufficientData, 'unknown', 'the default policy');
    const r = await postCallback(d.callbackUrl, alarmForm(A, 'INSUFFICIENT_DATA'));
    assert.equal(r.status, 200);
    assert.equal(r.body.decision, 'hold', r.body.reason);
    assert.equal(r.body.rule, 'insufficient-data', r.body.reason);
    assert.match(r.body.reason, /nothing moves/);
    assert.match(r.body.reason, /INSUFFICIENT_DATA, which counts as unknown, never healthy/);
    assert.deepEqual(canaryWeightsNow(d), {}, 'no traffic moved');
    assert.deepEqual(
      audits().map((e) => [e.decision, e.rule, e.cluster, e.committed]),
      [['hold', 'insufficient-data', A, true]],
      'the hold is audited',
    );
    await d.sb.cloud.fc.drain();
    assert.equal(messages().length, 0, 'a hold sends no DingTalk message');
  });

  it('an EventBridge envelope fails the zone over like the callback does', async () => {
    const event = alarmCloudEvent(A, 'ALERT');
    const r = await invokeEvent(d.invoker, event);
    assert.equal(r.decision, 'shift', r.reason);
    assert.match(r.reason, /down \(an alarm, confirmed by probe/);
    assert.equal(r.committed, true);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 });
    const audit = audits().at(-1);
    assert.ok(audit, 'the failover is audited');
    assert.equal(audit.decision, 'shift');
    assert.equal(audit.cluster, A);
    assert.deepEqual(audit.weights, { 'web-demo': { [A]: 0, [B]: 100 } });
    const card = await waitFor('the DingTalk message', () => messages()[0]);
    const body = card.body as { msgtype: string; actionCard: { title: string } };
    assert.equal(body.msgtype, 'actionCard');
    assert.match(body.actionCard.title, new RegExp(`failed over from ${A}`));
    // The gateway follows the canaries: every request is answered, by the healthy zone.
    await waitFor('the gateway to send everything to AZ2', async () => {
      const t = await sendRequests(d.sb.gateway.url, 20, 4);
      return t.byCluster[B] === 20 || undefined;
    });

    // EventBridge delivers at least once: the same envelope again changes nothing and sends nothing new.
    const rv = stateVersion(d);
    const again = await invokeEvent(d.invoker, event);
    assert.equal(again.decision, 'hold');
    assert.equal(again.rule, 'duplicate-alarm');
    assert.equal(stateVersion(d), rv, 'state unchanged');
    await d.sb.cloud.fc.drain();
    await d.invoker.idle();
    assert.equal(messages().length, 1, 'exactly one message');
  });
});
