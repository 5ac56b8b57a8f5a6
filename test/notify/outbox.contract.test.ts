import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createFleetClient } from '../../shared/clients/fleet-client';
import type { KubeClient } from '../../shared/clients/kube-client';
import { createLogger } from '../../shared/log';
import { createDingTalkSender, type Robot } from '../../shared/notify/dingtalk-client';
import { Outbox, type OutboxOptions } from '../../shared/notify/outbox';
import { FAST, type Fixture, startFixture } from '../clients/fixture';
import { type Capture, captureLogs, scanForSecrets } from '../clients/log-capture';

const SECRET = 'SECoutboxtestsecret000000000001';

describe('DingTalk outbox against the robot stand-in', () => {
  let fx: Fixture;
  let fleet: KubeClient;
  let cap: Capture;
  let t = Date.now();
  let n = 0;
  const tokens: string[] = [];

  before(async () => {
    cap = captureLogs();
    fx = await startFixture();
    fleet = await createFleetClient({
      region: fx.policy.region,
      credentials: fx.credentials,
      overrides: fx.overrides,
      limits: FAST,
      fleetId: fx.policy.fleet.id,
    }).kube();
    fx.cloud.dingtalk.setNow(() => t);
  });
  after(async () => {
    cap.restore();
    await fx?.stop();
  });
  beforeEach(() => {
    t += 3_600_000; // a fresh minute window (and past any deferral) for each test
  });

  /** A fresh robot (stand-in + outbox ConfigMap) per test. */
  function outbox(extra: Partial<OutboxOptions> = {}): { box: Outbox; robot: Robot } {
    n++;
    const robot: Robot = {
      url: fx.cloud.dingtalk.url,
      accessToken: `robot-token-${n}-abcdef`,
      secret: SECRET,
    };
    tokens.push(robot.accessToken);
    fx.cloud.dingtalk.addRobot({ accessToken: robot.accessToken, secret: SECRET, keywords: ['fleet-dr'] });
    const send = createDingTalkSender({
      now: () => t,
      timeoutMs: 1_000,
      retries: 1,
      minBackoffMs: 10,
      log: createLogger('outbox-test'),
    });
    const box = new Outbox({
      fleetKube: fleet,
      namespace: fx.policy.fleet.stateNamespace,
      name: `fleet-dr-outbox-${n}`,
      robot,
      robotId: `robot-${n}`,
      send,
      keywords: ['fleet-dr'],
      now: () => t,
      backoffMs: 1_000,
      log: createLogger('outbox-test'),
      ...extra,
    });
    return { box, robot };
  }

  it('stays within 20 messages a minute and delivers every message over later minutes', async () => {
    const { box, robot } = outbox();
    for (let i = 0; i < 45; i++)
      await box.enqueue({ title: `event ${i}`, text: `cluster event ${i}`, incidentId: `inc-${i}` });
    const first = await box.deliver();
    assert.equal(first.delivered.length, 20);
    assert.equal(first.pending.length, 25);
    assert.equal((await box.deliver()).delivered.length, 0, 'no budget left in this minute');
    t += 61_000;
    assert.equal((await box.deliver()).delivered.length, 20);
    t += 61_000;
    const last = await box.deliver();
    assert.equal(last.delivered.length, 5);
    assert.equal(last.pending.length, 0);
    const got = fx.cloud.dingtalk.messages(robot.accessToken);
    assert.equal(got.length, 45, 'every message delivered, none refused by the robot');
    assert.deepEqual(await box.messages(), []);
  });

  it('coalesces messages of one incident that are still waiting, the newest title and part first', async () => {
    const { box, robot } = outbox();
    const a = await box.enqueue({ title: 'failover', text: '### failover\n\nAZ1 down', incidentId: 'inc-x' });
    const b = await box.enqueue({
      title: 'fence',
      text: '### fence\n\ntraffic on AZ2',
      incidentId: 'inc-x',
    });
    assert.equal(b.id, a.id);
    assert.equal(b.coalesced, true);
    await box.deliver();
    const got = fx.cloud.dingtalk.messages(robot.accessToken);
    assert.equal(got.length, 1);
    const body = got[0]!.body as { markdown: { title: string; text: string } };
    assert.equal(body.markdown.title, 'fence', 'the merged message carries the newest transition');
    assert.match(body.markdown.text, /^### fence/, 'and shows it first');
    assert.match(body.markdown.text, /traffic on AZ2.*Earlier in this incident.*AZ1 down/s);
  });

  it('enqueues a record id once: a second enqueue of the same record is a duplicate, even after delivery', async () => {
    const { box, robot } = outbox();
    const first = await box.enqueue({ title: 'failover', text: 'AZ1 down' }, { id: 'r7-1' });
    assert.equal(first.duplicate, false);
    assert.equal(
      (await box.enqueue({ title: 'failover', text: 'AZ1 down' }, { id: 'r7-1' })).duplicate,
      true,
    );
    await box.deliver();
    assert.equal(
      (await box.enqueue({ title: 'failover', text: 'AZ1 down' }, { id: 'r7-1' })).duplicate,
      true,
    );
    await box.deliver();
    assert.equal(fx.cloud.dingtalk.messages(robot.accessToken).length, 1);
  });

  it('defers the robot for 10 minutes on 130101 and keeps the messages', async () => {
    const { box, robot } = outbox();
    await box.enqueue({ title: 'a', text: 'first' });
    await box.enqueue({ title: 'b', text: 'second' });
    fx.cloud.faults.set('dingtalk', { throttle: true });
    try {
      const r = await box.deliver();
      assert.equal(r.deferredUntil, t + 600_000);
      assert.equal(r.pending.length, 2);
    } finally {
      fx.cloud.faults.clear('dingtalk');
    }
    t += 60_000;
    assert.equal((await box.deliver()).delivered.length, 0, 'still deferred: not retried at once');
    assert.equal(fx.cloud.dingtalk.messages(robot.accessToken).length, 0);
    t += 541_000;
    assert.equal((await box.deliver()).delivered.length, 2);
    assert.ok((await box.messages()).length === 0);
  });

  it('splits a body over 20,000 bytes into parts that each fit and lose nothing', async () => {
    const { box, robot } = outbox();
    const lines = Array.from(
      { length: 900 },
      (_, i) => `- 第${i}行 cluster c-ack-az1 pod web-demo-${i} not ready`,
    );
    await box.enqueue({ title: 'big report', text: lines.join('\n') });
    const r = await box.deliver();
    assert.equal(r.delivered.length, 1);
    const got = fx.cloud.dingtalk.messages(robot.accessToken);
    assert.ok(got.length >= 2, `split into ${got.length} parts`);
    for (const m of got) assert.ok(Buffer.byteLength(JSON.stringify(m.body)) <= 20_000);
    const all = got.map((m) => (m.body as { markdown: { text: string } }).markdown.text).join('\n');
    for (const l of [lines[0]!, lines[450]!, lines[899]!]) assert.ok(all.includes(l), `kept ${l}`);
  });

  it('trims a body too large for the part limit, saying so, and still delivers it', async () => {
    const { box, robot } = outbox();
    await box.enqueue({ title: 'huge', text: 'x'.repeat(300_000) });
    const r = await box.deliver();
    assert.equal(r.delivered.length, 1);
    const got = fx.cloud.dingtalk.messages(robot.accessToken);
    assert.equal(got.length, 5);
    assert.match(JSON.stringify(got[4]!.body), /bytes trimmed/);
  });

  it('retries network errors, then keeps an undeliverable message and reports it', async () => {
    const { box, robot } = outbox({ maxAttempts: 2 });
    await box.enqueue({ title: 'a', text: 'must not be lost' });
    fx.cloud.faults.set('dingtalk', { refuse: true });
    try {
      const r1 = await box.deliver();
      assert.equal(r1.pending.length, 1);
      assert.match((await box.messages())[0]!.lastError ?? '', /ECONNREFUSED/);
      t += 5_000;
      const r2 = await box.deliver();
      assert.equal(r2.undeliverable.length, 1);
      assert.equal(r2.undeliverable[0]!.title, 'a');
    } finally {
      fx.cloud.faults.clear('dingtalk');
    }
    const kept = await box.messages();
    assert.equal(kept.length, 1);
    assert.equal(kept[0]!.state, 'undeliverable');
    assert.equal(fx.cloud.dingtalk.messages(robot.accessToken).length, 0);
  });

  it('leaves no access token, secret or signature in the logs', () => {
    assert.ok(
      cap.lines.some((l) => l.includes('dingtalk sent')),
      'the sender logged its calls',
    );
    assert.deepEqual(scanForSecrets(cap.lines, [SECRET, ...tokens, fx.fleet.adminToken]), []);
  });
});
