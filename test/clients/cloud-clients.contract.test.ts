import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { createAckClient } from '../../shared/clients/ack-client';
import { createCmsClient } from '../../shared/clients/cms-client';
import {
  CloudApiError,
  CloudAuthError,
  CloudServerError,
  CloudThrottlingError,
  KubeApiError,
  TimeoutError,
} from '../../shared/clients/errors';
import { createFcClient } from '../../shared/clients/fc-client';
import { clearFleetKubeCache, createFleetClient } from '../../shared/clients/fleet-client';
import { createMseClient } from '../../shared/clients/mse-client';
import { createLogger } from '../../shared/log';
import { FAST, type Fixture, startFixture } from './fixture';
import { type Capture, captureLogs, scanForSecrets } from './log-capture';
import { testCertificate } from './test-certificate';

describe('cloud clients against the sandbox stand-ins', () => {
  let fx: Fixture;
  let cap: Capture;
  const log = createLogger('test-cloud-clients');
  const common = () => ({
    region: fx.policy.region,
    credentials: fx.credentials,
    overrides: fx.overrides,
    limits: FAST,
  });

  before(async () => {
    cap = captureLogs();
    fx = await startFixture();
  });
  after(async () => {
    cap.restore();
    await fx?.stop();
  });

  it('reads cluster detail and a member cluster workload through ACK', async () => {
    const ack = createAckClient(common());
    const d = await ack.clusterDetail('c-ack-az1');
    assert.equal(d.state, 'running');
    assert.equal(d.clusterType, 'ManagedKubernetes');
    fx.world.updateCluster('c-reg-az2', { state: 'disconnected' });
    assert.equal((await ack.clusterDetail('c-reg-az2')).state, 'disconnected');
    const kube = await ack.memberKube('c-ack-az1');
    const pods = await kube.listPods('web-demo', 'app=web-demo');
    assert.equal(pods.length, 2);
    assert.equal((await kube.getService('web-demo', 'web-demo'))?.spec?.selector?.app, 'web-demo');
    log.info('ack read', { state: d.state, pods: pods.length });
  });

  it('lists, detaches and attaches Fleet members and caches the Fleet kubeconfig', async () => {
    clearFleetKubeCache();
    const fleet = createFleetClient({ ...common(), fleetId: fx.policy.fleet.id });
    assert.deepEqual((await fleet.managedClusters()).map((c) => c.clusterId).sort(), [
      'c-ack-az1',
      'c-reg-az2',
    ]);
    await fleet.detach(['c-reg-az2']);
    assert.equal(fx.world.cluster('c-reg-az2')?.attachedToFleet, false);
    await fleet.attach(['c-reg-az2']);
    assert.equal(fx.world.cluster('c-reg-az2')?.attachedToFleet, true);
    const k1 = await fleet.kube();
    const k2 = await fleet.kube();
    assert.equal(k1, k2, 'the Fleet kubeconfig is cached per warm instance');
    assert.ok(
      await k1.getClusterCustomObject(
        { group: 'mse.alibabacloud.com', version: 'v1alpha1', plural: 'mseingressconfigs' },
        'ackone-gateway',
      ),
    );
    let calls = 0;
    const seen = await fleet.withKube(async (k) => {
      calls++;
      if (calls === 1) throw new KubeApiError('fleet', 'get', 401, 'Unauthorized');
      return k;
    });
    assert.equal(calls, 2);
    assert.notEqual(seen, k1, 'a 401 refreshes the kubeconfig');
  });

  it('refreshes the Fleet kubeconfig before its certificate expires', async () => {
    clearFleetKubeCache();
    let now = Date.now();
    const fleet = createFleetClient({ ...common(), fleetId: fx.policy.fleet.id, now: () => now });
    const a = await fleet.kube();
    now += 10 * 365 * 24 * 3600_000; // token kubeconfig: no notAfter, stays cached
    assert.equal(await fleet.kube(), a);

    // A certificate kubeconfig (as ACK issues) is refreshed shortly before its notAfter.
    const saved = fx.world.fleetKubeconfig;
    try {
      const cert = testCertificate(1, 'fleet');
      fx.world.fleetKubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: f, cluster: { server: "${fx.fleet.tlsUrl}" } }]
users: [{ name: u, user: { client-certificate-data: ${cert.certB64}, client-key-data: ${cert.keyB64} } }]
contexts: [{ name: f, context: { cluster: f, user: u } }]
current-context: f
`;
      clearFleetKubeCache();
      now = Date.now();
      const c1 = await fleet.kube();
      now += 12 * 3600_000;
      assert.equal(await fleet.kube(), c1, 'still valid: cached');
      now += 12 * 3600_000 - 60_000; // within the 5-minute refresh margin of notAfter
      assert.notEqual(await fleet.kube(), c1, 'refreshed before notAfter');
    } finally {
      fx.world.fleetKubeconfig = saved;
      clearFleetKubeCache();
    }
  });

  it('reads MSE gateway status and per-cluster service health; Success:false is an error', async () => {
    const mse = createMseClient(common());
    const gw = await mse.gatewayStatus('gw-sandbox-ackone');
    assert.equal(gw.running, true);
    fx.world.serviceHealthProvider = () => [
      {
        name: 'web-demo',
        namespace: 'web-demo',
        healthStatus: 'Unhealthy',
        ips: ['172.20.0.5:8080', '172.22.0.7:8080'],
        unhealthyEndpoints: ['172.22.0.7:8080'],
        ports: [8080],
      },
    ];
    const h = await mse.serviceHealth(
      'gw-sandbox-ackone',
      'web-demo',
      'web-demo',
      fx.policy.clusters.map((c) => ({ clusterId: c.id, podCidr: c.podCidr })),
    );
    assert.equal(h.healthStatus, 'Unhealthy');
    assert.deepEqual(h.clusters, [
      { clusterId: 'c-ack-az1', healthy: 1, unhealthy: 0 },
      { clusterId: 'c-reg-az2', healthy: 0, unhealthy: 1 },
    ]);
    fx.cloud.mse.failNext('ListGateway', 'Gateway.NotFound', 'no such gateway');
    await assert.rejects(
      mse.gatewayStatus('gw-sandbox-ackone'),
      (e: unknown) => e instanceof CloudApiError && e.code === 'Gateway.NotFound',
    );
  });

  it('publishes metrics, reads them back and writes an audit event', async () => {
    const cms = createCmsClient(common());
    const t = Date.now();
    await cms.putMetrics([
      { metricName: 'fleet_dr_probe_success', value: 1, dimensions: { clusterId: 'c-ack-az1' }, time: t },
    ]);
    assert.ok(
      fx.cloud.cms
        .metrics()
        .some((m) => (m as { metricName?: string }).metricName === 'fleet_dr_probe_success'),
    );
    const points = await cms.metricList({
      namespace: fx.cloud.cms.customNamespace,
      metricName: 'fleet_dr_probe_success',
      dimensions: [{ clusterId: 'c-ack-az1' }],
      period: 60,
      startTime: t - 120_000,
      endTime: t + 60_000,
    });
    assert.ok(Array.isArray(points));
    await cms.putAuditEvent({ eventName: 'fleet-dr-decision', content: { plan: 'hold', reason: 'steady' } });
    const ev = fx.cloud.cms.customEvents();
    assert.equal(ev.length, 1);
    assert.match(JSON.stringify(ev[0]), /steady/);
  });

  it('invokes a function asynchronously through the FC 3.0 API', async () => {
    const got: string[] = [];
    fx.cloud.fc.setDispatcher(async (inv) => {
      got.push(`${inv.functionName}:${inv.async}:${inv.event.toString()}`);
      return '';
    });
    const fc = createFcClient({ ...common(), accountId: fx.cloud.fc.accountId });
    const r = await fc.invokeAsync('fleet-dr-deliver', { kind: 'deliver' });
    assert.equal(r.statusCode, 202);
    await fx.cloud.fc.drain();
    assert.deepEqual(got, ['fleet-dr-deliver:true:{"kind":"deliver"}']);
  });

  it('works with STS credentials', async () => {
    const sts = fx.cloud.credentials.issueStsToken();
    const ack = createAckClient({ ...common(), credentials: async () => sts });
    assert.equal((await ack.clusterDetail('c-ack-az1')).clusterId, 'c-ack-az1');
  });

  it('gives named errors for signature, throttling, 5xx and hang faults', async () => {
    const bad = createAckClient({
      ...common(),
      credentials: async () => ({
        accessKeyId: SANDBOX_ACCESS_KEY.accessKeyId,
        accessKeySecret: 'wrong-secret-value',
      }),
    });
    await assert.rejects(
      bad.clusterDetail('c-ack-az1'),
      (e: unknown) => e instanceof CloudAuthError && e.code === 'SignatureDoesNotMatch' && !!e.requestId,
    );
    const ack = createAckClient(common());
    try {
      fx.cloud.faults.set('cs', { throttle: true });
      await assert.rejects(ack.clusterDetail('c-ack-az1'), (e: unknown) => {
        log.error('call failed', { err: e });
        return e instanceof CloudThrottlingError && e.api === 'DescribeClusterDetail';
      });
      // The first attempt gets a 5xx; a second one would pass and be stored. A write that may have taken
      // effect must not be repeated, so the call fails and nothing more is stored.
      fx.cloud.faults.set('cms', { errorRate: 0.5 });
      fx.randoms.push(0, 0.99, 0.99);
      const cms = createCmsClient(common());
      const before = fx.cloud.cms.customEvents().length;
      await assert.rejects(
        cms.putAuditEvent({ eventName: 'x', content: {} }),
        (e: unknown) => e instanceof CloudServerError && (e.statusCode ?? 0) >= 500,
      );
      assert.equal(fx.cloud.cms.customEvents().length, before, 'a failed write is not retried blindly');
      assert.equal(fx.randoms.length, 2, 'exactly one PutCustomEvent request reached the stand-in');
      fx.randoms.length = 0;
      fx.cloud.faults.set('mse', { hang: true });
      const mse = createMseClient({ ...common(), limits: { ...FAST, timeoutMs: 300, retries: 0 } });
      await assert.rejects(mse.gatewayStatus('gw-sandbox-ackone'), TimeoutError);
    } finally {
      fx.cloud.faults.clear();
    }
    const ok = await ack.clusterDetail('c-ack-az1');
    assert.equal(ok.state, 'running');
  });

  it('leaves no credential, token or signature in the logs', () => {
    log.info('kubeconfig fetched', {
      kubeconfig: fx.fleet.kubeconfig(),
      accessKeySecret: SANDBOX_ACCESS_KEY.accessKeySecret,
    });
    const findings = scanForSecrets(cap.lines, [
      SANDBOX_ACCESS_KEY.accessKeySecret,
      fx.fleet.adminToken,
      ...[...fx.members.values()].map((m) => m.adminToken),
    ]);
    assert.ok(cap.lines.length >= 3);
    assert.deepEqual(findings, []);
  });
});
