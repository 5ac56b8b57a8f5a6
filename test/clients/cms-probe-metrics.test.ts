// The health-check's metrics through the real CloudMonitor SDK to the stand-in: batched PutCustomMetric calls,
// under the names and dimensions the alarm rules of deploy/create-alarm-rules.ts use, so those rules fire.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { main as createAlarmRules } from '../../deploy/create-alarm-rules';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { type CustomMetric, createCmsClient, METRICS_PER_CALL } from '../../shared/clients/cms-client';
import { PROBE_LATENCY_METRIC, roundMetrics } from '../../shared/observe/probe-metrics';
import type { ClusterRound } from '../../shared/observe/probe-round';
import { parseEvent } from '../../shared/schemas/parse-event';
import { FAST, type Fixture, startFixture } from './fixture';

const round = (clusterId: string, failed: number, at: string): ClusterRound => ({
  clusterId,
  at,
  sent: 10,
  failed,
  skipped: 0,
  share: failed / 10,
  ok: failed < 3,
  latency: failed === 10 ? null : { mean: 42, max: 80 },
  failures: failed ? { 'timeout after 1000 ms': failed } : {},
});

describe('the health-check metrics in CloudMonitor', () => {
  let fx: Fixture;
  let hook: Server;
  const callbacks: string[] = [];
  before(async () => {
    fx = await startFixture();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        callbacks.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  beforeEach(() => fx.cloud.faults.clear());
  after(async () => {
    await new Promise<void>((r) => hook.close(() => r()));
    await fx?.stop();
  });
  const cms = () =>
    createCmsClient({
      region: fx.policy.region,
      credentials: fx.credentials,
      overrides: fx.overrides,
      limits: FAST,
    });

  it('publishes in batches of at most METRICS_PER_CALL, and every entry arrives', async () => {
    const before = fx.cloud.cms.metrics().length;
    const metrics: CustomMetric[] = Array.from({ length: 50 }, (_, i) => ({
      metricName: 'fleet_dr_batch_test',
      value: i,
      dimensions: { clusterId: `c-${i}` },
      time: Date.now(),
    }));
    const r = await cms().putMetricsBatched(metrics);
    assert.deepEqual(r, { published: 50, calls: Math.ceil(50 / METRICS_PER_CALL), errors: [] });
    const got = fx.cloud.cms.metrics().slice(before);
    assert.equal(got.length, 50);
    assert.deepEqual(
      got.map((m) => m.value),
      metrics.map((m) => m.value),
    );
  });

  it('reports a failed call in one short line and still sends the other batches (never throws)', async () => {
    const before = fx.cloud.cms.metrics().length;
    // The second of three calls gets a 503; the others pass.
    fx.cloud.faults.set('cms', { errorRate: 0.5 });
    fx.randoms.push(0.9, 0.1, 0.9);
    const metrics: CustomMetric[] = Array.from({ length: 2 * METRICS_PER_CALL + 1 }, (_, i) => ({
      metricName: 'fleet_dr_batch_test',
      value: i,
      dimensions: { clusterId: 'c' },
    }));
    const r = await cms().putMetricsBatched(metrics);
    assert.equal(r.calls, 3);
    assert.equal(r.published, METRICS_PER_CALL + 1);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /^PutCustomMetric \(21 metrics\): /);
    assert.ok(!/https?:\/\//.test(r.errors[0]!), 'no request URL in the report');
    assert.ok(r.errors[0]!.length < 260);
    assert.equal(fx.cloud.cms.metrics().length - before, METRICS_PER_CALL + 1);
  });

  it('publishes each round under the alarm rules’ metric and dimension, and their rule fires on a failing zone', async () => {
    const callbackUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alarm`;
    const lines: string[] = [];
    const code = await createAlarmRules(
      [
        '--policy',
        'deploy/policy.yaml',
        '--callback-url',
        callbackUrl,
        '--account-id',
        fx.cloud.fc.accountId,
        '--sandbox-endpoint',
        fx.cloud.endpoints.cms,
      ],
      {
        FLEET_DR_CALLBACK_TOKEN: 'cms-probe-metrics-token-0123',
        ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
      },
      (l) => lines.push(l),
    );
    assert.equal(code, 0);
    const rules = fx.cloud.cms.rules().filter((r) => r.ruleId.startsWith('fleet-dr-probe-'));
    assert.equal(rules.length, 2);
    // failuresToDown (3) failing rounds of c-ack-az1, c-reg-az2 serving; one evaluation per round.
    for (let i = 0; i < fx.policy.detection.failuresToDown; i++) {
      const at = new Date().toISOString();
      const metrics = roundMetrics(fx.policy, [round('c-ack-az1', 10, at), round('c-reg-az2', 0, at)]);
      assert.deepEqual(
        metrics.map((m) => [m.metricName, m.dimensions, m.value]),
        [
          ['fleet_dr_probe_success', { clusterId: 'c-ack-az1' }, 0],
          ['fleet_dr_probe_success', { clusterId: 'c-reg-az2' }, 1],
          [PROBE_LATENCY_METRIC, { clusterId: 'c-reg-az2' }, 42],
        ],
      );
      const r = await cms().putMetricsBatched(metrics);
      assert.deepEqual(r.errors, []);
      await fx.cloud.cms.tick();
    }
    const alerts = fx.cloud.cms.alertLog.filter((e) => e.state === 'ALERT');
    assert.deepEqual(
      alerts.map((e) => [e.ruleId, e.dimensions.clusterId]),
      [['fleet-dr-probe-c-ack-az1', 'c-ack-az1']],
    );
    // The callback names the cluster and the probe metric, as alarm-failover reads it.
    const form = callbacks.find((b) => b.includes('alertState=ALERT'));
    assert.ok(form, 'the ALERT callback was delivered');
    const [ev] = parseEvent(form);
    assert.equal(ev?.kind, 'alarm');
    if (ev?.kind === 'alarm') {
      assert.equal(ev.metricName, 'fleet_dr_probe_success');
      assert.equal(ev.clusterId, 'c-ack-az1');
    }
  });
});
