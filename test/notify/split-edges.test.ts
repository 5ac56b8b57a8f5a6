/**
 * Edges of the DingTalk payloads and of splitting that the mutation run found unguarded: exact byte limits,
 * the action button only on the last part, the trimmed remainder counted, a line longer than a part cut at a
 * character boundary without losing a byte, keywords and mentions added only when needed, and the flags the
 * outbox answers an enqueue with.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { KubeApiError } from '../../shared/clients/errors';
import type { KubeClient } from '../../shared/clients/kube-client';
import { type DingTalkPayload, toDingTalkPayload, withKeyword } from '../../shared/notify/dingtalk';
import { Outbox } from '../../shared/notify/outbox';
import { cutUtf8, payloadBytes, splitNotification } from '../../shared/notify/split';

const textOf = (p: DingTalkPayload) => (p.msgtype === 'markdown' ? p.markdown.text : p.actionCard.text);
const titleOf = (p: DingTalkPayload) => (p.msgtype === 'markdown' ? p.markdown.title : p.actionCard.title);

describe('cutUtf8', () => {
  it('keeps a string that fits exactly, and cuts before a character it would split', () => {
    assert.equal(cutUtf8('abc', 3), 'abc');
    assert.equal(cutUtf8('abcd', 3), 'abc');
    assert.equal(cutUtf8('a中', 4), 'a中', '中 is 3 bytes: 4 fit exactly');
    assert.equal(cutUtf8('a中', 3), 'a', 'never half a character');
    assert.equal(cutUtf8('中文', 5), '中');
    assert.equal(cutUtf8('abc', 0), '');
  });
});

describe('splitNotification edges', () => {
  it('one part when the payload is exactly the limit, parts when it is one byte more', () => {
    const n = { title: 't', text: 'x'.repeat(500) };
    const size = payloadBytes(toDingTalkPayload(n));
    assert.equal(splitNotification(n, {}, [], { maxBytes: size }).length, 1);
    assert.ok(splitNotification(n, {}, [], { maxBytes: size - 1 }).length >= 1);
    const long = {
      title: 't',
      text: Array.from({ length: 400 }, (_, i) => `line ${i} ${'y'.repeat(30)}`).join('\n'),
    };
    const exact = payloadBytes(toDingTalkPayload(long));
    assert.deepEqual(splitNotification(long, {}, [], { maxBytes: exact }), [toDingTalkPayload(long)]);
    assert.ok(splitNotification(long, {}, [], { maxBytes: exact - 1 }).length > 1);
  });

  it('numbers the parts, keeps every line in order, fits each, and puts the button on the last part only', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `- 第${i}行 ${'z'.repeat(40)}`);
    const parts = splitNotification(
      {
        title: 'report',
        text: lines.join('\n'),
        action: { title: 'Runbook', url: 'https://example.com/rb' },
      },
      {},
      [],
      { maxBytes: 4_000, maxParts: 20 },
    );
    assert.ok(parts.length > 2);
    parts.forEach((p, i) => {
      assert.ok(payloadBytes(p) <= 4_000);
      assert.equal(titleOf(p), `report (${i + 1}/${parts.length})`);
      assert.equal(p.msgtype, i === parts.length - 1 ? 'actionCard' : 'markdown');
    });
    assert.deepEqual(
      parts.map(textOf).join('\n').split('\n'),
      lines,
      'nothing lost, nothing added, in order',
    );
  });

  it('keeps maxParts parts as they are, and past them trims the rest, counting its bytes', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')} ${'w'.repeat(60)}`);
    const n = { title: 'r', text: lines.join('\n') };
    const all = splitNotification(n, {}, [], { maxBytes: 1_500, maxParts: 100 });
    const k = all.length;
    assert.equal(
      splitNotification(n, {}, [], { maxBytes: 1_500, maxParts: k }).length,
      k,
      'exactly maxParts',
    );
    const trimmed = splitNotification(n, {}, [], { maxBytes: 1_500, maxParts: k - 2 });
    assert.equal(trimmed.length, k - 2);
    const droppedBytes = all
      .slice(k - 3)
      .map((p) => Buffer.byteLength(textOf(p), 'utf8'))
      .reduce((a, b) => a + b, 0);
    const last = textOf(trimmed.at(-1)!);
    const said = Number(/… (\d+) bytes trimmed/.exec(last)?.[1]);
    // The parts joined their lines with "\n", which the count of the dropped chunks does not include.
    assert.ok(said > 0 && said <= droppedBytes && said > droppedBytes - 3 * 60, `${said} of ${droppedBytes}`);
  });

  it('cuts a line longer than a part at character boundaries, losing nothing', () => {
    const line = '长'.repeat(5_000);
    const parts = splitNotification({ title: 'one line', text: line }, {}, [], {
      maxBytes: 3_000,
      maxParts: 50,
    });
    assert.ok(parts.length > 1);
    for (const p of parts) assert.ok(payloadBytes(p) <= 3_000);
    // The pieces of a cut line are set on lines of their own: without the line breaks, it is all there.
    assert.equal(parts.map(textOf).join('').replaceAll('\n', ''), line);
    const ascii = 'q'.repeat(9_001);
    const asciiParts = splitNotification({ title: 'a', text: ascii }, {}, [], {
      maxBytes: 3_000,
      maxParts: 50,
    });
    assert.equal(asciiParts.map(textOf).join('').replaceAll('\n', ''), ascii);
  });
});

describe('payload words', () => {
  it('adds a keyword only when none of them is in the text', () => {
    assert.equal(withKeyword('alert from fleet-dr', ['fleet-dr', 'sre']), 'alert from fleet-dr');
    assert.equal(withKeyword('alert', ['fleet-dr', 'sre']), 'alert\n\n— fleet-dr');
    assert.equal(withKeyword('alert', []), 'alert');
  });

  it('adds a mention line only when there are mobiles to mention', () => {
    assert.equal(textOf(toDingTalkPayload({ title: 't', text: 'body' })), 'body');
    assert.equal(textOf(toDingTalkPayload({ title: 't', text: 'body' }, { atMobiles: [] })), 'body');
    assert.equal(
      textOf(toDingTalkPayload({ title: 't', text: 'body' }, { atMobiles: ['138', '139'] })),
      'body\n\n@138 @139',
    );
  });
});

describe('the flags of an enqueue', () => {
  const memoryFleet = (): KubeClient => {
    const maps = new Map<string, V1ConfigMap>();
    let rv = 0;
    const key = (cm: V1ConfigMap) => `${cm.metadata?.namespace}/${cm.metadata?.name}`;
    const put = (cm: V1ConfigMap) => {
      const s = structuredClone({ ...cm, metadata: { ...cm.metadata, resourceVersion: String(++rv) } });
      maps.set(key(cm), s);
      return structuredClone(s);
    };
    return {
      name: 'memory',
      getConfigMap: async (ns: string, name: string) => structuredClone(maps.get(`${ns}/${name}`)),
      createConfigMap: async (cm: V1ConfigMap) => {
        if (maps.has(key(cm))) throw new KubeApiError(key(cm), 'create', 409, 'AlreadyExists');
        return put(cm);
      },
      replaceConfigMap: async (cm: V1ConfigMap) => {
        if (maps.get(key(cm))?.metadata?.resourceVersion !== cm.metadata?.resourceVersion)
          throw new KubeApiError(key(cm), 'update', 409, 'Conflict');
        return put(cm);
      },
    } as unknown as KubeClient;
  };

  it('says new, coalesced or duplicate, never two at once', async () => {
    const box = new Outbox({
      fleetKube: memoryFleet(),
      namespace: 'fleet-dr',
      robot: { url: 'http://127.0.0.1:9/robot/send', accessToken: 'x' },
      robotId: 'r',
      send: async () => {},
    });
    const a = await box.enqueue({ title: 'a', text: 'A', incidentId: 'i' }, { id: 'r1-1' });
    assert.deepEqual([a.coalesced, a.duplicate], [false, false]);
    const b = await box.enqueue({ title: 'b', text: 'B', incidentId: 'i' }, { id: 'r2-1' });
    assert.deepEqual([b.id, b.coalesced, b.duplicate], [a.id, true, false]);
    const c = await box.enqueue({ title: 'b', text: 'B', incidentId: 'i' }, { id: 'r2-1' });
    assert.deepEqual([c.id, c.coalesced, c.duplicate], ['r2-1', false, true]);
  });
});
