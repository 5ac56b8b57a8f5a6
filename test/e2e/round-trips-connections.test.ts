/**
 * One kept-alive connection pool per Kubernetes API: the second request of a client rides the first one's
 * connection (counted by the sandbox's request ledger, per TLS connection), and a burst is bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type LedgerEntry, requestLedger, sequentialDepth, sequentialLevels } from '../../sandbox/ledger';
import { KUBE_POOL_LIMITS, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';

describe('round trips: one connection pool per Kubernetes API', () => {
  let api: KubeApiServer;
  before(async () => {
    api = await startKubeApiServer({ name: 'pool-test' });
  });
  after(async () => {
    await api?.stop();
  });

  const ours = (mark: number) =>
    requestLedger.since(mark, (e) => e.system === 'kubernetes' && e.server === 'pool-test');

  it('sends the second request over the first one’s TLS connection', async () => {
    assert.ok(api.tlsUrl, 'the stand-in serves TLS (openssl available)');
    const kube = kubeClientFromKubeconfig('pool-test', api.kubeconfig(undefined, { tls: true }));
    try {
      const mark = requestLedger.mark();
      await kube.getConfigMap('default', 'absent-1');
      await kube.listIngresses('default');
      await kube.getConfigMap('default', 'absent-2');
      const seen = ours(mark);
      assert.equal(seen.length, 3);
      assert.ok(
        seen.every((e) => e.tls),
        'over TLS',
      );
      assert.equal(new Set(seen.map((e) => e.connection)).size, 1, 'one connection for all three');
      assert.deepEqual(
        seen.map((e) => e.reused),
        [false, true, true],
      );
      assert.equal(sequentialDepth(seen), 3, 'three requests one after the other are three levels');
    } finally {
      await kube.close?.();
    }
  });

  it('shares the pool between the API groups of one client and bounds a burst', async () => {
    const kube = kubeClientFromKubeconfig('pool-test', api.kubeconfig(undefined, { tls: true }));
    try {
      const mark = requestLedger.mark();
      const burst = 3 * KUBE_POOL_LIMITS.connections;
      await Promise.all(
        Array.from({ length: burst }, (_, i) =>
          i % 2 ? kube.listIngresses('default') : kube.getConfigMap('default', `absent-${i}`),
        ),
      );
      const seen = ours(mark);
      assert.equal(seen.length, burst);
      const conns = new Set(seen.map((e) => e.connection)).size;
      assert.ok(conns <= KUBE_POOL_LIMITS.connections, `${conns} connections for ${burst} requests`);
      assert.equal(seen.filter((e) => !e.reused).length, conns, 'each connection is new once, then reused');
    } finally {
      await kube.close?.();
    }
  });
});

describe('round trips: sequential depth', () => {
  const at = (start: number, end: number | undefined, what: string): LedgerEntry => ({
    seq: start,
    system: 'kubernetes',
    server: 'fleet',
    method: 'GET',
    what,
    userAgent: '',
    start,
    end,
    connection: 1,
    reused: true,
    tls: true,
  });

  it('folds requests whose intervals overlap into one level, chained', () => {
    const levels = sequentialLevels([
      at(0, 10, 'read'),
      at(12, 30, 'probe-a'),
      at(13, 15, 'ack'),
      at(29, 40, 'probe-b'), // overlaps probe-a only: same level
      at(41, 50, 'commit'),
      at(51, 60, 'canary-1'),
      at(52, 61, 'canary-2'),
    ]);
    assert.deepEqual(
      levels.map((l) => l.map((e) => e.what)),
      [['read'], ['probe-a', 'ack', 'probe-b'], ['commit'], ['canary-1', 'canary-2']],
    );
  });

  it('counts a request that starts when another ends as the next level, and an open one as still running', () => {
    assert.equal(sequentialDepth([at(0, 10, 'a'), at(10, 20, 'b')]), 2);
    assert.equal(sequentialDepth([at(0, undefined, 'hung'), at(50, 60, 'later')], 100), 1);
  });
});
