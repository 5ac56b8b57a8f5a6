/**
 * The outbox's delivery rules on an in-memory Fleet with a scripted robot, so they run in milliseconds: the
 * budget per minute and the order of messages, a message split in parts, DingTalk's 130101 (robot deferred,
 * no attempt used), backoff and `undeliverable` after the last attempt, and a claim that expires. The contract
 * tests against the stand-ins (outbox.contract, rate-window.contract) cover the same rules over HTTP.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { KubeApiError, NotifyError } from '../../shared/clients/errors';
import type { KubeClient } from '../../shared/clients/kube-client';
import type { DingTalkPayload } from '../../shared/notify/dingtalk';
import { DINGTALK_THROTTLED, type Robot } from '../../shared/notify/dingtalk-client';
import { Outbox, type OutboxOptions } from '../../shared/notify/outbox';

/** ConfigMaps in memory, with resourceVersion conflicts as the API server has them. */
function memoryFleet(): KubeClient {
  const maps = new Map<string, V1ConfigMap>();
  let rv = 0;
  const key = (cm: V1ConfigMap) => `${cm.metadata?.namespace}/${cm.metadata?.name}`;
  const store = (cm: V1ConfigMap) => {
    const s = structuredClone({ ...cm, metadata: { ...cm.metadata, resourceVersion: String(++rv) } });
    maps.set(key(cm), s);
    return structuredClone(s);
  };
  return {
    name: 'memory',
    getConfigMap: async (ns: string, name: string) => structuredClone(maps.get(`${ns}/${name}`)),
    createConfigMap: async (cm: V1ConfigMap) => {
      if (maps.has(key(cm))) throw new KubeApiError(key(cm), 'create', 409, 'AlreadyExists');
      return store(cm);
    },
    replaceConfigMap: async (cm: V1ConfigMap) => {
      if (maps.get(key(cm))?.metadata?.resourceVersion !== cm.metadata?.resourceVersion)
        throw new KubeApiError(key(cm), 'update', 409, 'Conflict');
      return store(cm);
    },
  } as unknown as KubeClient;
}

const robot: Robot = { url: 'http://127.0.0.1:9/robot/send', accessToken: 'memory-robot-token' };

/** An outbox on a fresh memory Fleet whose robot does what `answer` says for each send. */
function outbox(
  answer: (p: DingTalkPayload, n: number) => void = () => {},
  extra: Partial<OutboxOptions> = {},
) {
  const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
  const sent: DingTalkPayload[] = [];
  let calls = 0;
  const box = new Outbox({
    fleetKube: memoryFleet(),
    namespace: 'fleet-dr',
    robot,
    robotId: 'r1',
    send: async (_r, p) => {
      answer(p, ++calls);
      sent.push(p);
    },
    now: () => clock.t,
    backoffMs: 1_000,
    ...extra,
  });
  const titles = () => sent.map((p) => (p.msgtype === 'markdown' ? p.markdown.title : p.actionCard.title));
  return { box, clock, sent, titles };
}
const fail = (code: string) => {
  throw new NotifyError('dingtalk', code, `refused ${code}`);
};

describe('outbox delivery rules', () => {
  it('sends at most perMinute in any 60 s, oldest first; a later message never overtakes one waiting', async () => {
    const { box, clock, titles } = outbox(() => {}, { perMinute: 3 });
    for (const i of [1, 2, 3, 4]) await box.enqueue({ title: `m${i}`, text: `message ${i}` });
    const r = await box.deliver();
    assert.deepEqual(r.delivered.length, 3);
    assert.deepEqual(titles(), ['m1', 'm2', 'm3']);
    clock.t += 59_999;
    assert.deepEqual((await box.deliver()).delivered, []);
    clock.t += 1;
    assert.equal((await box.deliver()).delivered.length, 1);
    assert.deepEqual(titles(), ['m1', 'm2', 'm3', 'm4']);
  });

  it('a message in parts is claimed only when all its parts fit the budget, and leaves when all are sent', async () => {
    const { box, clock, sent } = outbox(() => {}, { perMinute: 2, maxBytes: 2_000 });
    const long = Array.from({ length: 60 }, (_, i) => `- line ${i} ${'x'.repeat(40)}`).join('\n');
    await box.enqueue({ title: 'small', text: 'first' });
    await box.enqueue({ title: 'big', text: long });
    const r = await box.deliver();
    assert.equal(r.delivered.length, 1, 'the big one needs more parts than the one send left');
    assert.equal(sent.length, 1);
    assert.equal((await box.messages()).length, 1);
    clock.t += 60_000;
    assert.equal((await box.deliver()).delivered.length, 1);
    assert.equal(sent.length, 3, 'the big one went out in 2 parts');
    assert.deepEqual(await box.messages(), []);
  });

  it('on 130101 defers the robot for deferMs, keeps every message and uses up no attempt', async () => {
    let throttle = true;
    const { box, clock, titles } = outbox(() => (throttle ? fail(DINGTALK_THROTTLED) : undefined), {
      deferMs: 600_000,
      maxAttempts: 1,
    });
    await box.enqueue({ title: 'a', text: 'first' });
    await box.enqueue({ title: 'b', text: 'second' });
    const r = await box.deliver();
    assert.equal(r.deferredUntil, clock.t + 600_000);
    assert.deepEqual(r.undeliverable, []);
    const kept = await box.messages();
    assert.deepEqual(
      kept.map((m) => [m.title, m.state, m.attempts]),
      [
        ['a', 'pending', 0],
        ['b', 'pending', 0],
      ],
    );
    throttle = false;
    clock.t += 599_999;
    assert.deepEqual((await box.deliver()).delivered, [], 'still deferred');
    clock.t += 1;
    assert.equal((await box.deliver()).delivered.length, 2);
    assert.deepEqual(titles(), ['a', 'b']);
  });

  it('backs off a failing message (1 s, 2 s, ...) and marks it undeliverable after maxAttempts, kept', async () => {
    const { box, clock } = outbox(() => fail('310000'), { maxAttempts: 3 });
    await box.enqueue({ title: 'a', text: 'must not be lost' });
    const t0 = clock.t;
    const r1 = await box.deliver();
    assert.deepEqual(r1.pending.length, 1);
    let [m] = await box.messages();
    assert.deepEqual([m?.attempts, m?.nextAttemptAt, m?.state], [1, t0 + 1_000, 'pending']);
    assert.match(m?.lastError ?? '', /310000/);
    clock.t = t0 + 999;
    await box.deliver();
    [m] = await box.messages();
    assert.equal(m?.attempts, 1, 'not retried before its time');
    clock.t = t0 + 1_000;
    await box.deliver();
    [m] = await box.messages();
    assert.deepEqual([m?.attempts, m?.nextAttemptAt], [2, t0 + 1_000 + 2_000]);
    clock.t = t0 + 3_000;
    const r3 = await box.deliver();
    assert.deepEqual(
      r3.undeliverable.map((u) => u.title),
      ['a'],
    );
    [m] = await box.messages();
    assert.equal(m?.state, 'undeliverable');
    clock.t += 3_600_000;
    assert.deepEqual((await box.deliver()).delivered, [], 'an undeliverable message is not sent again');
  });

  it('a claim that was never settled expires after claimMs, then the message is sent', async () => {
    const fleet = memoryFleet();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const sent: string[] = [];
    const mk = (send: OutboxOptions['send']) =>
      new Outbox({
        fleetKube: fleet,
        namespace: 'fleet-dr',
        robot,
        robotId: 'r1',
        send,
        now: () => clock.t,
        claimMs: 30_000,
      });
    await mk(async () => {}).enqueue({ title: 'a', text: 'once' });
    // A deliverer that dies in the middle of its send (it never returns): the claim stays behind.
    void mk(() => new Promise<void>(() => {})).deliver();
    for (let i = 0; i < 100 && (await mk(async () => {}).messages())[0]?.state !== 'sending'; i++)
      await new Promise((r) => setTimeout(r, 5));
    const [m] = await mk(async () => {}).messages();
    assert.equal(m?.state, 'sending');
    const other = mk(async (_r, p) => {
      sent.push(p.msgtype);
    });
    clock.t += 30_000;
    assert.deepEqual((await other.deliver()).delivered, [], 'claimed until claimMs has passed');
    clock.t += 1;
    assert.equal((await other.deliver()).delivered.length, 1);
    assert.equal(sent.length, 1);
  });

  it('coalesces only messages of the same incident that are still waiting', async () => {
    const { box } = outbox();
    const a = await box.enqueue({ title: 'a', text: 'A', incidentId: 'inc-1' });
    const b = await box.enqueue({ title: 'b', text: 'B', incidentId: 'inc-1' });
    const c = await box.enqueue({ title: 'c', text: 'C', incidentId: 'inc-2' });
    const d = await box.enqueue({ title: 'd', text: 'D' });
    const e = await box.enqueue({ title: 'e', text: 'E' });
    assert.equal(b.id, a.id);
    assert.equal(b.coalesced, true);
    assert.notEqual(c.id, a.id);
    assert.notEqual(e.id, d.id, 'messages without an incident never coalesce');
    assert.equal((await box.messages()).length, 4);
    await box.deliver();
    const f = await box.enqueue({ title: 'f', text: 'F', incidentId: 'inc-1' });
    assert.equal(f.coalesced, false, 'a message already sent does not absorb a new one');
  });
});
