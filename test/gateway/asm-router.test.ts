// The ASM router over an in-memory DestinationRule store that enforces resourceVersion like a Kubernetes API
// (a replace on a stale version is a 409), to force conflicts exactly; asm-router.contract.test.ts runs the router
// against the ASM control-plane stand-in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetConflictError, KubeApiError, WeightsError } from '../../shared/clients/errors';
import type { KubeJson } from '../../shared/clients/kube-client';
import type { DestinationRuleClient } from '../../shared/clients/servicemesh-client';
import type { Route } from '../../shared/config';
import { DestinationRuleError } from '../../shared/gateway/asm-distribute';
import { ASM_KEYS, AsmRouter } from '../../shared/gateway/asm-router';

const AZ1 = 'cn-hangzhou/cn-hangzhou-h';
const AZ2 = 'cn-hangzhou/cn-hangzhou-i';
const clusters = [
  { id: 'a', locality: AZ1 },
  { id: 'b', locality: AZ2 },
];
const route: Route = {
  name: 'web-demo',
  namespace: 'web-demo',
  ingress: 'web-demo',
  service: 'web-demo',
  servicePort: 80,
  baselineWeights: { a: 50, b: 50 },
  router: 'asm',
};
const outlierDetection = { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' };

/** An in-memory rule store; `interfere` runs once between the next read and write (another writer). */
function store(spec: Record<string, unknown> | undefined) {
  const objects = new Map<string, KubeJson>();
  let rv = 1;
  if (spec)
    objects.set('web-demo/web-demo', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'web-demo', namespace: 'web-demo', resourceVersion: String(rv) },
      spec,
    });
  const s = {
    writes: 0,
    conflictsLeft: 0,
    objects,
    rules: {
      get: async (ns, n) => structuredClone(objects.get(`${ns}/${n}`)),
      replace: async (obj) => {
        const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
        const cur = objects.get(key);
        if (s.conflictsLeft > 0) {
          s.conflictsLeft--;
          // Another writer got there first.
          cur!.metadata!.resourceVersion = String(++rv);
        }
        if (cur?.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
          throw new KubeApiError(`destinationrule ${key}`, 'update', 409, 'Conflict');
        s.writes++;
        const next = structuredClone({
          ...obj,
          metadata: { ...obj.metadata, resourceVersion: String(++rv) },
        });
        objects.set(key, next);
        return next;
      },
    } satisfies DestinationRuleClient,
  };
  return s;
}

const router = (s: ReturnType<typeof store>) => new AsmRouter({ rules: s.rules, clusters, routes: [route] });
const distributeOf = (s: ReturnType<typeof store>) =>
  // biome-ignore lint/suspicious/noExplicitAny: reading the stored plain JSON
  (s.objects.get('web-demo/web-demo')?.spec as any)?.trafficPolicy?.loadBalancer?.localityLbSetting;

describe('ASM router (in-memory DestinationRules)', () => {
  it('writes the weights as distribute for both localities, keeping outlier detection, once', async () => {
    const s = store({ host: 'web-demo', trafficPolicy: { outlierDetection } });
    const r = router(s);
    assert.equal(await r.readWeights(route), undefined, 'not steered yet');
    await r.setWeights(route, { a: 0, b: 100 }, { revision: 3 });
    assert.deepEqual(distributeOf(s), {
      enabled: true,
      distribute: [
        { from: `${AZ1}/*`, to: { [`${AZ2}/*`]: 100 } },
        { from: `${AZ2}/*`, to: { [`${AZ2}/*`]: 100 } },
      ],
    });
    const stored = s.objects.get('web-demo/web-demo')?.spec as {
      trafficPolicy?: { outlierDetection?: unknown };
    };
    assert.deepEqual(stored.trafficPolicy?.outlierDetection, outlierDetection);
    assert.equal(s.objects.get('web-demo/web-demo')?.metadata?.annotations?.[ASM_KEYS.revision], '3');
    assert.deepEqual(await r.readWeights(route), { a: 0, b: 100 });
    await r.setWeights(route, { a: 0, b: 100 }, { revision: 3 });
    assert.equal(s.writes, 1, 'the same weights again write nothing');
  });

  it('re-reads after a 409 and writes on the new resourceVersion; gives up after maxAttempts', async () => {
    const s = store({ trafficPolicy: { outlierDetection } });
    s.conflictsLeft = 1;
    await router(s).setWeights(route, { a: 30, b: 70 });
    assert.equal(s.writes, 1);
    assert.deepEqual(await router(s).readWeights(route), { a: 30, b: 70 });
    s.conflictsLeft = 99;
    await assert.rejects(
      new AsmRouter({ rules: s.rules, clusters, routes: [route], maxAttempts: 2 }).setWeights(route, {
        a: 100,
      }),
      FleetConflictError,
    );
  });

  it('leaves a rule written for a newer revision alone', async () => {
    const s = store({ trafficPolicy: { outlierDetection } });
    await router(s).setWeights(route, { a: 0, b: 100 }, { revision: 5 });
    await router(s).setWeights(route, { a: 100, b: 0 }, { revision: 4 });
    assert.deepEqual(await router(s).readWeights(route), { a: 0, b: 100 });
  });

  it('refuses a rule without outlierDetection, with failover, or absent, writing nothing', async () => {
    for (const spec of [
      { host: 'web-demo' },
      {
        trafficPolicy: {
          outlierDetection,
          loadBalancer: { localityLbSetting: { failover: [{ from: 'cn-hangzhou', to: 'cn-shanghai' }] } },
        },
      },
      undefined,
    ]) {
      const s = store(spec);
      await assert.rejects(router(s).setWeights(route, { a: 50, b: 50 }), DestinationRuleError);
      assert.equal(s.writes, 0);
    }
  });

  it('fences a cluster as weight 0 for its locality and re-admits it at its committed weight', async () => {
    const s = store({ trafficPolicy: { outlierDetection } });
    const r = router(s);
    await r.setWeights(route, { a: 30, b: 70 });
    await r.fence('a');
    assert.deepEqual(distributeOf(s).distribute[0].to, { [`${AZ2}/*`]: 100 });
    assert.deepEqual(await r.members(), ['b']);
    assert.deepEqual(await r.readWeights(route), { a: 30, b: 70 }, 'the committed weights');
    await r.fence('a');
    const writes = s.writes;
    await r.readmit('a');
    assert.equal(s.writes, writes + 1);
    assert.deepEqual(distributeOf(s).distribute[1].to, { [`${AZ1}/*`]: 30, [`${AZ2}/*`]: 70 });
    assert.deepEqual(await r.members(), ['a', 'b']);
    await assert.rejects(r.fence('zz'), /unknown cluster zz/);
  });

  it('refuses to fence the only cluster with traffic', async () => {
    const s = store({ trafficPolicy: { outlierDetection } });
    await router(s).setWeights(route, { a: 100, b: 0 });
    await assert.rejects(router(s).fence('a'), WeightsError);
  });

  it('reads a foreign edit of distribute as the rule routes', async () => {
    const s = store({ trafficPolicy: { outlierDetection } });
    await router(s).setWeights(route, { a: 50, b: 50 });
    const lb = distributeOf(s);
    for (const e of lb.distribute) e.to = { [`${AZ1}/*`]: 90, [`${AZ2}/*`]: 10 };
    assert.deepEqual(await router(s).readWeights(route), { a: 90, b: 10 });
    lb.distribute[0].to = { [`${AZ1}/*`]: 100 };
    assert.equal(await router(s).readWeights(route), undefined, 'differs per source: not fleet-dr shape');
  });
});
