/**
 * The debounce windows on the Fleet (shared/state/debounce-store.ts) against the Kubernetes stand-in: claims
 * racing for one window give one check, a claim after the window gets the next one, and several clusters are
 * claimed in one write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startKubeApiServer } from '../../sandbox/kubernetes/index';
import type { KubeApiServer } from '../../sandbox/kubernetes/types';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { DEBOUNCE_CONFIGMAP, EventDebounceStore } from '../../shared/state/debounce-store';

const NS = 'fleet-dr';

describe('cluster-event debounce windows on the Fleet', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  let clock = 1_800_000_000_000;
  const store = () => new EventDebounceStore(kube, NS, () => clock);
  before(async () => {
    server = await startKubeApiServer({
      name: 'fleet',
      seedYaml: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
    });
    kube = kubeClientFromKubeconfig('fleet', server.kubeconfig(undefined, { tls: true }));
  });
  after(() => server?.stop());

  it('of 12 claims racing for one window (each its own instance), exactly one gets the check', async () => {
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store().claim(new Map([['c-a', `event ${i}`]]), 60_000)),
    );
    const won = claims.flat().filter((c) => c.claimed);
    assert.equal(won.length, 1);
    for (const c of claims.flat())
      if (!c.claimed) {
        assert.equal(c.lastCheckAt, clock);
        assert.equal(c.nextCheckAfter, clock + 60_000);
      }
    assert.deepEqual((await store().read()).clusters['c-a']?.checks, 1);
  });

  it('debounces within the window and claims the next check after it', async () => {
    clock += 59_999;
    const [inside] = await store().claim(new Map([['c-a', 'late']]), 60_000);
    assert.equal(inside?.claimed, false);
    clock += 1;
    const [next] = await store().claim(new Map([['c-a', 'next window']]), 60_000);
    assert.deepEqual(next, { clusterId: 'c-a', claimed: true, at: clock, checks: 2 });
    const w = (await store().read()).clusters['c-a'];
    assert.deepEqual(w, { checkedAt: clock, cause: 'next window', checks: 2 });
  });

  it('claims several clusters in one conditional write, each with its own window', async () => {
    const writes = () =>
      server.requestLog.filter(
        (r) => r.method === 'PUT' && r.path.endsWith(`/configmaps/${DEBOUNCE_CONFIGMAP}`),
      ).length;
    const before = writes();
    const claims = await store().claim(
      new Map([
        ['c-a', 'storm'],
        ['c-b', 'storm'],
      ]),
      60_000,
    );
    assert.deepEqual(
      claims.map((c) => [c.clusterId, c.claimed]),
      [
        ['c-a', false],
        ['c-b', true],
      ],
    );
    assert.equal(writes() - before, 1, 'one write for the claim');
    const quiet = await store().claim(new Map([['c-b', 'again']]), 60_000);
    assert.equal(quiet[0]?.claimed, false);
    assert.equal(writes() - before, 1, 'a debounced event writes nothing');
  });
});
