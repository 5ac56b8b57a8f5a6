/**
 * Contract: the CloudMonitor stand-in is strict where CloudMonitor is: required parameters are required,
 * PutResourceMetricRule checks its enums and honours NoDataPolicy, and one rule that cannot be evaluated does
 * not stop the other rules' alarms.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import CmsModule, {
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
import { esmDefault, exampleWorld, sdkConfig, sdkError } from './cloud-helpers';

const Cms = esmDefault(CmsModule);

async function startWebhook(): Promise<{
  url: string;
  posts: Array<Record<string, string>>;
  server: Server;
}> {
  const posts: Array<Record<string, string>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      posts.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alarm`, posts, server };
}

describe('CloudMonitor stand-in: strict where CloudMonitor is', () => {
  let cloud: CloudStandIn;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let clock = 0;
  let cms: InstanceType<typeof Cms>;

  before(async () => {
    clock = Date.now();
    cloud = await startCloudStandIn({
      world: exampleWorld(),
      autoTick: false,
      alarmPeriodMs: 60_000,
      now: () => clock,
      callback: { timeoutMs: 500, retries: 0, retryDelayMs: 5 },
    });
    hook = await startWebhook();
    cms = new Cms(sdkConfig(cloud.openapi.cms.endpoint, SANDBOX_ACCESS_KEY));
  });
  after(async () => {
    await cloud.stop();
    await new Promise<void>((r) => hook.server.close(() => r()));
  });

  const rule = (
    ruleId: string,
    o: {
      noDataPolicy?: string;
      comparisonOperator?: string;
      statistics?: string;
      contactGroups?: string;
    } = {},
  ) =>
    new PutResourceMetricRuleRequest({
      ruleId,
      ruleName: ruleId,
      namespace: cloud.cms.customNamespace,
      metricName: 'probe_ok',
      resources: JSON.stringify([{ clusterId: ruleId }]),
      webhook: hook.url,
      contactGroups: 'contactGroups' in o ? o.contactGroups : 'fleet-dr',
      ...(o.noDataPolicy ? { noDataPolicy: o.noDataPolicy } : {}),
      escalations: new PutResourceMetricRuleRequestEscalations({
        critical: new PutResourceMetricRuleRequestEscalationsCritical({
          comparisonOperator: o.comparisonOperator ?? 'LessThanThreshold',
          statistics: o.statistics ?? 'Average',
          threshold: '1',
          times: 1,
        }),
      }),
    });

  const put = (clusterId: string, value: number) =>
    cms.putCustomMetric(
      new PutCustomMetricRequest({
        metricList: [
          new PutCustomMetricRequestMetricList({
            groupId: '0',
            metricName: 'probe_ok',
            dimensions: JSON.stringify({ clusterId }),
            values: JSON.stringify({ value }),
            type: '0',
            time: String(clock),
          }),
        ],
      }),
    );

  const step = async (values: Record<string, number>) => {
    clock += 60_000;
    for (const [c, v] of Object.entries(values)) await put(c, v);
    await cloud.cms.tick();
  };

  const postsFor = (ruleId: string) => hook.posts.filter((p) => p.ruleId === ruleId).map((p) => p.alertState);

  it('DescribeMetricLast/List without Namespace or MetricName answer MissingParameter, not an empty list', async () => {
    for (const call of [
      () => cms.describeMetricLast(new DescribeMetricLastRequest({ metricName: 'probe_ok' })),
      () => cms.describeMetricList(new DescribeMetricListRequest({ metricName: 'probe_ok' })),
    ]) {
      const e = await sdkError(call());
      assert.equal(e.code, 'MissingParameter');
      assert.equal(e.statusCode, 400);
      assert.match(e.message, /"Namespace"/);
    }
    const e = await sdkError(
      cms.describeMetricLast(new DescribeMetricLastRequest({ namespace: cloud.cms.customNamespace })),
    );
    assert.equal(e.code, 'MissingParameter');
    assert.match(e.message, /"MetricName"/);
  });

  it('PutCustomMetric and PutCustomEvent refuse a missing required field and keep nothing of the batch', async () => {
    const before = cloud.cms.metrics().length;
    const e = await sdkError(
      cms.putCustomMetric(
        new PutCustomMetricRequest({
          metricList: [
            new PutCustomMetricRequestMetricList({
              groupId: '0',
              metricName: 'probe_ok',
              dimensions: '{"clusterId":"x"}',
              values: '{"value":1}',
              type: '0',
            }),
            new PutCustomMetricRequestMetricList({
              groupId: '0',
              dimensions: '{}',
              values: '{"value":1}',
              type: '0',
            }),
          ],
        }),
      ),
    );
    assert.equal(e.code, 'MissingParameter');
    assert.match(e.message, /"MetricList\.2\.MetricName"/);
    assert.equal(cloud.cms.metrics().length, before);
    const ev = await sdkError(
      cms.putCustomEvent(
        new PutCustomEventRequest({ eventInfo: [new PutCustomEventRequestEventInfo({ eventName: 'x' })] }),
      ),
    );
    assert.equal(ev.code, 'MissingParameter');
    assert.match(ev.message, /"EventInfo\.1\.Content"/);
  });

  it('PutResourceMetricRule requires its parameters and names a bad enum value', async () => {
    const noContacts = await sdkError(cms.putResourceMetricRule(rule('r-x', { contactGroups: undefined })));
    assert.equal(noContacts.code, 'MissingParameter');
    assert.match(noContacts.message, /"ContactGroups"/);
    for (const [o, param] of [
      [{ comparisonOperator: 'Bigger' }, 'Escalations.Critical.ComparisonOperator'],
      [{ statistics: 'Avg' }, 'Escalations.Critical.Statistics'],
      [{ noDataPolicy: 'IGNORE' }, 'NoDataPolicy'],
    ] as const) {
      const e = await sdkError(cms.putResourceMetricRule(rule('r-x', o)));
      assert.equal(e.code, 'InvalidParameter', param);
      assert.equal(e.statusCode, 400);
      assert.ok(e.message.includes(`"${param}"`), `${e.message} names ${param}`);
    }
    assert.equal(
      cloud.cms.rules().find((r) => r.ruleId === 'r-x'),
      undefined,
    );
    const partial = await sdkError(
      cms.putResourceMetricRule(
        new PutResourceMetricRuleRequest({
          ruleId: 'r-y',
          ruleName: 'r-y',
          namespace: cloud.cms.customNamespace,
          metricName: 'probe_ok',
          contactGroups: 'fleet-dr',
          webhook: hook.url,
          escalations: new PutResourceMetricRuleRequestEscalations({
            critical: new PutResourceMetricRuleRequestEscalationsCritical({ threshold: '1' }),
          }),
        }),
      ),
    );
    assert.equal(partial.code, 'MissingParameter', 'a level needs all four of its fields');
  });

  it('NoDataPolicy: KEEP_LAST_STATE (the default) keeps the state, INSUFFICIENT_DATA and OK report it', async () => {
    await cms.putResourceMetricRule(rule('nd-keep'));
    await cms.putResourceMetricRule(rule('nd-insufficient', { noDataPolicy: 'INSUFFICIENT_DATA' }));
    await cms.putResourceMetricRule(rule('nd-ok', { noDataPolicy: 'OK' }));
    const ids = ['nd-keep', 'nd-insufficient', 'nd-ok'];
    await step(Object.fromEntries(ids.map((id) => [id, 0]))); // below 1: ALERT for all three
    for (const id of ids) assert.deepEqual(postsFor(id), ['ALERT'], id);
    await step({}); // no data at all
    assert.deepEqual(postsFor('nd-keep'), ['ALERT']);
    assert.deepEqual(postsFor('nd-insufficient'), ['ALERT', 'INSUFFICIENT_DATA']);
    assert.deepEqual(postsFor('nd-ok'), ['ALERT', 'OK']);
    await step(Object.fromEntries(ids.map((id) => [id, 1]))); // data again, healthy
    assert.deepEqual(postsFor('nd-keep'), ['ALERT', 'OK']);
    assert.deepEqual(postsFor('nd-insufficient'), ['ALERT', 'INSUFFICIENT_DATA', 'OK']);
    assert.deepEqual(postsFor('nd-ok'), ['ALERT', 'OK']);
  });

  it('a rule the engine cannot evaluate is recorded; every other rule still alarms in the same round', async () => {
    // Accepted by the API (a period comparison), not evaluated by the stand-in; added before the good rule.
    await cms.putResourceMetricRule(rule('iso-bad', { comparisonOperator: 'GreaterThanYesterday' }));
    cloud.cms.addRule({
      ruleId: 'iso-bad-inprocess',
      ruleName: 'iso-bad-inprocess',
      namespace: cloud.cms.customNamespace,
      metricName: 'probe_ok',
      webhook: hook.url,
      level: 'CRITICAL',
      // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid
      comparisonOperator: 'Bigger' as any,
      statistics: 'Average',
      threshold: 1,
      times: 1,
    });
    await cms.putResourceMetricRule(rule('iso-good', { noDataPolicy: 'INSUFFICIENT_DATA' }));
    await step({ 'iso-bad': 0, 'iso-good': 0 });
    assert.deepEqual(postsFor('iso-good'), ['ALERT']);
    assert.deepEqual(postsFor('iso-bad'), []);
    const errors = cloud.cms.ruleErrors();
    assert.match(errors.find((e) => e.ruleId === 'iso-bad')?.message ?? '', /GreaterThanYesterday/);
    assert.match(errors.find((e) => e.ruleId === 'iso-bad-inprocess')?.message ?? '', /Bigger/);
    assert.equal(
      errors.find((e) => e.ruleId === 'iso-good'),
      undefined,
    );
    await step({ 'iso-good': 1 }); // and the next rounds keep going
    assert.deepEqual(postsFor('iso-good'), ['ALERT', 'OK']);
  });
});
