/**
 * Edges of the gateway code that the mutation run found unguarded, on an in-memory Fleet: each refusal of the
 * pin check names its reason; membership refuses a missing MseIngressConfig and writes nothing when nothing
 * changes (re-admitting a member, fencing a non-member); the weight writer refuses a route without its base
 * Ingress and an unknown cluster, and stamps a revision only when it has one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Ingress, V1Pod, V1Service } from '@kubernetes/client-node';
import { KubeApiError, PinLabelError, WeightsError } from '../../shared/clients/errors';
import type { KubeClient, KubeJson } from '../../shared/clients/kube-client';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { normaliseTo100 } from '../../shared/gateway/canary-weights';
import { GatewayMembership } from '../../shared/gateway/membership';
import { checkPin, readClusterView } from '../../shared/gateway/pin-check';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { examplePolicy } from '../clients/fixture';

const policy = examplePolicy();
const route = policy.routes[0]!;
const LABEL = { key: 'topology.istio.io/cluster', value: 'c-ack-az1' };

/** An in-memory Fleet/member API: Services, Pods (label-selected), Ingresses and one custom object. */
function memoryKube(
  o: { service?: V1Service; pods?: V1Pod[]; ingresses?: V1Ingress[]; config?: KubeJson } = {},
) {
  const writes: string[] = [];
  const ingresses = new Map((o.ingresses ?? []).map((i) => [i.metadata!.name!, i]));
  let config = o.config;
  let rv = 1;
  const matches = (labels: Record<string, string> = {}, selector = '') =>
    selector
      .split(',')
      .filter(Boolean)
      .every((kv) => {
        const [k, v] = kv.split('=');
        return labels[k!] === v;
      });
  const kube = {
    name: 'memory',
    getService: async () => o.service,
    listPods: async (_ns: string, selector?: string) =>
      (o.pods ?? []).filter((p) => matches(p.metadata?.labels, selector)),
    getIngress: async (_ns: string, name: string) => ingresses.get(name),
    listIngresses: async (_ns: string, selector?: string) =>
      [...ingresses.values()].filter((i) => matches(i.metadata?.labels, selector)),
    createIngress: async (i: V1Ingress) => {
      writes.push(`create ${i.metadata?.name}`);
      const s = { ...i, metadata: { ...i.metadata, resourceVersion: String(++rv) } };
      ingresses.set(i.metadata!.name!, s);
      return s;
    },
    replaceIngress: async (i: V1Ingress) => {
      writes.push(`replace ${i.metadata?.name}`);
      const s = { ...i, metadata: { ...i.metadata, resourceVersion: String(++rv) } };
      ingresses.set(i.metadata!.name!, s);
      return s;
    },
    getClusterCustomObject: async () => config,
    replaceClusterCustomObject: async (obj: KubeJson) => {
      writes.push('replace config');
      config = obj;
      return obj;
    },
  } as unknown as KubeClient;
  return { kube, writes, ingresses };
}

const service = (selector?: Record<string, string>): V1Service => ({
  metadata: { name: route.service, namespace: route.namespace },
  spec: selector ? { selector } : {},
});
const pod = (labels: Record<string, string>): V1Pod => ({ metadata: { name: 'p', labels } });

describe('pin check refusals', () => {
  const read =
    (kube: KubeClient, pin = LABEL) =>
    (id: string) =>
      readClusterView(kube, { id }, route.namespace, route.service, { pin, nodes: false });
  const check = (kube: KubeClient, pin = LABEL) =>
    checkPin(read(kube, pin), { id: 'c-ack-az1' }, [], route.namespace, route.service, pin);
  const refused = (re: RegExp) => (e: unknown) => e instanceof PinLabelError && re.test(e.message);

  it('refuses a missing Service and a Service without a selector', async () => {
    await assert.rejects(check(memoryKube().kube), refused(/does not exist/));
    await assert.rejects(check(memoryKube({ service: service() }).kube), refused(/has no selector/));
    await assert.rejects(check(memoryKube({ service: service({}) }).kube), refused(/has no selector/));
  });

  it('refuses a Service with no pods in the cluster', async () => {
    const { kube } = memoryKube({ service: service({ app: 'web-demo' }) });
    await assert.rejects(check(kube), refused(/the Service has no pods in c-ack-az1/));
  });

  it('counts every pod of the Service for a cluster-id pin, whatever the pods carry', async () => {
    const pods = [pod({ app: 'web-demo', [LABEL.key]: 'elsewhere' }), pod({ app: 'web-demo' })];
    const { kube } = memoryKube({ service: service({ app: 'web-demo' }), pods });
    assert.equal(await check(kube), 2);
  });

  it("refuses a team's label no pod carries, naming the values it saw", async () => {
    const team = { key: 'team.example/cluster', value: 'az1' };
    const pods = [pod({ app: 'web-demo', [team.key]: 'az2' })];
    const { kube } = memoryKube({ service: service({ app: 'web-demo' }), pods });
    await assert.rejects(
      check(kube, team),
      refused(/carries team.example\/cluster=az1 \(values seen: az2\)/),
    );
  });
});

describe('gateway membership edges', () => {
  const config = (members: string): KubeJson => ({
    apiVersion: 'mse.alibabacloud.com/v1alpha1',
    kind: 'MseIngressConfig',
    metadata: { name: 'gw', annotations: { [policy.gateway.remoteClustersAnnotation]: members } },
  });
  const membership = (kube: KubeClient) =>
    new GatewayMembership(kube, 'gw', policy.gateway.remoteClustersAnnotation);

  it('refuses a missing MseIngressConfig with a 404, for members() and for an edit', async () => {
    const m = membership(memoryKube().kube);
    const notFound = (e: unknown) => e instanceof KubeApiError && e.status === 404;
    await assert.rejects(m.members(), notFound);
    await assert.rejects(m.fence('c-ack-az1'), notFound);
  });

  it('writes nothing when nothing changes: re-admitting a member, fencing a cluster that is not one', async () => {
    const fleet = memoryKube({ config: config('c-ack-az1,c-reg-az2') });
    const m = membership(fleet.kube);
    assert.deepEqual(await m.readmit('c-ack-az1'), ['c-ack-az1', 'c-reg-az2']);
    assert.deepEqual(await m.fence('c-other'), ['c-ack-az1', 'c-reg-az2']);
    assert.deepEqual(fleet.writes, []);
    assert.deepEqual(await m.readmit('c-new'), ['c-ack-az1', 'c-reg-az2', 'c-new']);
    assert.deepEqual(fleet.writes, ['replace config']);
  });
});

describe('weight writer edges', () => {
  const keys = gatewayKeys(policy.gateway);
  const pods = policy.clusters.map(() => pod({ app: 'web-demo' }));
  const base: V1Ingress = {
    metadata: { name: route.ingress, namespace: route.namespace },
    spec: { ingressClassName: 'mse', rules: [{ host: 'web-demo.example.com' }] },
  };
  const writerOn = (fleet: ReturnType<typeof memoryKube>) =>
    new IngressWeightWriter({
      fleetKube: fleet.kube,
      memberKube: async () => fleet.kube,
      clusters: policy.clusters,
      keys,
    });

  it('refuses a route whose base Ingress does not exist, and writes no canary', async () => {
    const fleet = memoryKube({ service: service({ app: 'web-demo' }), pods });
    await assert.rejects(
      writerOn(fleet).apply(route, { 'c-ack-az1': 50, 'c-reg-az2': 50 }),
      (e: unknown) => e instanceof KubeApiError && e.status === 404 && /base Ingress/.test(e.message),
    );
    assert.deepEqual(fleet.writes, []);
  });

  it('refuses weights for a cluster it does not know', async () => {
    const fleet = memoryKube({ service: service({ app: 'web-demo' }), pods, ingresses: [base] });
    const writer = new IngressWeightWriter({
      fleetKube: fleet.kube,
      memberKube: async () => fleet.kube,
      clusters: policy.clusters.slice(0, 1),
      keys,
    });
    await assert.rejects(writer.checkPins(route, { 'c-reg-az2': 100 }), WeightsError);
  });

  it('stamps the revision only when it has one', async () => {
    const fleet = memoryKube({ service: service({ app: 'web-demo' }), pods, ingresses: [base] });
    await writerOn(fleet).apply(route, { 'c-ack-az1': 50, 'c-reg-az2': 50 });
    const unstamped = [...fleet.ingresses.values()].filter((i) => i.metadata?.labels?.[keys.route]);
    assert.equal(unstamped.length, 2);
    for (const i of unstamped) assert.equal(i.metadata?.annotations?.[keys.revision], undefined);
    await writerOn(fleet).apply(route, { 'c-ack-az1': 0, 'c-reg-az2': 100 }, { revision: 3 });
    for (const i of fleet.ingresses.values())
      if (i.metadata?.labels?.[keys.route]) assert.equal(i.metadata?.annotations?.[keys.revision], '3');
  });
});

describe('normaliseTo100 edges', () => {
  it('refuses shares that are all zero (or negative), and gives the remainder to the largest fractions', () => {
    assert.throws(() => normaliseTo100({ a: 0, b: 0 }), WeightsError);
    assert.throws(() => normaliseTo100({ a: -5, b: 0 }), WeightsError);
    assert.deepEqual(normaliseTo100({ a: 1, b: 1, c: 1 }), { a: 34, b: 33, c: 33 });
    assert.deepEqual(normaliseTo100({ a: 1, b: 2 }), { a: 33, b: 67 });
    assert.deepEqual(normaliseTo100({ a: 2, b: 1 }), { a: 67, b: 33 });
    assert.deepEqual(normaliseTo100({ a: 10, b: 15, c: 3 }), { a: 36, b: 53, c: 11 });
  });
});
