import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import CmsModule, {
  DescribeAlertLogListRequest,
  DescribeMetricLastRequest,
  DescribeMetricListRequest,
  PutCustomEventRequest,
  PutCustomEventRequestEventInfo,
  PutCustomMetricRequest,
  PutCustomMetricRequestMetricList,
  PutResourceMetricRuleRequest,
  PutResourceMetricRuleRequestEscalations,
  PutResourceMetricRuleRequestEscalationsCritical,
} from '@alicloud/cms20190101';
import { type CloudStandIn, SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import { callRpc, esmDefault, exampleWorld, OpenApi, sdkConfig } from './cloud-helpers';

const Cms = esmDefault(CmsModule);

/** A 127.0.0.1 webhook that records alarm callbacks; `failFirst` makes the first N posts answer 500. */
async function startWebhook(): Promise<{
  url: string;
  posts: Array<Record<string, string>>;
  failFirst: number;
  server: Server;
}> {
  const state = { posts: [] as Array<Record<string, string>>, failFirst: 0, attempts: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      state.attempts++;
      if (state.failFirst > 0) {
        state.failFirst--;
        res.writeHead(500).end();
        return;
      }
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      state.posts.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alarm`,
    server,
  });
}

const CALLBACK_FIELDS = [
  'alertName',
  'alertState',
  'curValue',
  'dimensions',
  'expression',
  'instanceName',
  'metricName',
  'metricProject',
  'namespace',
  'userId',
  'ruleId',
  'triggerLevel',
  'preTriggerLevel',
  'timestamp',
  'signature',
  'lastTime',
  'rawMetricName',
  'transId',
  'groupId',
  'productGroupName',
  'regionId',
  'regionName',
  'unit',
];

describe('CloudMonitor stand-in through @alicloud/cms20190101, and MSE through callApi', () => {
  let cloud: CloudStandIn;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let clock = 1_700_000_000_000;
  let cms: InstanceType<typeof Cms>;

  before(async () => {
    const world = exampleWorld();
    world.serviceHealthProvider = () => [
      {
        name: 'web-demo',
        namespace: 'web-demo',
        healthStatus: 'Unhealthy',
        ips: ['10.0.0.1'],
        unhealthyEndpoints: ['10.0.0.1:80'],
        ports: [80],
      },
    ];
    // Signatures are checked against this clock too, so it starts at the real time and the test moves it on.
    clock = Date.now();
    cloud = await startCloudStandIn({
      world,
      autoTick: false,
      alarmPeriodMs: 60_000,
      now: () => clock,
      callback: { timeoutMs: 500, retries: 3, retryDelayMs: 5 },
    });
    hook = await startWebhook();
    cms = new Cms(sdkConfig(cloud.openapi.cms.endpoint, SANDBOX_ACCESS_KEY));
  });
  after(async () => {
    await cloud.stop();
    await new Promise<void>((r) => hook.server.close(() => r()));
  });

  const put = (value: number) =>
    cms.putCustomMetric(
      new PutCustomMetricRequest({
        metricList: [
          new PutCustomMetricRequestMetricList({
            groupId: '0',
            metricName: 'probe_failures',
            dimensions: JSON.stringify({ clusterId: 'c-ack-az1' }),
            values: JSON.stringify({ value }),
            type: '0',
            period: '60',
            time: String(clock),
          }),
        ],
      }),
    );

  it('PutCustomMetric is kept and DescribeMetricLast/List return Datapoints as a JSON string', async () => {
    await put(1);
    const last = await cms.describeMetricLast(
      new DescribeMetricLastRequest({
        namespace: cloud.cms.customNamespace,
        metricName: 'probe_failures',
        dimensions: '{"clusterId":"c-ack-az1"}',
        period: '60',
      }),
    );
    assert.equal(typeof last.body?.datapoints, 'string');
    const pts = JSON.parse(last.body?.datapoints ?? '') as Array<Record<string, unknown>>;
    assert.equal(pts.length, 1);
    assert.equal(pts[0]?.clusterId, 'c-ack-az1');
    assert.equal(pts[0]?.Value, 1);
    const list = await cms.describeMetricList(
      new DescribeMetricListRequest({
        namespace: cloud.cms.customNamespace,
        metricName: 'probe_failures',
        period: '60',
      }),
    );
    assert.equal(typeof list.body?.datapoints, 'string');
    assert.equal(list.body?.code, '200');
  });

  it('PutCustomEvent is kept and readable back', async () => {
    await cms.putCustomEvent(
      new PutCustomEventRequest({
        eventInfo: [
          new PutCustomEventRequestEventInfo({
            eventName: 'fleet-dr.shift',
            groupId: '0',
            content: '{"to":"AZ2"}',
            time: '20240101T000000.000+0800',
          }),
        ],
      }),
    );
    const ev = cloud.cms.customEvents();
    assert.equal(ev.length, 1);
    assert.equal(ev[0]?.eventName, 'fleet-dr.shift');
    assert.equal(ev[0]?.content, '{"to":"AZ2"}');
  });

  it('a rule raises ALERT, OK and INSUFFICIENT_DATA callbacks with every field, retrying a failing webhook', async () => {
    await cms.putResourceMetricRule(
      new PutResourceMetricRuleRequest({
        ruleId: 'rule-probe',
        ruleName: 'probe failures',
        namespace: cloud.cms.customNamespace,
        metricName: 'probe_failures',
        resources: '[{"clusterId":"c-ack-az1"}]',
        webhook: hook.url,
        contactGroups: 'fleet-dr', // required by the API
        noDataPolicy: 'INSUFFICIENT_DATA', // the API's default is KEEP_LAST_STATE (no callback on no data)
        escalations: new PutResourceMetricRuleRequestEscalations({
          critical: new PutResourceMetricRuleRequestEscalationsCritical({
            comparisonOperator: 'GreaterThanOrEqualToThreshold',
            statistics: 'Maximum',
            threshold: '3',
            times: 2,
          }),
        }),
      }),
    );
    const step = async (value: number | undefined) => {
      clock += 60_000;
      if (value !== undefined) await put(value);
      await cloud.cms.tick();
    };
    await step(1); // below the threshold: OK from the start, no callback
    assert.equal(hook.posts.length, 0);
    await step(5); // one breach of two
    assert.equal(hook.posts.length, 0);
    hook.failFirst = 2; // the first two deliveries fail: the third try lands
    await step(7);
    assert.equal(hook.posts.length, 1);
    const alert = hook.posts[0] ?? {};
    for (const f of CALLBACK_FIELDS) assert.ok(f in alert, `callback field ${f}`);
    assert.equal(alert.alertState, 'ALERT');
    assert.equal(alert.triggerLevel, 'CRITICAL');
    assert.equal(alert.preTriggerLevel, 'OK');
    assert.equal(alert.curValue, '7');
    assert.equal(alert.ruleId, 'rule-probe');
    assert.equal(alert.expression, '$Maximum>=3');
    assert.equal(alert.dimensions, `{userId=1234567890123456, clusterId=c-ack-az1}`);
    assert.equal(alert.timestamp, String(clock));
    await step(0);
    assert.equal(hook.posts[1]?.alertState, 'OK');
    assert.equal(hook.posts[1]?.triggerLevel, 'OK');
    assert.equal(hook.posts[1]?.preTriggerLevel, 'CRITICAL');
    await step(undefined); // the metric stops arriving
    assert.equal(hook.posts[2]?.alertState, 'INSUFFICIENT_DATA');
    assert.equal(hook.posts.length, 3);
    const log = await cms.describeAlertLogList(new DescribeAlertLogListRequest({ ruleId: 'rule-probe' }));
    assert.equal(log.body?.alertLogList?.length, 3);
  });

  it('site probes against 127.0.0.1 feed Availability and alarm when the target goes down', async () => {
    let healthy = true;
    const target = createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/healthz`;
      cloud.cms.addSiteProbe({ taskId: 'probe-az1', url, timeoutMs: 500 });
      cloud.cms.addRule({
        ruleId: 'rule-site',
        ruleName: 'site az1',
        namespace: 'acs_networkmonitor',
        metricName: 'Availability',
        dimensions: { taskId: 'probe-az1' },
        webhook: hook.url,
        level: 'CRITICAL',
        comparisonOperator: 'LessThanThreshold',
        statistics: 'Average',
        threshold: 100,
        times: 1,
      });
      const before = hook.posts.length;
      clock += 60_000;
      await cloud.cms.tick();
      assert.equal(hook.posts.length, before);
      healthy = false;
      clock += 60_000;
      await cloud.cms.tick();
      const last = hook.posts.at(-1);
      assert.equal(last?.ruleId, 'rule-site');
      assert.equal(last?.alertState, 'ALERT');
      assert.equal(last?.curValue, '0');
    } finally {
      cloud.cms.removeSiteProbe('probe-az1');
      await new Promise<void>((r) => target.close(() => r()));
    }
  });

  it('MSE lists gateways and service health, and answers HTTP 200 Success:false for a configured error', async () => {
    const mse = new OpenApi(sdkConfig(cloud.openapi.mse.endpoint, SANDBOX_ACCESS_KEY));
    const gw = await callRpc(mse, 'ListGateway', '2019-05-31', { FilterParams: '{"Name":"ackone-gateway"}' });
    const result = (gw.body.Data as { Result: Array<{ GatewayUniqueId: string; Status: number }> }).Result;
    assert.equal(result[0]?.Status, 2);
    const svc = await callRpc(mse, 'ListGatewayService', '2019-05-31', {
      FilterParams: JSON.stringify({ GatewayUniqueId: result[0]?.GatewayUniqueId, Namespace: 'web-demo' }),
    });
    const services = (
      svc.body.Data as { Result: Array<{ Id: number; HealthStatus: string; UnhealthyEndpoints: string[] }> }
    ).Result;
    assert.equal(services[0]?.HealthStatus, 'Unhealthy');
    assert.deepEqual(services[0]?.UnhealthyEndpoints, ['10.0.0.1:80']);
    const detail = await callRpc(mse, 'GetGatewayServiceDetail', '2019-05-31', {
      GatewayUniqueId: result[0]?.GatewayUniqueId,
      ServiceId: services[0]?.Id,
    });
    assert.deepEqual((detail.body.Data as { VersionDetails: unknown[] }).VersionDetails, []);
    cloud.mse.failNext('ListGatewayService', 'Mse.InternalError', 'backend busy');
    const failed = await callRpc(mse, 'ListGatewayService', '2019-05-31', { FilterParams: '{}' });
    assert.equal(failed.statusCode, 200);
    assert.equal(failed.body.Success, false);
    assert.equal(failed.body.Code, 'Mse.InternalError');
    const again = await callRpc(mse, 'ListGatewayService', '2019-05-31', { FilterParams: '{}' });
    assert.equal(again.body.Success, true);
  });
});
