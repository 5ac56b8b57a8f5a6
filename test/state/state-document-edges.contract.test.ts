/**
 * Edges of the state documents that the mutation run found unguarded: a ConfigMap without its `state.json`
 * key reads as the initial value, one whose `state.json` is not JSON is refused and left alone; a replayed
 * nonce writes nothing, expired nonces are pruned; and the cluster event debounce (one check per cluster per
 * window, across instances): the window's boundary, a debounced event writes nothing, the check counter, and windows forgotten after a week.
 * Against the Kubernetes stand-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { ConfigMapDocument } from '../../shared/state/config-map-document';
import { EventDebounceStore } from '../../shared/state/debounce-store';
import { StateCorruptError } from '../../shared/state/errors';
import { NonceStore } from '../../shared/state/nonce-store';
import { FAST, kubeconfigOf } from '../clients/fixture';

const NS = 'fleet-dr';

describe('state document edges', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  const version = (name: string) => server.store.get('v1', 'ConfigMap', NS, name)?.metadata.resourceVersion;
  /** The stored `state.json` of one ConfigMap. */
  const stateJson = (name: string) =>
    (server.store.get('v1', 'ConfigMap', NS, name) as { data?: Record<string, string> } | undefined)?.data?.[
      'state.json'
    ];
  /** Updates of one ConfigMap so far: an update that changes nothing counts too. */
  const writes = (name: string) =>
    server.requestLog.filter(
      (e) => e.method !== 'GET' && e.path.split('?')[0]!.endsWith(`/configmaps/${name}`),
    ).length;
  before(async () => {
    server = await startKubeApiServer({
      name: 'fleet',
      seedYaml: `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NS} }\n`,
    });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), FAST);
  });
  after(async () => server?.stop());

  it('reads a ConfigMap without its state.json key as the initial value, and commits onto it', async () => {
    server.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'no-key', namespace: NS },
      data: { other: 'x' },
    });
    const doc = new ConfigMapDocument(kube, NS, 'no-key', z.strictObject({ n: z.number() }), () => ({
      n: 7,
    }));
    const r = await doc.read();
    assert.deepEqual(r.value, { n: 7 });
    assert.equal(r.resourceVersion, version('no-key'));
    const c = await doc.commit((cur) => ({ n: cur.n + 1 }));
    assert.equal(c.committed, true);
    assert.deepEqual((await doc.read()).value, { n: 8 });
  });

  it('refuses a state.json that is not JSON, naming the ConfigMap, and never overwrites it', async () => {
    server.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'not-json', namespace: NS },
      data: { 'state.json': '{"n": 1' },
    });
    const doc = new ConfigMapDocument(kube, NS, 'not-json', z.strictObject({ n: z.number() }), () => ({
      n: 0,
    }));
    const corrupt = (e: unknown) =>
      e instanceof StateCorruptError &&
      /configmap fleet-dr\/not-json: state.json is not JSON/.test(e.message);
    await assert.rejects(doc.read(), corrupt);
    await assert.rejects(
      doc.commit(() => ({ n: 2 })),
      corrupt,
    );
    assert.equal(stateJson('not-json'), '{"n": 1');
  });

  it('a nonce: a replay writes nothing, expired nonces are pruned, and one is free again at its expiry', async () => {
    let now = 1_000_000;
    const nonces = new NonceStore(kube, NS, 'nonces-edges', () => now);
    const stored = () => JSON.parse(stateJson('nonces-edges') ?? '{}');
    assert.equal(await nonces.use('a', now + 10_000), true);
    assert.equal(await nonces.use('b', now + 20_000), true);
    const w = writes('nonces-edges');
    assert.equal(await nonces.use('a', now + 99_000), false, 'a replay');
    assert.equal(writes('nonces-edges'), w, 'a replay writes nothing');
    assert.deepEqual(stored().used, { a: now + 10_000, b: now + 20_000 }, 'nor moves the expiry');
    now += 10_000; // a expires now: free again, and pruned by the next write
    assert.equal(await nonces.use('c', now + 5_000), true);
    assert.deepEqual(stored().used, { b: 1_020_000, c: now + 5_000 }, 'the expired nonce is pruned');
    now = 1_020_000; // b's expiry: still stored, and free again
    assert.equal(await nonces.use('b', now + 1), true, 'free again at its expiry');
  });

  describe('the cluster event debounce', () => {
    const WINDOW = 60_000;
    let t = Date.parse('2026-01-01T00:00:00Z');
    let n = 0;
    const store = () => new EventDebounceStore(kube, NS, () => t, `debounce-edges-${++n}`);
    const causes = (...ids: string[]) => new Map(ids.map((id) => [id, `node NotReady in ${id}`]));

    it('claims once per window; an event inside it is debounced and writes nothing', async () => {
      const s = store();
      const t0 = t;
      assert.deepEqual(await s.claim(causes('c1'), WINDOW), [
        { clusterId: 'c1', claimed: true, at: t0, checks: 1 },
      ]);
      const v = version(`debounce-edges-${n}`);
      const w = writes(`debounce-edges-${n}`);
      t = t0 + WINDOW - 1;
      assert.deepEqual(await s.claim(causes('c1'), WINDOW), [
        {
          clusterId: 'c1',
          claimed: false,
          lastCheckAt: t0,
          lastCause: 'node NotReady in c1',
          nextCheckAfter: t0 + WINDOW,
        },
      ]);
      assert.equal(version(`debounce-edges-${n}`), v, 'a debounced event changes nothing');
      assert.equal(writes(`debounce-edges-${n}`), w, 'and writes nothing');
      t = t0 + WINDOW;
      assert.deepEqual(await s.claim(causes('c1'), WINDOW), [
        { clusterId: 'c1', claimed: true, at: t0 + WINDOW, checks: 2 },
      ]);
    });

    it('claims each cluster on its own: one debounced, another claimed, in one write', async () => {
      const s = store();
      const t0 = t;
      await s.claim(causes('c1'), WINDOW);
      t = t0 + 1_000;
      const r = await s.claim(causes('c1', 'c2'), WINDOW);
      assert.deepEqual(
        r.map((c) => [c.clusterId, c.claimed]),
        [
          ['c1', false],
          ['c2', true],
        ],
      );
      const w = await s.read();
      assert.equal(w.clusters.c1?.checkedAt, t0);
      assert.equal(w.clusters.c2?.checkedAt, t0 + 1_000);
    });

    it('keeps at most 500 characters of a cause, and forgets windows older than a week', async () => {
      const s = store();
      const t0 = t;
      await s.claim(new Map([['c1', 'x'.repeat(2_000)]]), WINDOW);
      assert.equal((await s.read()).clusters.c1?.cause.length, 500);
      t = t0 + 7 * 24 * 3600_000 - 1;
      await s.claim(causes('c3'), WINDOW);
      assert.deepEqual(
        Object.keys((await s.read()).clusters).sort(),
        ['c1', 'c3'],
        'a window under a week is kept',
      );
      t = t0 + 7 * 24 * 3600_000;
      const r = await s.claim(causes('c2'), WINDOW);
      assert.equal(r[0]?.claimed, true);
      assert.deepEqual(
        Object.keys((await s.read()).clusters).sort(),
        ['c2', 'c3'],
        'the week-old window of c1 is dropped',
      );
      t = t0 + 7 * 24 * 3600_000 + 1;
      const again = await s.claim(causes('c1'), WINDOW);
      assert.deepEqual(
        again[0],
        { clusterId: 'c1', claimed: true, at: t, checks: 1 },
        'counted from 1 again',
      );
    });
  });
});
