/**
 * Contract tests of what a canary's pin selects in the sandbox gateway, which labels endpoints as Istio does
 * (sandbox/gateway/endpoint-labels.ts): pod labels, then topology.istio.io/cluster SET to the cluster id, the
 * node's zone and region, the node name. The sandbox runs the example policy WITHOUT any podLabel, so no pod
 * carries a pin label. Traffic goes through the gateway to the zones' real pods; each test waits for the
 * gateway to have applied the Fleet's config (converged) and re-read the members, never for a fixed time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../sandbox/kubernetes/types';
import { DEFAULT_POLICY_PATH, type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { PinLabelError } from '../../shared/clients/errors';
import { kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { gatewayKeys } from '../../shared/gateway/annotations';
import type { PinKind } from '../../shared/gateway/pin';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { type Wiring, wire } from '../../shared/runtime/wiring';
import { FAST, kubeconfigOf } from '../clients/fixture';
import { canaryIngress, sendRequests } from './traffic-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const ZONE_A = 'cn-hangzhou-h';
const ZONE_B = 'cn-hangzhou-i';
const CLUSTER = 'topology.istio.io/cluster';
const ZONE = 'topology.kubernetes.io/zone';

/** A canary Ingress on the Fleet pinned by `subset-labels: "<key> <value>"`. */
const canary = (name: string, weight: number, pin: string): KubeObject =>
  canaryIngress(`web-demo-pin-${name}`, weight, pin, name);

/** The example policy without any podLabel, in a temp file. */
function policyWithoutPodLabels(dir: string): string {
  const doc = parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8')) as {
    clusters: Array<Record<string, unknown>>;
  };
  for (const c of doc.clusters) delete c.podLabel;
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}

describe('sandbox gateway: what a pin selects (Istio-augmented endpoint labels)', () => {
  let sb: Sandbox;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-dr-pin-'));
    sb = await startSandbox({
      policyPath: policyWithoutPodLabels(dir),
      propagationDelayMs: 100,
      readinessLagMs: 60_000,
      upstreamTimeoutMs: 1500,
      gatewayHealthCheck: { intervalMs: 200, timeoutMs: 1500 },
    });
  });
  after(async () => {
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    // Back to the seeded fleet: no canaries, the zones' own pods and nodes.
    for (const i of sb.fleet.store.list('networking.k8s.io/v1', 'Ingress', 'web-demo'))
      if (i.metadata.name !== 'web-demo')
        sb.fleet.store.delete('networking.k8s.io/v1', 'Ingress', 'web-demo', i.metadata.name);
    for (const z of sb.zones.list) z.sync();
    await settle();
  });

  const member = (id: string) => sb.members.get(id)!.store;
  const pods = (id: string) => member(id).list('v1', 'Pod', 'web-demo');
  const node = (id: string) => member(id).list('v1', 'Node')[0]!;

  /** Waits until the gateway has re-read the members and applied the Fleet's config as it is now. */
  async function settle(): Promise<void> {
    await sb.gateway.refresh();
    for (let i = 0; i < 200 && !sb.gateway.converged(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(sb.gateway.converged(), 'the gateway applied the config');
  }
  async function route(...canaries: KubeObject[]): Promise<void> {
    for (const c of canaries) sb.fleet.store.upsert(c);
    await settle();
  }
  async function traffic(n = 300): Promise<Record<string, number>> {
    const t = await sendRequests(sb.gateway.url, n, 16);
    assert.equal(t.byStatus[200], n, JSON.stringify(t.byStatus));
    return t.byCluster;
  }
  function relabelPods(id: string, labels: Record<string, string>): void {
    for (const p of pods(id))
      member(id).upsert({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, ...labels } } });
  }

  it('the seeded pods carry no pin label; each zone has a node with its zone and region', () => {
    for (const [id, zone] of [
      [A, ZONE_A],
      [B, ZONE_B],
    ] as const) {
      for (const p of pods(id)) assert.equal(p.metadata.labels?.[CLUSTER], undefined);
      const n = node(id);
      assert.equal(n.metadata.labels?.[ZONE], zone);
      assert.equal(n.metadata.labels?.['topology.kubernetes.io/region'], 'cn-hangzhou');
      for (const p of pods(id)) assert.equal((p.spec as { nodeName?: string }).nodeName, n.metadata.name);
    }
  });

  it("a cluster-id pin routes to that cluster's pods although they carry no pin label", async () => {
    await route(canary(A, 100, `${CLUSTER} ${A}`), canary(B, 0, `${CLUSTER} ${B}`));
    assert.deepEqual(await traffic(), { [A]: 300 });
    await route(canary(A, 0, `${CLUSTER} ${A}`), canary(B, 100, `${CLUSTER} ${B}`));
    assert.deepEqual(await traffic(), { [B]: 300 }, 'the cluster the pin does not match gets nothing');
  });

  it('a pod label topology.istio.io/cluster with a wrong value does not override the cluster id', async () => {
    relabelPods(A, { [CLUSTER]: B });
    await route(canary(A, 0, `${CLUSTER} ${A}`), canary(B, 100, `${CLUSTER} ${B}`));
    assert.deepEqual(await traffic(), { [B]: 300 }, "A's pods labelled with B's id get none of B's canary");
    await route(canary(A, 100, `${CLUSTER} ${A}`), canary(B, 0, `${CLUSTER} ${B}`));
    assert.deepEqual(await traffic(), { [A]: 300 }, "A's canary still selects A's pods");
  });

  it("a zone pin routes by the nodes' zone, 70/30", async () => {
    await route(canary('h', 70, `${ZONE} ${ZONE_A}`), canary('i', 30, `${ZONE} ${ZONE_B}`));
    const t = await traffic(1000);
    assert.ok(Math.abs((t[A] ?? 0) / 1000 - 0.7) <= 0.05, JSON.stringify(t));
    assert.equal((t[A] ?? 0) + (t[B] ?? 0), 1000);
  });

  it('a zone the pin does not match gets nothing while the other canary holds 100; pod labels do not count', async () => {
    // A pod label of the zone key is overwritten by the node's zone (the node has one).
    relabelPods(B, { [ZONE]: ZONE_A });
    await route(canary('h', 100, `${ZONE} ${ZONE_A}`), canary('i', 0, `${ZONE} ${ZONE_B}`));
    assert.deepEqual(await traffic(), { [A]: 300 });
  });

  it('a pin that matches nothing (no node carries the zone) falls back to all pods, as documented', async () => {
    const n = node(B);
    const labels = { ...n.metadata.labels };
    delete labels[ZONE];
    member(B).upsert({ ...n, metadata: { ...n.metadata, labels } });
    await route(canary('h', 0, `${ZONE} ${ZONE_A}`), canary('i', 100, `${ZONE} ${ZONE_B}`));
    const t = await traffic(600);
    assert.ok(
      (t[A] ?? 0) > 150 && (t[B] ?? 0) > 150,
      `every pod of the Service serves: ${JSON.stringify(t)}`,
    );
  });

  describe('the weight writer against the same gateway', () => {
    // The member clients the functions use: wire() → ack.memberKube (kubeconfig from the CS stand-in), so a
    // zone pin here reads Nodes exactly as in production.
    let wiring: Wiring | undefined;
    const production = (): Wiring => {
      const { cs, adcp, mse, cms } = sb.cloud.endpoints;
      wiring ??= wire(
        sb.policy,
        { requestId: 'pin-test', accountId: '1234567890', credentials: sb.cloud.credentials.issueStsToken() },
        { FLEET_DR_ENDPOINTS: JSON.stringify({ cs, adcp, mse, cms }) },
      );
      return wiring;
    };
    after(async () => {
      if (wiring) for (const c of sb.policy.clusters) await (await wiring.memberKube(c.id)).close?.();
    });
    const writer = (pin: PinKind) =>
      new IngressWeightWriter({
        fleetKube: kubeClientFromKubeconfig('fleet', kubeconfigOf(sb.fleet), FAST),
        memberKube: production().memberKube,
        clusters: sb.policy.clusters,
        keys: { ...gatewayKeys(sb.policy.gateway), pin },
      });

    it("the production member client lists each member's Nodes with their zone", async () => {
      for (const [id, zone] of [
        [A, ZONE_A],
        [B, ZONE_B],
      ] as const) {
        const nodes = await (await production().memberKube(id)).listNodes();
        assert.ok(nodes.length > 0, id);
        for (const n of nodes) assert.equal(n.metadata?.labels?.[ZONE], zone, n.metadata?.name);
        const none = await (await production().memberKube(id)).listNodes(`${ZONE}=elsewhere`);
        assert.deepEqual(none, [], 'the label selector is sent');
      }
    });

    it('writes canaries pinned the chosen way, and the gateway routes by them', async () => {
      for (const pin of ['cluster-id', 'zone'] as const) {
        await writer(pin).apply(sb.policy.routes[0]!, { [A]: 0, [B]: 100 });
        await settle();
        assert.deepEqual(await traffic(), { [B]: 300 }, pin);
      }
      const written = sb.fleet.store.get(
        'networking.k8s.io/v1',
        'Ingress',
        'web-demo',
        `web-demo-fleet-dr-${B}`,
      );
      assert.equal(
        written?.metadata.annotations?.['mse.ingress.kubernetes.io/subset-labels'],
        `${ZONE} ${ZONE_B}`,
      );
    });

    it('refuses a zone pin whose nodes carry no zone label, saying so, where the gateway would fall back', async () => {
      const n = node(B);
      const labels = { ...n.metadata.labels };
      delete labels[ZONE];
      member(B).upsert({ ...n, metadata: { ...n.metadata, labels } });
      await assert.rejects(
        writer('zone').apply(sb.policy.routes[0]!, { [A]: 0, [B]: 100 }),
        (e: unknown) =>
          e instanceof PinLabelError &&
          e.clusterId === B &&
          e.message.includes(`nodes of ${B} carry no ${ZONE} label`),
      );
    });

    it('refuses a zone pin that also selects the other cluster, where the gateway would send traffic there', async () => {
      const n = node(A);
      member(A).upsert({
        ...n,
        metadata: { ...n.metadata, labels: { ...n.metadata.labels, [ZONE]: ZONE_B } },
      });
      await assert.rejects(
        writer('zone').apply(sb.policy.routes[0]!, { [A]: 0, [B]: 100 }),
        (e: unknown) =>
          e instanceof PinLabelError &&
          e.clusterId === B &&
          /also selects 3 endpoint\(s\) of c-ack-az1/.test(e.message),
      );
    });
  });
});
