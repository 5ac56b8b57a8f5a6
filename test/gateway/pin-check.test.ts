/**
 * The pin check's view and verdicts without a cluster: Istio's label augmentation, the explanations in the
 * gateway's terms, and how another cluster that cannot be read (a lost zone) is treated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { PinLabelError } from '../../shared/clients/errors';
import { augmentLabels, type ClusterView, clusterView } from '../../shared/gateway/endpoint-view';
import { checkPin, judgePin } from '../../shared/gateway/pin-check';

const ZONE = 'topology.kubernetes.io/zone';
const CLUSTER = 'topology.istio.io/cluster';
const pod = (name: string, labels: Record<string, string>, nodeName?: string): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
});
const node = (name: string, labels: Record<string, string>): V1Node => ({ metadata: { name, labels } });

describe('the gateway view of an endpoint (Istio AugmentLabels)', () => {
  it('sets the cluster id over a pod label, takes zone and region from the node, adds the hostname', () => {
    assert.deepEqual(
      augmentLabels({ app: 'a', [CLUSTER]: 'wrong', [ZONE]: 'pod-zone' }, 'c-1', 'n1', {
        [ZONE]: 'z-h',
        'topology.kubernetes.io/region': 'r',
        other: 'x',
      }),
      {
        app: 'a',
        [CLUSTER]: 'c-1',
        [ZONE]: 'z-h',
        'topology.kubernetes.io/region': 'r',
        'kubernetes.io/hostname': 'n1',
      },
    );
  });

  it("keeps the pod's own zone label when the node has none, and leaves finished pods out", () => {
    const v = clusterView(
      'c-1',
      'c-1',
      [pod('p', { [ZONE]: 'pod-zone' }, 'n1'), { ...pod('done', {}, 'n1'), status: { phase: 'Succeeded' } }],
      [node('n1', {})],
    );
    assert.deepEqual(
      v.endpoints.map((e) => [e.pod, e.labels[ZONE]]),
      [['p', 'pod-zone']],
    );
  });
});

describe('pin verdicts', () => {
  const pin = { key: ZONE, value: 'z-h' };
  const view = (id: string, zone: string | undefined, n = 2): ClusterView =>
    clusterView(
      id,
      id,
      Array.from({ length: n }, (_, i) => pod(`${id}-${i}`, { app: 'a' }, `${id}-node`)),
      [node(`${id}-node`, zone ? { [ZONE]: zone } : {})],
    );

  it('explains each failure in the terms of what the gateway sees', () => {
    assert.deepEqual(judgePin(pin, view('c-1', 'z-h'), [view('c-2', 'z-i')]), {
      ok: true,
      selected: 2,
      of: 2,
    });
    assert.deepEqual(judgePin(pin, view('c-1', undefined), []), {
      ok: false,
      reason: `nodes of c-1 carry no ${ZONE} label (c-1-node)`,
    });
    assert.match(
      (judgePin(pin, view('c-1', 'z-i'), []) as { reason: string }).reason,
      /the endpoints of c-1 are in topology.kubernetes.io\/zone z-i \(nodes c-1-node\), not z-h/,
    );
    assert.match(
      (judgePin(pin, view('c-1', 'z-h'), [view('c-2', 'z-h', 3)]) as { reason: string }).reason,
      /also selects 3 endpoint\(s\) of c-2 \(c-2-0, c-2-1, c-2-2\)/,
    );
    assert.match(
      (judgePin({ key: CLUSTER, value: 'c-9' }, view('c-1', 'z-h'), []) as { reason: string }).reason,
      /the gateway sets topology.istio.io\/cluster to c-1 on the endpoints of c-1 \(a pod label of that name is overwritten\), not c-9/,
    );
    assert.match(
      (
        judgePin(pin, clusterView('c-1', 'c-1', [pod('p', {}, 'n')], undefined, 'forbidden'), []) as {
          reason: string;
        }
      ).reason,
      /the nodes of c-1 could not be read \(forbidden\)/,
    );
  });

  it('leaves out another cluster that fails or hangs, within its deadline', async () => {
    const hang = new Promise<ClusterView>(() => {});
    const read = (id: string) =>
      id === 'c-1'
        ? Promise.resolve(view('c-1', 'z-h'))
        : id === 'c-2'
          ? hang
          : Promise.reject(new Error('refused'));
    const started = Date.now();
    assert.equal(
      await checkPin(read, { id: 'c-1' }, [{ id: 'c-2' }, { id: 'c-3' }], 'ns', 'svc', pin, 50),
      2,
    );
    assert.ok(Date.now() - started < 10_000, 'the hanging read was given up, not waited for');
  });

  it('reads no other cluster for a cluster-id pin (the gateway writes each its own id)', async () => {
    const asked: string[] = [];
    const read = async (id: string) => {
      asked.push(id);
      return view(id, 'z-h');
    };
    await checkPin(read, { id: 'c-1' }, [{ id: 'c-2' }], 'ns', 'svc', { key: CLUSTER, value: 'c-1' });
    assert.deepEqual(asked, ['c-1']);
    await assert.rejects(
      checkPin(read, { id: 'c-1' }, [{ id: 'c-2' }], 'ns', 'svc', pin),
      (e: unknown) =>
        e instanceof PinLabelError && e.clusterId === 'c-1' && /also selects 2 endpoint/.test(e.message),
    );
  });
});
