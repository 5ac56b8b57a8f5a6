/** The nonce store on the Fleet (Kubernetes stand-in): racing uses of one nonce, and its bound. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { NonceStore, NonceStoreFullError } from '../../shared/state/nonce-store';
import { FAST, kubeconfigOf } from '../clients/fixture';

describe('nonce store', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  before(async () => {
    server = await startKubeApiServer({
      name: 'fleet',
      seedYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: fleet-dr }\n',
    });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), { ...FAST, timeoutMs: 10_000 });
  });
  after(async () => server?.stop());

  it('accepts one of six racing uses of the same nonce, from separate store instances', async () => {
    const t = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        new NonceStore(kube, 'fleet-dr', 'race-nonces').use('k/n-race', t + 60_000),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
  });

  it('refuses new nonces when full of unexpired ones, and accepts again once they expire', async () => {
    let t = 5_000_000;
    const store = new NonceStore(kube, 'fleet-dr', 'small-nonces', () => t, 3);
    for (const n of ['a', 'b', 'c']) assert.equal(await store.use(n, t + 1_000), true);
    await assert.rejects(store.use('d', t + 1_000), NonceStoreFullError);
    assert.equal(await store.use('a', t + 1_000), false, 'a replay is still a replay when full');
    t += 1_001;
    assert.equal(await store.use('d', t + 1_000), true, 'expired nonces were pruned');
  });
});
