/** Contract: bearer-token authentication (401), scoped authorisation (403 Forbidden) and discovery documents. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, NetworkingV1Api, type V1Ingress, VersionApi } from '@kubernetes/client-node';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { ingressYaml, joinYaml, namespaceYaml } from '../../sandbox/kubernetes/seed';
import { apiError, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';
const body: V1Ingress = {
  metadata: { name: 'n' },
  spec: {
    rules: [
      {
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};

describe('kubernetes stand-in: authentication and authorisation', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startTestServer({
      seedYaml: joinYaml(namespaceYaml(ns), ingressYaml({ name: 'a', namespace: ns, service: 's' })),
      tokens: [
        { token: 'ro-token', scope: 'read-only' },
        { token: 'ing-token', scope: { readWrite: ['ingresses'] } },
      ],
    });
  });
  after(() => server.stop());

  it('401 Unauthorized Status without a token or with an unknown one', async () => {
    const none = await fetch(`${server.url}/api/v1/namespaces`);
    assert.equal(none.status, 401);
    const st = (await none.json()) as { kind: string; reason: string; code: number };
    assert.deepEqual([st.kind, st.reason, st.code], ['Status', 'Unauthorized', 401]);
    const wrong = await apiError(() =>
      kubeConfigFor(server, 'bogus').makeApiClient(CoreV1Api).listNamespace(),
    );
    assert.equal(wrong.code, 401);
    assert.equal(server.requestLog.at(-1)?.status, 401);
  });

  it('a read-only token reads but gets a clean 403 Forbidden on writes', async () => {
    const net = kubeConfigFor(server, 'ro-token').makeApiClient(NetworkingV1Api);
    assert.equal((await net.readNamespacedIngress({ name: 'a', namespace: ns })).metadata?.name, 'a');
    const e = await apiError(() =>
      net.patchNamespacedIngress({
        name: 'a',
        namespace: ns,
        body: [{ op: 'add', path: '/metadata/labels', value: {} }],
      }),
    );
    assert.equal(e.code, 403);
    assert.equal(e.status.reason, 'Forbidden');
    assert.match(e.status.message, /cannot patch resource "ingresses" in API group "networking.k8s.io"/);
    assert.equal(server.requestLog.at(-1)?.token, 'ro-token');
  });

  it('a read-write token for ingresses writes Ingresses only', async () => {
    const kc = kubeConfigFor(server, 'ing-token');
    await kc.makeApiClient(NetworkingV1Api).createNamespacedIngress({ namespace: ns, body });
    const e = await apiError(() =>
      kc
        .makeApiClient(CoreV1Api)
        .createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } }),
    );
    assert.equal(e.code, 403);
  });
});

interface DiscoveryDoc {
  versions: string[];
  groups: Array<{ name: string }>;
  resources: Array<{
    name: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
    verbs: string[];
  }>;
}

describe('kubernetes stand-in: discovery', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());
  const get = async (p: string) => {
    const r = await fetch(`${server.url}${p}`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    assert.equal(r.status, 200, p);
    return (await r.json()) as DiscoveryDoc;
  };

  it('serves /version, /api, /apis and per-group resource lists with verbs, kinds, scope, shortNames', async () => {
    const v = await kubeConfigFor(server).makeApiClient(VersionApi).getCode();
    assert.equal(v.major, '1');
    assert.deepEqual((await get('/api')).versions, ['v1']);
    const groups = (await get('/apis')).groups.map((g) => g.name).sort();
    assert.deepEqual(groups, [
      'apps',
      'argoproj.io',
      'authorization.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'mse.alibabacloud.com',
      'networking.k8s.io',
      'rbac.authorization.k8s.io',
    ]);
    const net = await get('/apis/networking.k8s.io/v1');
    const ing = net.resources.find((r) => r.name === 'ingresses')!;
    assert.equal(ing.kind, 'Ingress');
    assert.equal(ing.namespaced, true);
    assert.deepEqual(ing.shortNames, ['ing']);
    assert.ok(ing.verbs.includes('watch') && ing.verbs.includes('patch'));
    const mse = await get('/apis/mse.alibabacloud.com/v1alpha1');
    assert.ok(mse.resources.some((r) => r.name === 'mseingressconfigs/status'));
    const core = await get('/api/v1');
    for (const n of ['namespaces', 'configmaps', 'secrets', 'events', 'services', 'pods'])
      assert.ok(
        core.resources.some((r) => r.name === n),
        n,
      );
    for (const p of [
      '/apis/apps/v1',
      '/apis/discovery.k8s.io/v1',
      '/apis/coordination.k8s.io/v1',
      '/apis/argoproj.io/v1alpha1',
      '/openapi/v3',
    ])
      await get(p);
    const missing = await fetch(`${server.url}/apis/nope/v1`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(missing.status, 404);
  });
});
