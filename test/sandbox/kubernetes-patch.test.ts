/** Contract: JSON patch, JSON merge patch and strategic merge patch as @kubernetes/client-node sends them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { applyJsonPatch, applyMergePatch } from '../../sandbox/kubernetes/json-patch';
import {
  deploymentYaml,
  ingressYaml,
  joinYaml,
  mseIngressConfigYaml,
  namespaceYaml,
} from '../../sandbox/kubernetes/seed';
import { strategicMerge } from '../../sandbox/kubernetes/strategic-merge';
import { apiError, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

describe('patch algorithms (unit)', () => {
  it('JSON patch: add/remove/replace/move/copy/test with pointer escapes and "-"', () => {
    const doc = { a: { 'x/y': 1, 'm~n': 2 }, l: [1, 2] };
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/l/-', value: 3 },
      { op: 'add', path: '/l/0', value: 0 },
      { op: 'replace', path: '/a/x~1y', value: 10 },
      { op: 'remove', path: '/a/m~0n' },
      { op: 'copy', from: '/l/3', path: '/c' },
      { op: 'move', from: '/c', path: '/d' },
      { op: 'test', path: '/d', value: 3 },
    ]);
    assert.deepEqual(out, { a: { 'x/y': 10 }, l: [0, 1, 2, 3], d: 3 });
    assert.deepEqual(doc.l, [1, 2], 'input untouched');
    assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/l/0', value: 9 }]), /testing value/);
    assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }]), /does not exist/);
    assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/l/5', value: 1 }]), /out of range/);
  });

  it('JSON merge patch: null deletes, objects merge, arrays replace', () => {
    assert.deepEqual(
      applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { a: null, b: { c: null, e: 4 }, l: [2] }),
      { b: { d: 3, e: 4 }, l: [2] },
    );
  });

  it('strategic merge: lists of maps merge by name, $patch delete/replace, $setElementOrder, $retainKeys', () => {
    const base = {
      spec: {
        containers: [
          { name: 'a', image: '1' },
          { name: 'b', image: '1' },
        ],
        tolerations: [{ key: 'x' }],
      },
    };
    const out = strategicMerge(base, {
      spec: {
        '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
        containers: [
          { name: 'a', image: '2' },
          { name: 'b', $patch: 'delete' },
          { name: 'c', image: '3' },
        ],
        tolerations: [{ key: 'y' }],
      },
    }) as { spec: { containers: unknown[]; tolerations: unknown[] } };
    assert.deepEqual(out.spec.containers, [
      { name: 'c', image: '3' },
      { name: 'a', image: '2' },
    ]);
    assert.deepEqual(out.spec.tolerations, [{ key: 'y' }], 'lists without a merge key are replaced');
    assert.deepEqual(strategicMerge({ m: { a: 1, b: 2 } }, { m: { $patch: 'replace', c: 3 } }), {
      m: { c: 3 },
    });
    assert.deepEqual(strategicMerge({ m: { a: 1, b: 2 }, k: 1 }, { m: { $retainKeys: ['b', 'c'], c: 3 } }), {
      m: { b: 2, c: 3 },
      k: 1,
    });
    assert.deepEqual(strategicMerge({ f: ['x', 'y'] }, { '$deleteFromPrimitiveList/f': ['x'] }), {
      f: ['y'],
    });
  });
});

describe('kubernetes stand-in: PATCH over HTTP', () => {
  let server: KubeApiServer;
  let net: NetworkingV1Api;
  before(async () => {
    server = await startTestServer({
      seedYaml: joinYaml(
        namespaceYaml(ns),
        ingressYaml({
          name: 'p',
          namespace: ns,
          service: 'web-demo',
          annotations: { keep: 'yes', drop: 'me' },
        }),
        deploymentYaml({ name: 'web', namespace: ns, replicas: 2 }),
        mseIngressConfigYaml({ name: 'gw', clusters: ['c1', 'c2'], status: 'Listening' }),
      ),
    });
    net = kubeConfigFor(server).makeApiClient(NetworkingV1Api);
  });
  after(() => server.stop());

  it('JSON patch is the client default and honours test ops (422 when they fail)', async () => {
    const out = await net.patchNamespacedIngress({
      name: 'p',
      namespace: ns,
      body: [
        { op: 'add', path: '/metadata/annotations/nginx.ingress.kubernetes.io~1canary-weight', value: '20' },
      ],
    });
    assert.equal(out.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'], '20');
    const failed = await apiError(() =>
      net.patchNamespacedIngress({
        name: 'p',
        namespace: ns,
        body: [{ op: 'test', path: '/metadata/annotations/keep', value: 'no' }],
      }),
    );
    assert.equal(failed.code, 422);
  });

  it('JSON merge patch deletes with null and checks a resourceVersion precondition (409)', async () => {
    const cur = await net.readNamespacedIngress({ name: 'p', namespace: ns });
    const out = await net.patchNamespacedIngress(
      { name: 'p', namespace: ns, body: { metadata: { annotations: { drop: null, added: 'x' } } } },
      merge,
    );
    assert.equal(out.metadata?.annotations?.drop, undefined);
    assert.equal(out.metadata?.annotations?.keep, 'yes');
    assert.equal(out.metadata?.annotations?.added, 'x');
    const stale = await apiError(() =>
      net.patchNamespacedIngress(
        {
          name: 'p',
          namespace: ns,
          body: { metadata: { resourceVersion: cur.metadata?.resourceVersion, labels: { a: 'b' } } },
        },
        merge,
      ),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
  });

  it('strategic merge patch merges containers by name; CRDs refuse it with 415 like the real server', async () => {
    const apps = kubeConfigFor(server).makeApiClient(AppsV1Api);
    const out = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'web', image: 'nginx:1.28' },
                  { name: 'sidecar', image: 'envoy' },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    const cs = out.spec?.template.spec?.containers ?? [];
    assert.deepEqual(
      cs.map((c) => [c.name, c.image]),
      [
        ['web', 'nginx:1.28'],
        ['sidecar', 'envoy'],
      ],
    );
    assert.equal(cs[0]?.ports?.[0]?.containerPort, 80, 'fields of the merged item are kept');
    const custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    const refused = await apiError(() =>
      custom.patchClusterCustomObject(
        {
          group: 'mse.alibabacloud.com',
          version: 'v1alpha1',
          plural: 'mseingressconfigs',
          name: 'gw',
          body: { metadata: { labels: { a: 'b' } } },
        },
        strategic,
      ),
    );
    assert.equal(refused.code, 415);
    const ok = (await custom.patchClusterCustomObject(
      {
        group: 'mse.alibabacloud.com',
        version: 'v1alpha1',
        plural: 'mseingressconfigs',
        name: 'gw',
        body: { metadata: { annotations: { 'mse.alibabacloud.com/remote-clusters': 'c1' } } },
      },
      merge,
    )) as { metadata: { annotations: Record<string, string> } };
    assert.equal(ok.metadata.annotations['mse.alibabacloud.com/remote-clusters'], 'c1');
  });

  it('a patch on a missing object is 404 and an unknown patch type is 415', async () => {
    const missing = await apiError(() =>
      net.patchNamespacedIngress({ name: 'nope', namespace: ns, body: { metadata: {} } }, merge),
    );
    assert.equal(missing.code, 404);
    const res = await fetch(`${server.url}/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/p`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(res.status, 415);
  });
});
