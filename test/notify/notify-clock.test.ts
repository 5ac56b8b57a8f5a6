/**
 * notify's clock is the system clock: a timer event's triggerTime is information only. One invocation with a
 * timer dated 2099 used to stamp the outbox (sends, retries, the DingTalk signature) in 2099 and park its
 * messages there for good. Calls the real handler against the Fleet and DingTalk stand-ins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { handler } from '../../functions/notify/handler';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/credentials';
import { wire } from '../../shared/runtime/wiring';
import { type Fixture, startFixture } from '../clients/fixture';
import { type Capture, captureLogs } from '../clients/log-capture';

const ROBOT = { accessToken: 'notify-clock-robot-token', secret: 'SECnotifyclocksecret000000000001' };

const timer = (triggerTime: string) =>
  Buffer.from(JSON.stringify({ triggerTime, triggerName: 'drain-outbox', payload: '{"reason":"timer"}' }));

interface Report {
  now: string;
  triggerTime?: string;
  delivered: string[];
  pending: string[];
  undeliverable: unknown[];
}

describe('notify: the system clock, not the timer event, times the outbox', () => {
  let fx: Fixture;
  let logs: Capture;
  let n = 0;
  const context = () => ({
    requestId: `req-notify-clock-${++n}`,
    accountId: fx.cloud.fc.accountId,
    credentials: { ...SANDBOX_ACCESS_KEY, securityToken: '' },
  });
  const outbox = () => wire(fx.policy, context(), process.env).outbox(Date.now);
  const sentTexts = () => fx.cloud.dingtalk.messages(ROBOT.accessToken).map((m) => JSON.stringify(m.body));

  before(async () => {
    logs = captureLogs();
    fx = await startFixture();
    const d = fx.policy.notify.dingtalk;
    fx.cloud.dingtalk.addRobot({ ...ROBOT, keywords: d.keywords });
    process.env.FLEET_DR_POLICY = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));
    process.env.FLEET_DR_ENDPOINTS = JSON.stringify(fx.overrides);
    process.env[d.accessTokenEnv] = ROBOT.accessToken;
    if (d.secretEnv) process.env[d.secretEnv] = ROBOT.secret;
  });
  after(async () => {
    logs.restore();
    await fx?.stop();
  });

  it('after a timer dated 2099, every message still goes out and nothing is left parked', async () => {
    await (await outbox()).enqueue({ title: 'fleet-dr one', text: 'fleet-dr message one' });
    const far = (await handler(timer('2099-01-01T00:00:00Z'), context())) as Report;
    await (await outbox()).enqueue({ title: 'fleet-dr two', text: 'fleet-dr message two' });
    const next = (await handler(timer(new Date().toISOString()), context())) as Report;

    const sent = sentTexts();
    assert.ok(
      sent.some((t) => t.includes('fleet-dr message one')),
      'the message drained by the 2099 timer went out',
    );
    assert.ok(
      sent.some((t) => t.includes('fleet-dr message two')),
      'a normal delivery still goes out',
    );
    assert.deepEqual(await (await outbox()).messages(), [], 'nothing parked in the outbox');
    assert.deepEqual([far.undeliverable, next.undeliverable], [[], []]);

    // The event's time is information only: echoed, never the clock.
    assert.equal(far.triggerTime, '2099-01-01T00:00:00.000Z');
    assert.ok(Math.abs(Date.parse(far.now) - Date.now()) < 60_000, `now ${far.now} is the system clock`);
    const warned = logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => String(l.msg).startsWith('timer triggerTime is far from the system clock'));
    assert.equal(warned?.triggerTime, '2099-01-01T00:00:00.000Z');
  });

  it('an async wake-up from alarm-failover carries no time and drains on the system clock', async () => {
    await (await outbox()).enqueue({ title: 'fleet-dr three', text: 'fleet-dr message three' });
    const r = (await handler(
      Buffer.from(JSON.stringify({ source: 'alarm-failover', incidentId: null })),
      context(),
    )) as Report;
    assert.equal(r.triggerTime, undefined);
    assert.equal(r.delivered.length, 1);
    assert.ok(sentTexts().some((t) => t.includes('fleet-dr message three')));
  });
});
