import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import { NotifyError } from '../../shared/clients/errors';
import { createDingTalkSender } from '../../shared/notify/dingtalk-client';
import { alarmForm, invokeCallback } from './helpers';

const timer = (at: number) => ({
  triggerTime: new Date(at).toISOString(),
  triggerName: 'notify-timer',
  payload: '',
});
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

describe('e2e: DingTalk throttled during the incident', () => {
  let d: Drill;
  const T = Date.now();
  let robotNow = T;
  const A = 'c-ack-az1';
  const messages = () => d.sb.cloud.dingtalk.messages(SANDBOX_DINGTALK.accessToken);
  before(async () => {
    d = await startDrill();
    d.sb.cloud.dingtalk.setNow(() => robotNow);
  });
  after(async () => {
    await d?.stop();
  });

  it('keeps the failover message in the outbox and delivers it after the 10-minute block', async () => {
    // Trip DingTalk's real limit (20 a minute): the 21st send blocks the robot for 10 minutes.
    const send = createDingTalkSender({ now: () => robotNow });
    const robot = { url: d.sb.cloud.dingtalk.url, ...SANDBOX_DINGTALK };
    for (let i = 0; i < 20; i++)
      await send(robot, {
        msgtype: 'markdown',
        markdown: { title: 'x', text: `fleet-dr filler ${i}` },
        at: {},
      });
    await assert.rejects(
      send(robot, { msgtype: 'markdown', markdown: { title: 'x', text: 'fleet-dr one too many' }, at: {} }),
      (e: unknown) => e instanceof NotifyError && e.code === '130101',
    );
    const before = messages().length;

    await d.sb.zones.fault(A, 'blackhole');
    const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT'));
    assert.equal(r.body.decision, 'shift', r.body.reason);
    await d.sb.cloud.fc.drain();
    await d.invoker.idle();
    const woke = d.invoker.invocations.filter((i) => i.functionName === 'notify').at(-1);
    assert.ok(woke, 'alarm-failover woke notify');
    const first = json(woke.payload);
    assert.equal(first.delivered.length, 0);
    assert.equal(first.pending.length, 1, 'kept, not dropped');
    assert.ok(first.deferredUntil > Date.now(), 'the outbox defers the robot');
    assert.equal(messages().length, before, 'nothing got through while blocked');

    const early = json((await d.invoker.invoke('notify', timer(Date.now() + 5 * 60_000))).payload);
    assert.equal(early.delivered.length, 0, 'still inside the window at +5 min');

    robotNow = T + 11 * 60_000;
    const late = json((await d.invoker.invoke('notify', timer(Date.now() + 11 * 60_000))).payload);
    assert.equal(late.delivered.length, 1, JSON.stringify(late));
    assert.equal(late.undeliverable.length, 0);
    const got = messages().slice(before);
    assert.equal(got.length, 1);
    assert.equal((got[0]!.body as { msgtype: string }).msgtype, 'actionCard');
  });
});
