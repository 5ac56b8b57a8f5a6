/**
 * Contract: the product's ASM path against the mesh stand-in, which was written from Istio's documents apart
 * from the router. The servicemesh adapter fetches the control plane's kubeconfig through the OpenAPI stand-in
 * (RAM-checked), the ASM router writes fleet-dr's weights into the team's DestinationRule, the control plane's
 * Istio validation accepts it, and the mesh proxy routes callers in both zones by it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MeshProxy, zonePodEndpoints } from '../../sandbox/mesh/mesh-proxy';
import { type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { WeightsError } from '../../shared/clients/errors';
import {
  clearServiceMeshKubeCache,
  createServiceMeshClient,
  type ServiceMeshClient,
} from '../../shared/clients/servicemesh-client';
import type { Route } from '../../shared/config';
import { clusterLocalities, DestinationRuleError } from '../../shared/gateway/asm-distribute';
import { AsmRouter } from '../../shared/gateway/asm-router';
import { type Wiring, wire } from '../../shared/runtime/wiring';
import { HOST, proxyFor, ruleClient, sendAs } from '../sandbox/mesh-helpers';

const NS = 'web-demo';
const OUTLIER = { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' };

describe('ASM router against the mesh stand-in', () => {
  let sb: Sandbox;
  let proxy: MeshProxy;
  let mesh: ServiceMeshClient;

  let rules: ReturnType<typeof ruleClient>;
  /** The team's DestinationRule, as it would be in Git: host and outlier detection, no locality setting. */
  const createRule = (name: string, trafficPolicy: Record<string, unknown>) =>
    rules.create(NS, name, { host: HOST, trafficPolicy });
  const readRule = (name: string) => rules.get(NS, name);
  const routeFor = (name: string): Route => ({
    name,
    namespace: NS,
    ingress: 'web-demo',
    service: 'web-demo',
    servicePort: 80,
    baselineWeights: Object.fromEntries(sb.policy.clusters.map((c) => [c.id, 50])),
    router: 'asm',
    destinationRule: { name, namespace: NS },
  });
  const router = (route: Route, withLocalityCheck = false) =>
    new AsmRouter({
      rules: mesh.destinationRules,
      clusters: clusterLocalities(sb.policy),
      routes: [route],
      // The production member clients (ACK's kubeconfig for each member, the role's RBAC).
      ...(withLocalityCheck ? { memberReader: production().memberKube } : {}),
    });
  let wiring: Wiring | undefined;
  const production = (): Wiring => {
    const { cs, adcp, mse, cms } = sb.cloud.endpoints;
    wiring ??= wire(
      sb.policy,
      { requestId: 'asm-test', accountId: '1234567890', credentials: sb.cloud.credentials.issueStsToken() },
      { FLEET_DR_ENDPOINTS: JSON.stringify({ cs, adcp, mse, cms }) },
    );
    return wiring;
  };

  before(async () => {
    sb = await startSandbox({ mesh: true, readinessLagMs: 60_000, propagationDelayMs: 150 });
    clearServiceMeshKubeCache();
    // The functions' role, granted the one action the ASM router needs beside deploy/ram-policy.json.
    sb.cloud.ram.grant('servicemesh:DescribeServiceMeshKubeconfig');
    mesh = createServiceMeshClient({
      serviceMeshId: sb.mesh!.serviceMeshId,
      region: sb.policy.region,
      credentials: async () => sb.cloud.credentials.issueStsToken(),
      overrides: { servicemesh: sb.cloud.servicemesh!.endpoint },
    });
    rules = ruleClient(sb.mesh!.kubeconfig());
    proxy = await proxyFor(sb.mesh!, HOST, zonePodEndpoints(sb.zones), 5);
  });
  after(async () => {
    clearServiceMeshKubeCache();
    await proxy?.stop();
    await sb?.stop();
  });

  it('writes "0 to AZ1, 100 to AZ2" so that callers in both zones reach only AZ2', async () => {
    await createRule('web-demo', { outlierDetection: OUTLIER });
    const route = routeFor('web-demo');
    const [az1, az2] = sb.policy.clusters.map((c) => c.id) as [string, string];
    const r = router(route);
    assert.equal(await r.readWeights(route), undefined, 'fleet-dr does not steer the rule yet');
    await r.setWeights(route, { [az1]: 0, [az2]: 100 }, { revision: 3 });
    assert.deepEqual(await r.readWeights(route), { [az1]: 0, [az2]: 100 });
    const written = await readRule('web-demo');
    assert.deepEqual(written.spec.trafficPolicy, {
      ...(written.spec.trafficPolicy as object),
      outlierDetection: OUTLIER,
    });
    await proxy.refresh();
    for (const c of sb.policy.clusters) {
      const zone = sb.world.cluster(c.id)!;
      const ids = await sendAs(proxy, { region: zone.regionId, zone: zone.zone }, 200, 8);
      assert.ok(
        ids.every((id) => id.startsWith(`${az2}/`)),
        `a caller in ${zone.zone} reached ${ids.find((id) => !id.startsWith(`${az2}/`))}`,
      );
    }
  });

  it('writes 30/70 that the mesh carries within ±3 points for a caller in each zone', async () => {
    await createRule('web-demo-split', { outlierDetection: OUTLIER });
    const route = routeFor('web-demo-split');
    const [az1, az2] = sb.policy.clusters.map((c) => c.id) as [string, string];
    await router(route).setWeights(route, { [az1]: 30, [az2]: 70 });
    const rule = await readRule('web-demo-split');
    // The proxy routes one host; point it at this rule's distribute by replacing the first rule's spec.
    const first = await readRule('web-demo');
    await rules.replace({ ...first, spec: rule.spec });
    await proxy.refresh();
    for (const c of sb.policy.clusters) {
      const zone = sb.world.cluster(c.id)!;
      const ids = await sendAs(proxy, { region: zone.regionId, zone: zone.zone }, 1_000, 16);
      const share = ids.filter((id) => id.startsWith(`${az1}/`)).length / ids.length;
      assert.ok(Math.abs(share - 0.3) <= 0.03, `caller in ${zone.zone}: ${az1} got ${share}`);
    }
  });

  it("checks the pods' locality before the first write: a node without its zone label is refused, naming it", async () => {
    await createRule('locality', { outlierDetection: OUTLIER });
    const route = routeFor('locality');
    const [az1, az2] = sb.policy.clusters.map((c) => c.id) as [string, string];
    const members = sb.members.get(az2)!.store;
    const node = members.list('v1', 'Node')[0]!;
    const labels = { ...(node.metadata.labels ?? {}) };
    const { 'topology.kubernetes.io/zone': zone, ...withoutZone } = labels;
    members.upsert({ ...node, metadata: { ...node.metadata, labels: withoutZone } });
    const before = await readRule('locality');
    try {
      await assert.rejects(router(route, true).setWeights(route, { [az1]: 0, [az2]: 100 }), (e: unknown) => {
        assert.ok(e instanceof WeightsError);
        assert.match(
          String(e),
          new RegExp(
            `endpoint\\(s\\) of ${az2} are not in [^:]+/${zone}: pod \\S+ on node ${node.metadata.name} has [^,]+, topology.kubernetes.io/zone=\\(none\\)`,
          ),
        );
        return true;
      });
      assert.equal((await readRule('locality')).metadata.resourceVersion, before.metadata.resourceVersion);
    } finally {
      members.upsert({ ...node, metadata: { ...node.metadata, labels } });
    }
    // With the label back, the check passes and the rule is written.
    await router(route, true).setWeights(route, { [az1]: 0, [az2]: 100 });
    assert.notEqual((await readRule('locality')).metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('refuses a rule without outlier detection, and the control plane keeps it as it was', async () => {
    await createRule('no-outlier', { connectionPool: { tcp: { maxConnections: 100 } } });
    const before = await readRule('no-outlier');
    const route = routeFor('no-outlier');
    const [az1, az2] = sb.policy.clusters.map((c) => c.id) as [string, string];
    await assert.rejects(router(route).setWeights(route, { [az1]: 0, [az2]: 100 }), DestinationRuleError);
    const after = await readRule('no-outlier');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(after.spec, before.spec);
  });
});
