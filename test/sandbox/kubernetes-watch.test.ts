/** Contract: watch over HTTP (initial ADDED, resume from a resourceVersion, bookmarks, 410 Expired) and store.watch. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeInformer, NetworkingV1Api, type V1Ingress, Watch } from '@kubernetes/client-node';
import type { KubeApiServer, KubeObject } from '../../sandbox/kubernetes/index';
import { ingressYaml, joinYaml, namespaceYaml } from '../../sandbox/kubernetes/seed';
import { eventually, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';
const path = `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`;
type Ev = { type: string; name?: string; rv?: string; obj: WatchedObject };
type WatchedObject = {
  metadata?: { name?: string; resourceVersion?: string };
  code?: number;
  reason?: string;
};

async function watchInto(
  server: KubeApiServer,
  query: Record<string, string | boolean>,
  out: Ev[],
  p = path,
) {
  const done: { err?: unknown; ended: boolean } = { ended: false };
  const ctl = await new Watch(kubeConfigFor(server)).watch(
    p,
    query,
    (type, obj) => out.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, obj }),
    (err) => {
      done.err = err;
      done.ended = true;
    },
  );
  return { ctl, done };
}

describe('kubernetes stand-in: watch', () => {
  let server: KubeApiServer;
  let net: NetworkingV1Api;
  before(async () => {
    server = await startTestServer({
      seedYaml: joinYaml(namespaceYaml(ns), ingressYaml({ name: 'w0', namespace: ns, service: 'web-demo' })),
      bookmarkIntervalMs: 50,
      watchHistory: 20,
    });
    net = kubeConfigFor(server).makeApiClient(NetworkingV1Api);
  });
  after(() => server.stop());

  it('streams ADDED for existing objects, then MODIFIED and DELETED as they happen', async () => {
    const evs: Ev[] = [];
    const { ctl } = await watchInto(server, {}, evs);
    try {
      await eventually(() => evs.some((e) => e.type === 'ADDED' && e.name === 'w0'));
      const created = await net.createNamespacedIngress({
        namespace: ns,
        body: JSON.parse(JSON.stringify(parseIngress('w1'))),
      });
      await net.patchNamespacedIngress({
        name: 'w1',
        namespace: ns,
        body: [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }],
      });
      await net.deleteNamespacedIngress({ name: 'w1', namespace: ns });
      await eventually(() => evs.some((e) => e.type === 'DELETED' && e.name === 'w1'));
      const w1 = evs.filter((e) => e.name === 'w1').map((e) => e.type);
      assert.deepEqual(w1, ['ADDED', 'MODIFIED', 'DELETED']);
      assert.equal(
        evs.find((e) => e.name === 'w1' && e.type === 'ADDED')?.rv,
        created.metadata?.resourceVersion,
      );
    } finally {
      ctl.abort();
    }
  });

  it('resumes from a resourceVersion, sends bookmarks when asked, filters by label selector', async () => {
    const list = await net.listNamespacedIngress({ namespace: ns });
    const rv = list.metadata!.resourceVersion!;
    await net.createNamespacedIngress({ namespace: ns, body: parseIngress('r1', { keep: 'y' }) });
    await net.createNamespacedIngress({ namespace: ns, body: parseIngress('r2') });
    const evs: Ev[] = [];
    const { ctl } = await watchInto(
      server,
      { resourceVersion: rv, allowWatchBookmarks: true, labelSelector: 'keep=y' },
      evs,
    );
    try {
      await eventually(() => evs.some((e) => e.type === 'BOOKMARK'));
      const added = evs.filter((e) => e.type === 'ADDED').map((e) => e.name);
      assert.deepEqual(
        added,
        ['r1'],
        'only the events after rv that match the selector are replayed (no w0, no r2)',
      );
      const bm = evs.find((e) => e.type === 'BOOKMARK')!;
      assert.match(bm.rv ?? '', /^\d+$/);
      // An object that stops matching the selector is reported as DELETED.
      await net.patchNamespacedIngress({
        name: 'r1',
        namespace: ns,
        body: [{ op: 'remove', path: '/metadata/labels/keep' }],
      });
      await eventually(() => evs.some((e) => e.type === 'DELETED' && e.name === 'r1'));
    } finally {
      ctl.abort();
    }
  });

  it('a resourceVersion older than the kept history gets an ERROR event with a 410 Expired Status', async () => {
    const old = (await net.listNamespacedIngress({ namespace: ns })).metadata!.resourceVersion!;
    for (let i = 0; i < 25; i++)
      await net.patchNamespacedIngress({
        name: 'w0',
        namespace: ns,
        body: [{ op: 'add', path: '/metadata/annotations', value: { i: String(i) } }],
      });
    const evs: Ev[] = [];
    const { done } = await watchInto(server, { resourceVersion: old }, evs);
    await eventually(() => done.ended);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.type, 'ERROR');
    assert.equal(evs[0]!.obj.code, 410);
    assert.equal(evs[0]!.obj.reason, 'Expired');
  });

  it('a client-node informer lists then watches and sees changes', async () => {
    const kc = kubeConfigFor(server);
    const api = kc.makeApiClient(NetworkingV1Api);
    const inf = makeInformer<V1Ingress>(kc, path, () => api.listNamespacedIngress({ namespace: ns }));
    const seen: string[] = [];
    inf.on('add', (o) => seen.push(`add:${o.metadata?.name}`));
    inf.on('update', (o) => seen.push(`update:${o.metadata?.name}`));
    await inf.start();
    try {
      await net.createNamespacedIngress({ namespace: ns, body: parseIngress('inf') });
      await net.patchNamespacedIngress({
        name: 'inf',
        namespace: ns,
        body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }],
      });
      await eventually(() => seen.includes('update:inf'));
      assert.ok(seen.includes('add:w0') && seen.includes('add:inf'));
    } finally {
      await inf.stop();
    }
  });

  it('store.watch reports in-process and HTTP writes; unsubscribe stops it', async () => {
    const got: string[] = [];
    const off = server.store.watch('networking.k8s.io/v1', 'Ingress', (type, o: KubeObject) =>
      got.push(`${type}:${o.metadata.name}`),
    );
    server.store.upsert(parseIngress('s1') as KubeObject);
    await net.patchNamespacedIngress({
      name: 's1',
      namespace: ns,
      body: [{ op: 'add', path: '/metadata/labels', value: { z: '1' } }],
    });
    server.store.delete('networking.k8s.io/v1', 'Ingress', ns, 's1');
    off();
    server.store.upsert(parseIngress('s2') as KubeObject);
    assert.deepEqual(got, ['ADDED:s1', 'MODIFIED:s1', 'DELETED:s1']);
  });
});

function parseIngress(name: string, labels?: Record<string, string>): V1Ingress & KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    spec: {
      rules: [
        {
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
  } as V1Ingress & KubeObject;
}

describe('object store (in-process)', () => {
  it('delivers events in resourceVersion order even when a subscriber writes from its callback', async () => {
    const server = await startTestServer();
    try {
      const store = server.store;
      const order: string[] = [];
      store.watch('v1', 'ConfigMap', (type, o) => {
        if (type === 'ADDED' && o.metadata.name === 'first')
          store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second', namespace: ns } });
      });
      store.watch('v1', 'ConfigMap', (type, o) =>
        order.push(`${type}:${o.metadata.name}:${o.metadata.resourceVersion}`),
      );
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first', namespace: ns } });
      assert.equal(order.length, 2);
      assert.match(order[0]!, /^ADDED:first:/);
      assert.match(order[1]!, /^ADDED:second:/);
      assert.throws(
        () =>
          store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first', namespace: ns } }),
        {
          name: 'KubeStatusError',
          code: 409,
        },
      );
      assert.throws(
        () =>
          store.update({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'first', namespace: ns, resourceVersion: '1' },
          }),
        {
          reason: 'Conflict',
        },
      );
      assert.throws(
        () =>
          store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad!', namespace: ns } }),
        { code: 422 },
      );
    } finally {
      await server.stop();
    }
  });
});
