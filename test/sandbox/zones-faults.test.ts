import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { KubeObject } from '../../sandbox/kubernetes/types';
import { type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { ZoneError } from '../../sandbox/zones/errors';
import { pinnedCanary, sendRequests, until } from './traffic-helpers';

const A = 'c-ack-az1'; // ACK, zone cn-hangzhou-h
const B = 'c-reg-az2'; // registered, zone cn-hangzhou-i
const LAG = 300;

function probe(url: string, timeoutMs = 2000): Promise<number | 'refused' | 'timeout' | 'reset'> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    const t = setTimeout(() => {
      resolve('timeout');
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : 'reset'));
    req.on('close', () => clearTimeout(t));
    req.end();
  });
}

describe('sandbox zones: faults, cluster state and member objects', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({
      propagationDelayMs: 100,
      readinessLagMs: LAG,
      upstreamTimeoutMs: 1000,
      healthCheckIntervalMs: 200,
      // The check this file was written against: HTTP, any answer healthy, 0.5 s timeout (the default is TCP,
      // which a slow or 5xx zone passes).
      gatewayHealthCheck: { protocol: 'HTTP', expectedStatuses: [100, 200, 300, 400, 500], timeoutMs: 500 },
      autoTick: false,
    });
    sb.fleet.store.upsert(pinnedCanary(A, 50));
    sb.fleet.store.upsert(pinnedCanary(B, 50));
    await sb.gateway.refresh();
    await until(() => sb.gateway.table().routes[0]?.canaries.length === 2, 3000, 'canaries applied');
  });
  after(async () => {
    await sb?.stop();
  });
  beforeEach(async () => {
    await sb.zones.fault(A, 'heal');
    await sb.zones.fault(B, 'heal');
    sb.gateway.setHealthFallback(true);
    await until(
      () => sb.world.serviceHealthProvider!()[0]?.healthStatus === 'Health',
      4000,
      'healthy gateway view',
    );
    await until(() => readyReplicas(A) === 3 && readyReplicas(B) === 3, 3000, 'ready objects');
    sb.gateway.resetStats();
  });

  const deployment = (c: string) =>
    sb.members.get(c)!.store.get('apps/v1', 'Deployment', 'web-demo', 'web-demo');
  const readyReplicas = (c: string) =>
    (deployment(c)?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
  const slices = (c: string) =>
    sb.members.get(c)!.store.list('discovery.k8s.io/v1', 'EndpointSlice', 'web-demo');
  const sliceReady = (s: KubeObject) =>
    (s.endpoints as Array<{ conditions: { ready: boolean } }>)[0]!.conditions.ready;
  const state = (c: string) => sb.world.cluster(c)!.state;

  it('keeps each member cluster objects in step with the running pods', async () => {
    for (const c of [A, B]) {
      assert.equal(readyReplicas(c), 3);
      const pods = sb.members.get(c)!.store.list('v1', 'Pod', 'web-demo', 'app=web-demo');
      assert.equal(pods.length, 3);
      assert.ok(pods.every((p) => p.metadata.labels?.app === 'web-demo'));
      const ports = sb.zones
        .get(c)
        .pods.map((p) => p.port)
        .sort();
      const slicePorts = slices(c)
        .map((s) => (s.ports as Array<{ port: number }>)[0]!.port)
        .sort();
      assert.deepEqual(slicePorts, ports);
      assert.ok(slices(c).every(sliceReady));
      assert.ok(sb.members.get(c)!.store.get('v1', 'Service', 'web-demo', 'web-demo'));
    }
    assert.match(sb.policy.clusters[0]!.probes[0]!.url, /^http:\/\/127\.0\.0\.1:\d+\/healthz$/);
    assert.equal(await probe(sb.policy.clusters[0]!.probes[0]!.url), 200);
  });

  it('dead: refused connections, ACK control plane stays running, traffic falls back, pods turn not ready after the lag', async () => {
    await sb.zones.fault(A, 'dead', { readinessLagMs: 1500 });
    assert.equal(readyReplicas(A), 3, 'objects lag behind the zone');
    assert.equal(await probe(sb.zones.probeUrl(A)), 'refused');
    assert.equal(state(A), 'running');
    assert.equal(sb.world.zones.get('cn-hangzhou-h')!.fault, 'dead');
    // No passive retry (undocumented for MSE): traffic falls back once the active check's verdict is in.
    await until(
      () => sb.gateway.healthVerdicts().filter((v) => v.cluster === A && !v.healthy).length === 3,
      3000,
      'the gateway judges A unhealthy',
    );
    const t = await sendRequests(sb.gateway.url, 300);
    assert.equal(t.byStatus[200], 300, JSON.stringify(t.byStatus));
    assert.deepEqual(Object.keys(t.byCluster), [B]);
    await until(() => readyReplicas(A) === 0, 3000, 'pods not ready');
    assert.ok(slices(A).every((s) => !sliceReady(s)));
    await sb.zones.fault(A, 'heal');
    assert.equal(readyReplicas(A), 3);
    assert.equal(await probe(sb.zones.probeUrl(A)), 200);
  });

  it('dead with controlPlane down makes the ACK cluster unavailable; heal makes it running', async () => {
    await sb.zones.fault(A, 'dead', { controlPlane: 'down' });
    assert.equal(state(A), 'unavailable');
    await sb.zones.fault(A, 'heal');
    assert.equal(state(A), 'running');
  });

  it('blackhole: connections hang, the registered agent is disconnected; fallback off times out its share', async () => {
    // A long readiness lag keeps B's endpoints in the gateway's view: what it sees before Kubernetes notices.
    await sb.zones.fault(B, 'blackhole', { readinessLagMs: 60_000 });
    assert.equal(await probe(sb.zones.probeUrl(B), 300), 'timeout');
    assert.equal(state(B), 'disconnected');
    sb.gateway.setHealthFallback(false);
    const off = await sendRequests(sb.gateway.url, 100, 25);
    const timedOut = off.byStatus[504] ?? 0;
    assert.ok(timedOut > 25 && timedOut < 75, JSON.stringify(off.byStatus));
    assert.equal(sb.gateway.stats().totals[B]?.failed, timedOut);
    sb.gateway.setHealthFallback(true);
    const on = await sendRequests(sb.gateway.url, 200);
    assert.equal(on.byStatus[200], 200, JSON.stringify(on.byStatus));
    assert.deepEqual(Object.keys(on.byCluster), [A]);
  });

  it('blackhole of the registered cluster freezes its objects: its control plane is cut off with the zone', async () => {
    await sb.zones.fault(B, 'blackhole', { readinessLagMs: 50 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(state(B), 'disconnected');
    assert.equal(readyReplicas(B), 3, 'nobody is left in the zone to mark the pods not ready');
    await sb.zones.fault(A, 'blackhole', { readinessLagMs: 50 });
    await until(
      () => readyReplicas(A) === 0,
      3000,
      'ACK marks its pods not ready: its control plane survives',
    );
  });

  it('slow: the zone answers late but answers', async () => {
    await sb.zones.fault(A, 'slow', { slowMs: 150 });
    assert.equal(state(A), 'running');
    const t = await sendRequests(sb.gateway.url, 100, 20);
    assert.equal(t.byStatus[200], 100, JSON.stringify(t));
    assert.ok(t.minLatency[A]! >= 140, JSON.stringify(t.minLatency));
    assert.ok(t.minLatency[B]! < 140, JSON.stringify(t.minLatency));
  });

  it('errors: a share of the zone answers are 5xx, counted per cluster', async () => {
    await sb.zones.fault(A, 'errors', { errorRate: 0.5 });
    const t = await sendRequests(sb.gateway.url, 800);
    const errors = t.byStatus[503] ?? 0;
    assert.ok(Math.abs(errors / 800 - 0.25) < 0.07, JSON.stringify(t.byStatus));
    const totals = sb.gateway.stats().totals;
    assert.equal(totals[A]!.errors, errors);
    assert.equal(totals[B]!.errors, 0);
    assert.equal(readyReplicas(A), 3);
  });

  it('agent-partition: the registered cluster reads disconnected while its pods serve', async () => {
    await sb.zones.fault(B, 'agent-partition');
    assert.equal(state(B), 'disconnected');
    assert.equal(state(A), 'running');
    const t = await sendRequests(sb.gateway.url, 200);
    assert.equal(t.byStatus[200], 200);
    assert.ok((t.byCluster[B] ?? 0) > 60, JSON.stringify(t.byCluster));
    assert.equal(readyReplicas(B), 3);
    await assert.rejects(sb.zones.fault(A, 'agent-partition'), ZoneError);
    await sb.zones.fault(B, 'heal');
    assert.equal(state(B), 'running');
  });

  it('rejects unknown faults and zones', async () => {
    await assert.rejects(sb.zones.fault(A, 'melted' as never), ZoneError);
    assert.throws(() => sb.zones.get('nowhere'), ZoneError);
    assert.equal(sb.zones.get('cn-hangzhou-i').cluster.id, B);
  });
});
