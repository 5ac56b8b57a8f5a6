/**
 * DingTalk's rate window is a minute long: after 20 messages, nothing more is sent to the robot until 60 s after
 * the first of them, so the robot never answers 130101 and is never deferred for its 10 minutes. The window
 * slides: sends from the last 60 s count, whenever in the minute they were. The outbox ConfigMap lives on the
 * Kubernetes stand-in; the robot is the DingTalk stand-in, which enforces the same limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DingTalkStandIn, startDingTalk } from '../../sandbox/cloud/dingtalk';
import { FaultRegistry } from '../../sandbox/cloud/faults';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { createDingTalkSender, type Robot } from '../../shared/notify/dingtalk-client';
import { Outbox } from '../../shared/notify/outbox';
import { FAST, kubeconfigOf } from '../clients/fixture';

const SECRET = 'SECratewindowtestsecret00000001';

describe("the outbox keeps DingTalk's one-minute rate window", () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  let dingtalk: DingTalkStandIn;
  let t = Date.parse('2026-01-01T00:00:00Z');
  let n = 0;

  before(async () => {
    server = await startKubeApiServer({
      name: 'fleet',
      seedYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: fleet-dr }\n',
    });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), FAST);
    dingtalk = await startDingTalk({ faults: new FaultRegistry(), now: () => t });
  });
  after(async () => {
    await dingtalk?.stop();
    await server?.stop();
  });

  /** A fresh robot and outbox, with `count` messages waiting. */
  async function robotWith(count: number): Promise<{ box: Outbox; robot: Robot }> {
    n++;
    const robot: Robot = { url: dingtalk.url, accessToken: `rate-window-robot-${n}`, secret: SECRET };
    dingtalk.addRobot({ accessToken: robot.accessToken, secret: SECRET });
    const box = new Outbox({
      fleetKube: kube,
      namespace: 'fleet-dr',
      name: `fleet-dr-outbox-rate-${n}`,
      robot,
      robotId: `robot-${n}`,
      send: createDingTalkSender({ now: () => t, timeoutMs: 2_000, retries: 0 }),
      now: () => t,
    });
    await enqueue(box, count);
    return { box, robot };
  }
  const enqueue = async (box: Outbox, count: number) => {
    for (let i = 0; i < count; i++) await box.enqueue({ title: `m${i}`, text: `message ${i}` });
  };
  const sent = (robot: Robot) => dingtalk.messages(robot.accessToken).length;

  it('after 20 messages, nothing at t+30 s and the robot is not deferred; the rest go at t+60 s', async () => {
    const t0 = t;
    const { box, robot } = await robotWith(25);
    const first = await box.deliver();
    assert.equal(first.delivered.length, 20);
    assert.equal(first.pending.length, 5);

    t = t0 + 30_000;
    const half = await box.deliver();
    assert.deepEqual(half.delivered, [], 'nothing is sent 30 s into the minute');
    assert.equal(half.pending.length, 5);
    assert.equal(half.deferredUntil, null, 'the robot is not deferred: DingTalk never refused');
    assert.equal(sent(robot), 20);
    for (const m of await box.messages()) assert.equal(m.lastError, null, 'no message met a refusal');

    t = t0 + 59_999;
    assert.deepEqual((await box.deliver()).delivered, [], 'still inside the minute');

    t = t0 + 60_000;
    const next = await box.deliver();
    assert.equal(next.delivered.length, 5, 'a minute after the first sends, the window has room again');
    assert.equal(next.deferredUntil, null);
    assert.equal(sent(robot), 25, 'every message reached the robot, none refused');
    assert.deepEqual(await box.messages(), []);
  });

  it('the window slides: sends from the last 60 s count wherever they fell in the minute', async () => {
    const t0 = t + 3_600_000;
    t = t0;
    const { box, robot } = await robotWith(10);
    assert.equal((await box.deliver()).delivered.length, 10);

    t = t0 + 40_000;
    await enqueue(box, 25);
    const second = await box.deliver();
    assert.equal(second.delivered.length, 10, 'only 10 of 20 left in the window');
    assert.equal(second.pending.length, 15);

    t = t0 + 61_000; // the first 10 have left the window; the 10 sent at t0+40 s have not
    const third = await box.deliver();
    assert.equal(third.delivered.length, 10);
    assert.equal(third.deferredUntil, null);

    t = t0 + 99_000;
    assert.deepEqual((await box.deliver()).delivered, [], 'the sends of t0+61 s still fill the window');

    t = t0 + 101_000;
    const last = await box.deliver();
    assert.equal(last.delivered.length, 5);
    assert.equal(last.pending.length, 0);
    assert.equal(sent(robot), 35, 'all delivered without a single 130101');
  });
});
