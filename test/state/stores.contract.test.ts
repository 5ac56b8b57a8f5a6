import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { FleetConflictError } from '../../shared/clients/errors';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { ConfigMapDocument } from '../../shared/state/config-map-document';
import { StateCorruptError } from '../../shared/state/errors';
import { NonceStore } from '../../shared/state/nonce-store';
import { FAST, kubeconfigOf } from '../clients/fixture';

describe('state documents on the Fleet', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  before(async () => {
    server = await startKubeApiServer({
      name: 'fleet',
      seedYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: fleet-dr }\n',
    });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), FAST);
  });
  after(async () => server?.stop());

  const Counter = z.strictObject({ n: z.number().int() });

  it('creates on first commit, then writes conditionally; concurrent increments all land', async () => {
    const doc = new ConfigMapDocument(kube, 'fleet-dr', 'counter', Counter, () => ({ n: 0 }));
    assert.deepEqual((await doc.read()).value, { n: 0 });
    await Promise.all(
      Array.from({ length: 8 }, () => doc.commit((c) => ({ n: c.n + 1 }), { maxAttempts: 20 })),
    );
    assert.equal((await doc.read()).value.n, 8);
    assert.ok(
      server.requestLog.some((e) => e.status === 409),
      'the racing increments met 409s and re-read',
    );
  });

  it('gives up with FleetConflictError after its attempts', async () => {
    const doc = new ConfigMapDocument(kube, 'fleet-dr', 'counter', Counter, () => ({ n: 0 }));
    let spoil = 0;
    await assert.rejects(
      doc.commit((c) => ({ n: c.n + 1 }), {
        maxAttempts: 2,
        afterRead: () => {
          // Someone else writes between every read and write.
          const cm = server.store.get('v1', 'ConfigMap', 'fleet-dr', 'counter')!;
          server.store.upsert({ ...cm, data: { 'state.json': JSON.stringify({ n: 100 + spoil++ }) } });
        },
      }),
      FleetConflictError,
    );
  });

  it('refuses a corrupt document instead of overwriting it', async () => {
    server.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bad', namespace: 'fleet-dr' },
      data: { 'state.json': '{"n":"x"}' },
    });
    const doc = new ConfigMapDocument(kube, 'fleet-dr', 'bad', Counter, () => ({ n: 0 }));
    await assert.rejects(doc.read(), StateCorruptError);
  });

  it('accepts a nonce once until it expires', async () => {
    let t = 1_000_000;
    const nonces = new NonceStore(kube, 'fleet-dr', 'fleet-dr-nonces', () => t);
    assert.equal(await nonces.use('n1', t + 60_000), true);
    assert.equal(await nonces.use('n1', t + 60_000), false);
    t += 61_000;
    assert.equal(await nonces.use('n1', t + 60_000), true, 'expired nonces are pruned');
  });
});
