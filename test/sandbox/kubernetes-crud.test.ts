/** Contract: CRUD, errors as Status bodies, resourceVersion/generation, selectors, via @kubernetes/client-node. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  type V1Ingress,
} from '@kubernetes/client-node';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { apiError, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';
function ingress(name: string, host = 'demo.example.com'): V1Ingress {
  return {
    metadata: { name, namespace: ns, labels: { app: 'web', tier: name.endsWith('b') ? 'b' : 'a' } },
    spec: {
      ingressClassName: 'mse',
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-demo', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

describe('kubernetes stand-in: CRUD semantics', () => {
  let server: KubeApiServer;
  let net: NetworkingV1Api;
  let core: CoreV1Api;
  before(async () => {
    server = await startTestServer();
    net = kubeConfigFor(server).makeApiClient(NetworkingV1Api);
    core = kubeConfigFor(server).makeApiClient(CoreV1Api);
  });
  after(() => server.stop());

  it('creates, gets, replaces and deletes an Ingress with plausible metadata', async () => {
    const created = await net.createNamespacedIngress({ namespace: ns, body: ingress('crud-a') });
    assert.equal(created.metadata?.generation, 1);
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    const got = await net.readNamespacedIngress({ name: 'crud-a', namespace: ns });
    assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
    got.spec!.rules![0]!.host = 'other.example.com';
    const replaced = await net.replaceNamespacedIngress({ name: 'crud-a', namespace: ns, body: got });
    assert.notEqual(replaced.metadata?.resourceVersion, created.metadata?.resourceVersion);
    assert.equal(replaced.metadata?.generation, 2, 'generation increments on a spec change');
    replaced.metadata!.labels = { ...replaced.metadata!.labels, extra: 'x' };
    const relabelled = await net.replaceNamespacedIngress({ name: 'crud-a', namespace: ns, body: replaced });
    assert.equal(relabelled.metadata?.generation, 2, 'a metadata-only change keeps generation');
    assert.notEqual(relabelled.metadata?.resourceVersion, replaced.metadata?.resourceVersion);
    await net.deleteNamespacedIngress({ name: 'crud-a', namespace: ns });
    const gone = await apiError(() => net.readNamespacedIngress({ name: 'crud-a', namespace: ns }));
    assert.equal(gone.code, 404);
    assert.equal(gone.status.kind, 'Status');
    assert.equal(gone.status.reason, 'NotFound');
  });

  it('answers 409 AlreadyExists, 409 Conflict on a stale resourceVersion, 404 on a missing namespace', async () => {
    const created = await net.createNamespacedIngress({ namespace: ns, body: ingress('dup') });
    const dup = await apiError(() => net.createNamespacedIngress({ namespace: ns, body: ingress('dup') }));
    assert.equal(dup.code, 409);
    assert.equal(dup.status.reason, 'AlreadyExists');
    await net.replaceNamespacedIngress({
      name: 'dup',
      namespace: ns,
      body: { ...created, metadata: { ...created.metadata, labels: { v: '2' } } },
    });
    const stale = await apiError(() =>
      net.replaceNamespacedIngress({ name: 'dup', namespace: ns, body: created }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    assert.equal(stale.status.status, 'Failure');
    const noNs = await apiError(() =>
      net.createNamespacedIngress({
        namespace: 'nope',
        body: { ...ingress('x'), metadata: { name: 'x', namespace: 'nope' } },
      }),
    );
    assert.equal(noNs.code, 404);
  });

  it('answers 422 Invalid with details.causes naming each bad field', async () => {
    const bad = ingress('Bad_Name');
    bad.spec!.rules![0]!.http!.paths[0]!.pathType = 'Sometimes';
    const e = await apiError(() => net.createNamespacedIngress({ namespace: ns, body: bad }));
    assert.equal(e.code, 422);
    assert.equal(e.status.reason, 'Invalid');
    const fields = e.status.details.causes.map((c) => c.field);
    assert.ok(fields.includes('metadata.name'), fields.join());
    assert.ok(fields.includes('spec.rules[0].http.paths[0].pathType'), fields.join());
    const noBackend = ingress('nobackend');
    delete (noBackend.spec!.rules![0]!.http!.paths[0] as { backend?: unknown }).backend;
    const e2 = await apiError(() => net.createNamespacedIngress({ namespace: ns, body: noBackend }));
    assert.equal(e2.code, 422);
    assert.ok(
      e2.status.details.causes.some(
        (c: { field: string }) => c.field === 'spec.rules[0].http.paths[0].backend',
      ),
    );
  });

  it('refuses an update of a custom resource without resourceVersion, as CRD-served types do', async () => {
    const custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    const gvr = { group: 'mse.alibabacloud.com', version: 'v1alpha1', plural: 'mseingressconfigs' };
    const body = {
      apiVersion: 'mse.alibabacloud.com/v1alpha1',
      kind: 'MseIngressConfig',
      metadata: { name: 'no-rv' },
      spec: { name: 'mse-ingress' },
    };
    await custom.createClusterCustomObject({ ...gvr, body });
    const e = await apiError(() => custom.replaceClusterCustomObject({ ...gvr, name: 'no-rv', body }));
    assert.equal(e.code, 422);
    assert.equal(e.status.details.causes[0]?.field, 'metadata.resourceVersion');
    // With its resourceVersion the update lands; the stand-in's controller moves the status on its own
    // timers meanwhile, so a 409 means "re-read and try again", as with a real API server.
    let replaced = false;
    for (let i = 0; i < 10 && !replaced; i++) {
      const cur = (await custom.getClusterCustomObject({ ...gvr, name: 'no-rv' })) as typeof body;
      try {
        await custom.replaceClusterCustomObject({
          ...gvr,
          name: 'no-rv',
          body: { ...body, metadata: cur.metadata },
        });
        replaced = true;
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
    assert.ok(replaced);
  });

  it('lists with label and field selectors and a list resourceVersion', async () => {
    await net.createNamespacedIngress({ namespace: ns, body: ingress('sel-a') });
    await net.createNamespacedIngress({ namespace: ns, body: ingress('sel-b') });
    const all = await net.listNamespacedIngress({ namespace: ns, labelSelector: 'app=web' });
    assert.ok(all.items.length >= 2);
    assert.match(all.metadata?.resourceVersion ?? '', /^\d+$/);
    const b = await net.listNamespacedIngress({ namespace: ns, labelSelector: 'app=web,tier in (b)' });
    assert.deepEqual(
      b.items.map((i) => i.metadata?.name),
      ['sel-b'],
    );
    const notB = await net.listNamespacedIngress({ namespace: ns, labelSelector: 'tier!=b,app' });
    assert.ok(!notB.items.some((i) => i.metadata?.name === 'sel-b'));
    const byName = await net.listIngressForAllNamespaces({ fieldSelector: 'metadata.name=sel-a' });
    assert.deepEqual(
      byName.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`),
      ['web-demo/sel-a'],
    );
    const byNs = await net.listIngressForAllNamespaces({ fieldSelector: 'metadata.namespace=other' });
    assert.equal(byNs.items.length, 0);
    const bad = await apiError(() => net.listNamespacedIngress({ namespace: ns, labelSelector: 'a in (' }));
    assert.equal(bad.code, 400);
  });

  it('exactly one of two clients updating one Ingress from the same resourceVersion gets 409', async () => {
    await net.createNamespacedIngress({ namespace: ns, body: ingress('race') });
    const a = kubeConfigFor(server).makeApiClient(NetworkingV1Api);
    const b = kubeConfigFor(server).makeApiClient(NetworkingV1Api);
    const [ra, rb] = await Promise.all([
      a.readNamespacedIngress({ name: 'race', namespace: ns }),
      b.readNamespacedIngress({ name: 'race', namespace: ns }),
    ]);
    assert.equal(ra.metadata?.resourceVersion, rb.metadata?.resourceVersion);
    ra.metadata!.annotations = { writer: 'a' };
    rb.metadata!.annotations = { writer: 'b' };
    const before409 = server.requestLog.filter((r) => r.status === 409).length;
    const results = await Promise.allSettled([
      a.replaceNamespacedIngress({ name: 'race', namespace: ns, body: ra }),
      b.replaceNamespacedIngress({ name: 'race', namespace: ns, body: rb }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(ok.length, 1);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.reason.code, 409);
    assert.equal(JSON.parse(failed[0]!.reason.body).reason, 'Conflict');
    assert.equal(server.requestLog.filter((r) => r.status === 409).length - before409, 1);
    const winner = (ok[0] as PromiseFulfilledResult<V1Ingress>).value.metadata?.annotations?.writer;
    const final = await net.readNamespacedIngress({ name: 'race', namespace: ns });
    assert.equal(final.metadata?.annotations?.writer, winner);
  });

  it('a write that changes nothing keeps the resourceVersion; deletecollection honours selectors', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'noop', labels: { batch: 'x' } }, data: { a: '1' } },
    });
    const same = await core.replaceNamespacedConfigMap({ name: 'noop', namespace: ns, body: cm });
    assert.equal(same.metadata?.resourceVersion, cm.metadata?.resourceVersion);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'noop2', labels: { batch: 'x' } } },
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'keep' } } });
    await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'batch=x' });
    const left = (await core.listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata?.name);
    assert.ok(left.includes('keep') && !left.includes('noop') && !left.includes('noop2'));
  });

  it('serves Lease, EndpointSlice and IngressClass', async () => {
    const kc = kubeConfigFor(server);
    const leases = kc.makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'fleet-dr' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    lease.spec!.holderIdentity = 'b';
    await leases.replaceNamespacedLease({ name: 'fleet-dr', namespace: ns, body: lease });
    const stale = await apiError(() =>
      leases.replaceNamespacedLease({ name: 'fleet-dr', namespace: ns, body: lease }),
    );
    assert.equal(stale.code, 409, 'a Lease taken from a stale read is refused: the basis of leader election');
    const badLease = await apiError(() =>
      leases.createNamespacedLease({
        namespace: ns,
        body: { metadata: { name: 'l2' }, spec: { leaseDurationSeconds: 0 } },
      }),
    );
    assert.equal(badLease.code, 422);
    const eps = kc.makeApiClient(DiscoveryV1Api);
    await eps.createNamespacedEndpointSlice({
      namespace: ns,
      body: {
        metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
      },
    });
    const slices = await eps.listNamespacedEndpointSlice({
      namespace: ns,
      labelSelector: 'kubernetes.io/service-name=web',
    });
    assert.equal(slices.items[0]?.endpoints?.[0]?.addresses[0], '10.0.0.1');
    await net.createIngressClass({
      body: { metadata: { name: 'mse' }, spec: { controller: 'mse.alibabacloud.com/ingress' } },
    });
    assert.equal(
      (await net.readIngressClass({ name: 'mse' })).spec?.controller,
      'mse.alibabacloud.com/ingress',
    );
  });

  it('serves ConfigMap, Secret, Event, Service and Pod in the core group and Namespaces at cluster scope', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'cm' }, data: { k: 'v' } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 's' }, stringData: { k: 'v' } },
    });
    await core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { generateName: 'ev-' },
        involvedObject: { name: 'x' },
        reason: 'Test',
        message: 'm',
      },
    });
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } },
    });
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'p', labels: { 'topology.istio.io/cluster': 'c1' } },
        spec: { containers: [{ name: 'c', image: 'x' }] },
      },
    });
    assert.equal((await core.readNamespacedConfigMap({ name: 'cm', namespace: ns })).data?.k, 'v');
    const evs = await core.listNamespacedEvent({ namespace: ns });
    assert.match(evs.items[0]?.metadata?.name ?? '', /^ev-/);
    const pods = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: 'topology.istio.io/cluster=c1',
    });
    assert.equal(pods.items.length, 1);
    const nsList = await core.listNamespace();
    assert.ok(nsList.items.some((n) => n.metadata?.name === 'web-demo'));
    const badPort = await apiError(() =>
      core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'svc2' }, spec: { ports: [{ port: 70000 }] } },
      }),
    );
    assert.equal(badPort.code, 422);
  });
});
