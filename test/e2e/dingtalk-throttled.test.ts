import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import { NotifyError } from '../../shared/clients/errors';
import { createDingTalkSender } from '../../shared/notify/dingtalk-client';
import { STATE_CONFIGMAPS } from '../../shared/state/routing-store';
import { alarmForm, invokeCallback } from './helpers';

const timer = (at: number) => ({
  triggerTime: new Date(at).toISOString(),
  triggerName: 'drain-outbox',
  payload: '',
});
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

/**
 * Lets `ms` pass for the outbox: notify's clock is the system clock (a timer's triggerTime is information
 * only), so every time the outbox recorded (`…At`, `…Until`, the robot's `sent` stamps) moves back instead.
 */
function elapse(d: Drill, ms: number): void {
  const cm = d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, STATE_CONFIGMAPS.outbox);
  assert.ok(cm, 'the outbox ConfigMap exists');
  const data = cm.data as Record<string, string>;
  const shift = (v: unknown, key = ''): unknown => {
    if (typeof v === 'number') return /(At|Until)$/.test(key) ? v - ms : v;
    if (Array.isArray(v)) return v.map((x) => (key === 'sent' && typeof x === 'number' ? x - ms : shift(x)));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shift(x, k)]));
    return v;
  };
  const doc = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, JSON.stringify(shift(JSON.parse(v)))]),
  );
  d.sb.fleet.store.update({ ...cm, data: doc });
}

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
    const woke = d.invoker.invocations.filter((i) => i.functionName === 'fleet-dr-notify').at(-1);
    assert.ok(woke, 'alarm-failover woke notify');
    const first = json(woke.payload);
    assert.equal(first.delivered.length, 0);
    assert.equal(first.pending.length, 1, 'kept, not dropped');
    assert.ok(first.deferredUntil > Date.now(), 'the outbox defers the robot');
    assert.equal(messages().length, before, 'nothing got through while blocked');

    elapse(d, 5 * 60_000);
    robotNow = T + 5 * 60_000;
    const early = json((await d.invoker.invoke('fleet-dr-notify', timer(Date.now()))).payload);
    assert.equal(early.delivered.length, 0, 'still inside the window at +5 min');

    elapse(d, 6 * 60_000);
    robotNow = T + 11 * 60_000;
    const late = json((await d.invoker.invoke('fleet-dr-notify', timer(Date.now()))).payload);
    assert.equal(late.delivered.length, 1, JSON.stringify(late));
    assert.equal(late.undeliverable.length, 0);
    const got = messages().slice(before);
    assert.equal(got.length, 1);
    assert.equal((got[0]!.body as { msgtype: string }).msgtype, 'actionCard');
  });
});
