/**
 * Property: the weight writer's pin check passes exactly when the sandbox gateway routes a pinned canary to
 * its own cluster only. Over random layouts of pods (with or without pin, zone and team labels, some of them
 * wrong), nodes (with or without zone and region labels) and pin settings, the product's check
 * (readClusterView + checkPin over an in-memory member API) and the gateway stand-in's routing table
 * (endpointsFromObjects + buildRoutingTable, written independently from Istio's documented behaviour) must
 * agree: the check passes iff the canary's subset matched and every endpoint it routes to is the target's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import fc from 'fast-check';
import { endpointsFromObjects } from '../../sandbox/gateway/endpoints';
import { buildRoutingTable } from '../../sandbox/gateway/routing-table';
import type { KubeObject } from '../../sandbox/kubernetes/types';
import { PinLabelError } from '../../shared/clients/errors';
import type { Cluster } from '../../shared/config';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { type PinKind, pinOf } from '../../shared/gateway/pin';
import { checkPin, type MemberReader, needsNodes, readClusterView } from '../../shared/gateway/pin-check';
import { examplePolicy } from '../clients/fixture';

const NS = 'web-demo';
const SVC = 'web-demo';
const IDS = ['c-1', 'c-2', 'c-3'];
const ZONES = ['z-h', 'z-i', 'z-j'];
const TEAM = 'team.example/cell';
const KEYS = {
  cluster: 'topology.istio.io/cluster',
  zone: 'topology.kubernetes.io/zone',
  region: 'topology.kubernetes.io/region',
};
const policy = examplePolicy();
const keys = gatewayKeys(policy.gateway);

interface PodSpec {
  node: number | null;
  labels: Record<string, string>;
}
interface ClusterSpec {
  zone: string;
  nodes: Array<Record<string, string>>;
  pods: PodSpec[];
  podLabel: { key: string; value: string };
}
interface Layout {
  kind: PinKind;
  target: number;
  clusters: ClusterSpec[];
}

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const labelsArb = fc
  .record({
    cluster: maybe(fc.constantFrom(...IDS)),
    zone: maybe(fc.constantFrom(...ZONES)),
    team: maybe(fc.constantFrom('a', 'b', 'c')),
  })
  .map((l) => ({
    app: SVC,
    ...(l.cluster ? { [KEYS.cluster]: l.cluster } : {}),
    ...(l.zone ? { [KEYS.zone]: l.zone } : {}),
    ...(l.team ? { [TEAM]: l.team } : {}),
  }));
const nodeArb = fc
  .record({ zone: maybe(fc.constantFrom(...ZONES)), region: maybe(fc.constant('cn-test')) })
  .map((n) => ({
    ...(n.zone ? { [KEYS.zone]: n.zone } : {}),
    ...(n.region ? { [KEYS.region]: n.region } : {}),
  }));
const clusterArb = (i: number) =>
  fc.record({
    zone: fc.constant(ZONES[i]!),
    nodes: fc.array(nodeArb, { minLength: 0, maxLength: 3 }),
    pods: fc.array(fc.record({ node: fc.option(fc.nat(3)), labels: labelsArb }), { maxLength: 3 }),
    podLabel: fc.record({
      key: fc.constantFrom(TEAM, KEYS.zone, KEYS.cluster),
      value: fc.constantFrom('a', 'b', ...ZONES, ...IDS),
    }),
  });
const layoutArb: fc.Arbitrary<Layout> = fc.integer({ min: 2, max: 3 }).chain((n) =>
  fc.record({
    kind: fc.constantFrom<PinKind>('cluster-id', 'zone', 'label'),
    target: fc.nat(n - 1),
    clusters: fc.tuple(...Array.from({ length: n }, (_, i) => clusterArb(i))),
  }),
);

const nodeName = (c: number, n: number) => `${IDS[c]}-node-${n}`;

/** The cluster's Kubernetes objects: Nodes, Pods (a node index past the last node: a node that is gone). */
function objects(c: number, spec: ClusterSpec) {
  const nodes: KubeObject[] = spec.nodes.map((labels, n) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName(c, n), labels: { 'kubernetes.io/hostname': nodeName(c, n), ...labels } },
  }));
  const pods: KubeObject[] = spec.pods.map((p, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${SVC}-${IDS[c]}-${i}`, namespace: NS, labels: p.labels },
    spec: p.node === null ? {} : { nodeName: nodeName(c, p.node) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  const slices: KubeObject[] = pods.map((p, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${SVC}-${i}`, namespace: NS, labels: { 'kubernetes.io/service-name': SVC } },
    endpoints: [
      {
        addresses: ['127.0.0.1'],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', name: p.metadata.name },
      },
    ],
    ports: [{ port: 8000 + c * 10 + i }],
  }));
  return { nodes, pods, slices };
}

/** An in-memory member API holding the same objects (what the product's check reads). */
function reader(o: ReturnType<typeof objects>): MemberReader {
  const service: V1Service = { metadata: { name: SVC, namespace: NS }, spec: { selector: { app: SVC } } };
  return {
    getService: async () => service,
    listPods: async (_ns, selector) => {
      const want = (selector ?? '').split(',').filter(Boolean);
      return o.pods.filter((p) => want.every((kv) => `app=${p.metadata.labels?.app}` === kv)) as V1Pod[];
    },
    listNodes: async () => o.nodes as V1Node[],
  };
}

function clustersOf(l: Layout): Cluster[] {
  return l.clusters.map((c, i) => ({
    ...policy.clusters[0]!,
    id: IDS[i]!,
    zone: c.zone,
    podLabel: c.podLabel,
  }));
}

/** The gateway stand-in: does the target's canary route to the target's endpoints only? */
function gatewayRoutesToTargetOnly(l: Layout, clusters: Cluster[]): boolean {
  const target = clusters[l.target]!;
  const pin = pinOf(target, l.kind);
  const endpoints = l.clusters.flatMap((spec, i) => {
    const o = objects(i, spec);
    return endpointsFromObjects(IDS[i]!, o.slices, o.pods, o.nodes);
  });
  const ingress = (name: string, annotations: Record<string, string>): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: NS, annotations },
    spec: {
      ingressClassName: 'mse',
      rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: SVC } } }] } }],
    },
  });
  const table = buildRoutingTable({
    ingresses: [
      ingress(SVC, {}),
      ingress(`${SVC}-canary`, {
        [keys.canary]: 'true',
        [keys.canaryWeight]: '100',
        [keys.serviceSubset]: target.id,
        [keys.subsetLabels]: `${pin.key} ${pin.value}`,
      }),
    ],
    mseIngressConfig: {
      apiVersion: 'mse.alibabacloud.com/v1alpha1',
      kind: 'MseIngressConfig',
      metadata: {
        name: 'gw',
        annotations: { [keys.remoteClusters]: IDS.slice(0, l.clusters.length).join(',') },
      },
    },
    endpoints,
  });
  const backend = table.routes[0]!.canaries[0]!.backend;
  return (
    backend.subsetMatched &&
    backend.endpoints.length > 0 &&
    backend.endpoints.every((e) => e.cluster === target.id)
  );
}

/** The product: the weight writer's pin check for the target cluster. */
async function pinCheckPasses(l: Layout, clusters: Cluster[]): Promise<{ pass: boolean; why?: string }> {
  const target = clusters[l.target]!;
  const pin = pinOf(target, l.kind);
  const readers = new Map(l.clusters.map((spec, i) => [IDS[i]!, reader(objects(i, spec))]));
  const read = (id: string) =>
    readClusterView(readers.get(id)!, { id }, NS, SVC, { pin, nodes: needsNodes(pin) });
  try {
    await checkPin(
      read,
      target,
      clusters.filter((c) => c.id !== target.id),
      NS,
      SVC,
      pin,
    );
    return { pass: true };
  } catch (e) {
    if (!(e instanceof PinLabelError)) throw e;
    return { pass: false, why: e.message };
  }
}

describe('pin check ⇔ gateway routing (property)', () => {
  it('passes and fails in the same cases as the gateway routes, over random pod, node and label layouts', async () => {
    const seen = { pass: 0, fail: 0 };
    await fc.assert(
      fc.asyncProperty(layoutArb, async (l) => {
        const clusters = clustersOf(l);
        const routed = gatewayRoutesToTargetOnly(l, clusters);
        const checked = await pinCheckPasses(l, clusters);
        seen[checked.pass ? 'pass' : 'fail']++;
        assert.equal(
          checked.pass,
          routed,
          `check: ${checked.why ?? 'pass'}; gateway routes to target only: ${routed}`,
        );
      }),
      { numRuns: 1000, seed: 2311 },
    );
    // Both outcomes occur often enough for the property to mean something.
    assert.ok(seen.pass > 100 && seen.fail > 100, JSON.stringify(seen));
  });

  it('finds the documented cases among them: a cluster-id pin ignores a wrong pod label', async () => {
    const l: Layout = {
      kind: 'cluster-id',
      target: 0,
      clusters: [
        {
          zone: ZONES[0]!,
          nodes: [{}],
          pods: [{ node: 0, labels: { app: SVC, [KEYS.cluster]: IDS[1]! } }],
          podLabel: { key: TEAM, value: 'a' },
        },
        {
          zone: ZONES[1]!,
          nodes: [{}],
          pods: [{ node: 0, labels: { app: SVC, [KEYS.cluster]: IDS[0]! } }],
          podLabel: { key: TEAM, value: 'b' },
        },
      ],
    };
    const clusters = clustersOf(l);
    assert.equal(gatewayRoutesToTargetOnly(l, clusters), true);
    assert.deepEqual(await pinCheckPasses(l, clusters), { pass: true });
  });
});
