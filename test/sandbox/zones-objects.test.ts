import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointsFromObjects } from '../../sandbox/gateway/endpoints';
import { StatsCounter } from '../../sandbox/gateway/stats';
import { appObjects, LISTEN_ANNOTATION } from '../../sandbox/zones/zone-objects';

const app = {
  namespace: 'web-demo',
  name: 'web-demo',
  servicePort: 80,
  clusterId: 'c-ack-az1',
  zone: 'cn-hangzhou-h',
  region: 'cn-hangzhou',
  podLabel: { key: 'team.example/cell', value: 'cell-1' },
};
const pods = [
  { name: 'web-demo-c-ack-az1-0', port: 4100, podIP: '172.20.0.10', ready: true },
  { name: 'web-demo-c-ack-az1-1', port: 4101, podIP: '172.20.0.11', ready: false },
];

describe('zone objects', () => {
  it('shows ready replicas, pod labels, one EndpointSlice per pod and the node with its zone', () => {
    const objs = appObjects(app, pods);
    const kinds = objs.map((o) => o.kind);
    assert.deepEqual(kinds, [
      'Namespace',
      'Deployment',
      'Service',
      'Pod',
      'Pod',
      'EndpointSlice',
      'EndpointSlice',
      'Node',
    ]);
    const dep = objs[1]!.status as Record<string, number>;
    assert.equal(dep.readyReplicas, 1);
    assert.equal(dep.replicas, 2);
    const pod = objs[3]!;
    assert.equal(pod.metadata.labels?.['team.example/cell'], 'cell-1');
    assert.equal(pod.metadata.labels?.['topology.istio.io/cluster'], undefined, 'no pin label needed');
    assert.equal(pod.metadata.labels?.app, 'web-demo');
    const node = objs.at(-1)!;
    assert.equal((pod.spec as { nodeName: string }).nodeName, node.metadata.name);
    assert.equal(node.metadata.labels?.['topology.kubernetes.io/zone'], 'cn-hangzhou-h');
    assert.equal(node.metadata.labels?.['topology.kubernetes.io/region'], 'cn-hangzhou');
    assert.equal(pod.metadata.annotations?.[LISTEN_ANNOTATION], '127.0.0.1:4100');
  });

  it('omits readyReplicas when none is ready, as Kubernetes does', () => {
    const objs = appObjects(
      app,
      pods.map((p) => ({ ...p, ready: false })),
    );
    assert.equal((objs[1]!.status as Record<string, unknown>).readyReplicas, undefined);
  });

  it('round-trips into gateway endpoints with pod IPs, readiness and the labels the gateway adds', () => {
    const objs = appObjects(app, pods);
    const eps = endpointsFromObjects(
      'c-ack-az1',
      objs.filter((o) => o.kind === 'EndpointSlice'),
      objs.filter((o) => o.kind === 'Pod'),
      objs.filter((o) => o.kind === 'Node'),
    );
    const node = 'c-ack-az1-node-cn-hangzhou-h';
    assert.deepEqual(
      eps.map((e) => [e.pod, e.address, e.port, e.podIP, e.ready]),
      [
        ['web-demo-c-ack-az1-0', '127.0.0.1', 4100, '172.20.0.10', true],
        ['web-demo-c-ack-az1-1', '127.0.0.1', 4101, '172.20.0.11', false],
      ],
    );
    for (const e of eps)
      assert.deepEqual(e.labels, {
        app: 'web-demo',
        'team.example/cell': 'cell-1',
        'pod-template-hash': 'sandbox',
        'topology.istio.io/cluster': 'c-ack-az1',
        'topology.kubernetes.io/region': 'cn-hangzhou',
        'topology.kubernetes.io/zone': 'cn-hangzhou-h',
        'kubernetes.io/hostname': node,
      });
  });
});

describe('gateway stats', () => {
  it('counts outcomes per cluster per second', () => {
    let now = 10_500;
    const s = new StatsCounter(() => now);
    s.record('a', 'ok');
    s.record('a', 'error');
    now = 11_200;
    s.record('a', 'failed');
    s.record('b', 'ok');
    const snap = s.snapshot();
    assert.deepEqual(snap.totals.a, { requests: 3, ok: 1, errors: 1, failed: 1 });
    assert.deepEqual(
      snap.perSecond.map((x) => [x.second, x.cluster, x.requests]),
      [
        [10, 'a', 2],
        [11, 'a', 1],
        [11, 'b', 1],
      ],
    );
    s.reset();
    assert.deepEqual(s.snapshot().totals, {});
  });
});
