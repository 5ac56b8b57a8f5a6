/**
 * Contract: the ASM control plane stand-in serves networking.istio.io/v1 DestinationRule with Istio's
 * validating webhook, over real HTTP with the official Kubernetes client; the Fleet and members do not serve it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { type MeshControlPlane, startMeshControlPlane } from '../../sandbox/mesh/control-plane';
import { apiError, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const gvr = { group: 'networking.istio.io', version: 'v1', plural: 'destinationrules' };
const ns = 'web-demo';

function rule(name: string, localityLbSetting: Record<string, unknown>) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace: ns },
    spec: {
      host: 'web-demo.web-demo.svc.cluster.local',
      trafficPolicy: {
        loadBalancer: { localityLbSetting },
        outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' },
      },
    },
  };
}

const distribute = {
  distribute: [
    { from: 'cn-hangzhou/cn-hangzhou-h/*', to: { 'cn-hangzhou/cn-hangzhou-i/*': 100 } },
    {
      from: 'cn-hangzhou/cn-hangzhou-i/*',
      to: { 'cn-hangzhou/cn-hangzhou-h/*': 30, 'cn-hangzhou/cn-hangzhou-i/*': 70 },
    },
  ],
};

describe('mesh control plane: DestinationRule and the Istio webhook', () => {
  let cp: MeshControlPlane;
  let custom: CustomObjectsApi;

  before(async () => {
    cp = await startMeshControlPlane();
    const kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfig());
    custom = kc.makeApiClient(CustomObjectsApi);
  });
  after(() => cp?.stop());

  const stored = async () =>
    ((await custom.listNamespacedCustomObject({ ...gvr, namespace: ns })) as { items: unknown[] }).items;

  it('refuses a rule with both failover and distribute as a webhook denial, and stores nothing', async () => {
    const both = rule('both', {
      ...distribute,
      failover: [{ from: 'cn-hangzhou', to: 'cn-shanghai' }],
    });
    const e = await apiError(() =>
      custom.createNamespacedCustomObject({ ...gvr, namespace: ns, body: both }),
    );
    assert.equal(e.code, 400);
    assert.equal(e.status.status, 'Failure');
    assert.equal(
      e.status.message,
      'admission webhook "validation.istio.io" denied the request: configuration is invalid: ' +
        "can not simultaneously specify 'distribute' and 'failover'",
    );
    assert.deepEqual(await stored(), []);
  });

  it('refuses distribute weights that do not total 100 or leave [1, 100]', async () => {
    const short = rule('short', { distribute: [{ from: 'cn-hangzhou/*', to: { 'cn-hangzhou/a': 60 } }] });
    const e = await apiError(() =>
      custom.createNamespacedCustomObject({ ...gvr, namespace: ns, body: short }),
    );
    assert.equal(e.code, 400);
    assert.match(
      e.status.message,
      /denied the request: configuration is invalid: total locality weight 60 != 100$/,
    );
    const zero = rule('zero', {
      distribute: [{ from: 'cn-hangzhou/*', to: { 'cn-hangzhou/a': 0, 'cn-hangzhou/b': 100 } }],
    });
    const e2 = await apiError(() =>
      custom.createNamespacedCustomObject({ ...gvr, namespace: ns, body: zero }),
    );
    assert.match(e2.status.message, /locality weight must be in range \[1, 100\]$/);
    const wild = rule('wild', { distribute: [{ from: '*/zone', to: { 'cn-hangzhou/a': 100 } }] });
    const e3 = await apiError(() =>
      custom.createNamespacedCustomObject({ ...gvr, namespace: ns, body: wild }),
    );
    assert.match(e3.status.message, /wildcard '\*' number can not exceed 1 and must be in the end$/);
    assert.deepEqual(await stored(), []);
  });

  it('stores a valid rule; an update keeps resourceVersion semantics; a patch is validated too', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...gvr,
      namespace: ns,
      body: rule('web-demo', distribute),
    })) as ReturnType<typeof rule> & { metadata: { resourceVersion: string } };
    assert.match(created.metadata.resourceVersion, /^\d+$/);
    // A custom resource: an update without resourceVersion is refused (422), a stale one conflicts (409).
    const noRv = rule('web-demo', distribute);
    const e = await apiError(() =>
      custom.replaceNamespacedCustomObject({ ...gvr, namespace: ns, name: 'web-demo', body: noRv }),
    );
    assert.equal(e.code, 422);
    assert.equal(e.status.details.causes[0]?.field, 'metadata.resourceVersion');
    // A real change (an identical write would be a no-op that keeps the resourceVersion).
    const fresh = structuredClone(noRv) as typeof noRv & { metadata: { resourceVersion?: string } };
    fresh.metadata.resourceVersion = created.metadata.resourceVersion;
    fresh.spec.trafficPolicy.outlierDetection.consecutive5xxErrors = 2;
    await custom.replaceNamespacedCustomObject({ ...gvr, namespace: ns, name: 'web-demo', body: fresh });
    const stale = await apiError(() =>
      custom.replaceNamespacedCustomObject({ ...gvr, namespace: ns, name: 'web-demo', body: fresh }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    // A merge patch that adds failover beside distribute is denied after the merge; the rule is unchanged.
    const before = (await stored())[0];
    const patch = {
      spec: {
        trafficPolicy: { loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } } },
      },
    };
    const p = await apiError(() =>
      custom.patchNamespacedCustomObject(
        { ...gvr, namespace: ns, name: 'web-demo', body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    assert.equal(p.code, 400);
    assert.match(p.status.message, /can not simultaneously specify 'distribute' and 'failover'/);
    assert.deepEqual((await stored())[0], before);
  });

  it('is served only by the control plane: discovery lists networking.istio.io there and nowhere else', async () => {
    const get = async (url: string, token: string) =>
      fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const groups = async (s: KubeApiServer) =>
      (
        (await (await get(`${s.url}/apis`, s.adminToken)).json()) as { groups: Array<{ name: string }> }
      ).groups.map((g) => g.name);
    assert.ok((await groups(cp.api)).includes('networking.istio.io'));
    const list = (await (
      await get(`${cp.api.url}/apis/networking.istio.io/v1`, cp.api.adminToken)
    ).json()) as {
      resources: Array<{ name: string; kind: string; namespaced: boolean; shortNames?: string[] }>;
    };
    const dr = list.resources.find((r) => r.name === 'destinationrules');
    assert.deepEqual(
      { kind: dr?.kind, namespaced: dr?.namespaced, shortNames: dr?.shortNames },
      { kind: 'DestinationRule', namespaced: true, shortNames: ['dr'] },
    );
    const fleetLike = await startTestServer();
    try {
      assert.ok(!(await groups(fleetLike)).includes('networking.istio.io'));
      const res = await get(
        `${fleetLike.url}/apis/networking.istio.io/v1/namespaces/${ns}/destinationrules`,
        fleetLike.adminToken,
      );
      assert.equal(res.status, 404);
      const c = kubeConfigFor(fleetLike).makeApiClient(CustomObjectsApi);
      const e = await apiError(() => c.listNamespacedCustomObject({ ...gvr, namespace: ns }));
      assert.equal(e.code, 404);
    } finally {
      await fleetLike.stop();
    }
  });
});
