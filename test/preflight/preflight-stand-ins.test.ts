/**
 * What preflight's new reads and writes rest on: the preflight-only RAM grant, CloudMonitor's
 * DescribeMetricRuleList and the Kubernetes stand-in's server-side dry run (contracts of the stand-ins), and the
 * pure judgements of the alarm rules and the gateway version.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { AlarmEngine, type AlarmRule } from '../../sandbox/cloud/alarm-engine';
import { OpenApiError } from '../../sandbox/cloud/errors';
import { MetricStore } from '../../sandbox/cloud/metric-store';
import { cmsProduct } from '../../sandbox/cloud/products/cms';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { metricRuleView } from '../../shared/clients/cms-client';
import { CloudAuthError } from '../../shared/clients/errors';
import { type Policy, PolicySchema } from '../../shared/config';
import {
  judgeAlarmRules,
  PREFLIGHT_INVOKE,
  PREFLIGHT_ONLY_ACTIONS,
} from '../../shared/preflight/alarm-rules';
import { judgeGatewayVersion, versionAtLeast, versionParts } from '../../shared/preflight/gateway-version';
import { HEALTH_CHECK_FUNCTION } from '../../shared/preflight/probe-from';
import { apiError, kubeConfigFor, startTestServer } from '../sandbox/kubernetes-helpers';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), 'utf8');
const policy: Policy = PolicySchema.parse(parse(read('deploy/policy.yaml')));
const actionsOf = (file: string) =>
  (JSON.parse(read(file)) as { Statement: Array<{ Action: string[] }> }).Statement.flatMap((s) => s.Action);

describe('the preflight-only RAM grant', () => {
  it('deploy/ram-policy-preflight.json grants what preflight alone reads, and invoking only the health-check', () => {
    const doc = JSON.parse(read('deploy/ram-policy-preflight.json')) as {
      Statement: Array<{ Action: string[]; Resource: string }>;
    };
    const reads = doc.Statement.filter((s) => !s.Action.includes(PREFLIGHT_INVOKE.action));
    assert.deepEqual(reads.flatMap((s) => s.Action).sort(), [...PREFLIGHT_ONLY_ACTIONS].sort());
    const functions = new Set(actionsOf('deploy/ram-policy.json'));
    for (const a of PREFLIGHT_ONLY_ACTIONS) {
      assert.ok(!functions.has(a), `${a} must not be in the functions' policy`);
      assert.match(a, /:(Describe|List|Get)/, `${a} is read-only`);
    }
    // The one write: the health-check's preflight mode, on that function alone (probe-from.ts).
    const invoke = doc.Statement.filter((s) => s.Action.includes(PREFLIGHT_INVOKE.action));
    assert.deepEqual(
      invoke.map((s) => [s.Action, s.Resource]),
      [[[PREFLIGHT_INVOKE.action], PREFLIGHT_INVOKE.resource]],
    );
    assert.ok(PREFLIGHT_INVOKE.resource.endsWith(`functions/${HEALTH_CHECK_FUNCTION}`));
  });
});

describe('CloudMonitor DescribeMetricRuleList (stand-in contract)', () => {
  const rule = (id: string, clusterId: string): AlarmRule => ({
    ruleId: id,
    ruleName: `${clusterId}-probe`,
    namespace: 'acs_customMetric_1',
    metricName: 'fleet_dr_probe_success',
    dimensions: { clusterId },
    webhook: 'http://127.0.0.1:9/fleet-dr-alarm-failover?token=t0k',
    level: 'CRITICAL',
    comparisonOperator: 'LessThanThreshold',
    statistics: 'Average',
    threshold: 1,
    times: 3,
  });
  const engine = new AlarmEngine({
    store: new MetricStore(),
    now: Date.now,
    userId: '1',
    regionId: 'cn-hangzhou',
  });
  engine.addRule(rule('r1', 'c1'));
  engine.addRule(rule('r2', 'c2'));
  const cms = cmsProduct({ store: new MetricStore(), engine, events: [], userId: '1', now: Date.now });
  const call = (params: Record<string, string>) =>
    cms.actions.DescribeMetricRuleList!({ params } as never) as Record<string, unknown>;

  it('answers Alarms.Alarm[] with the API field names and types, filtered and paged', () => {
    const all = call({ MetricName: 'fleet_dr_probe_success' });
    assert.equal(all.Code, 200);
    assert.equal(all.Success, true);
    assert.equal(all.Total, '2');
    const alarms = (all.Alarms as { Alarm: Array<Record<string, unknown>> }).Alarm;
    assert.deepEqual(
      alarms.map((a) => [a.RuleId, a.EnableState, a.Resources, typeof a.Webhook]),
      [
        ['r1', true, '[{"clusterId":"c1"}]', 'string'],
        ['r2', true, '[{"clusterId":"c2"}]', 'string'],
      ],
    );
    assert.deepEqual(
      (alarms[0]!.Escalations as { Critical: Record<string, unknown> }).Critical.Threshold,
      '1',
    );
    assert.equal(call({ MetricName: 'other' }).Total, '0');
    assert.equal(call({ RuleIds: 'r2' }).Total, '1');
    const page2 = call({ Page: '2', PageSize: '1' });
    assert.deepEqual(
      (page2.Alarms as { Alarm: Array<{ RuleId: string }> }).Alarm.map((a) => a.RuleId),
      ['r2'],
    );
    assert.equal(
      metricRuleView({ ruleId: 'r1', resources: '[{"clusterId":"c1"}]', enableState: true }).resources[0]!
        .clusterId,
      'c1',
    );
  });

  it('refuses bad parameters as InvalidParameter, naming them', () => {
    for (const [params, name] of [
      [{ PageSize: '0' }, 'PageSize'],
      [{ Page: 'x' }, 'Page'],
      [{ EnableState: 'yes' }, 'EnableState'],
      [{ AlertState: 'ALERT' }, 'AlertState'],
      [{ RuleIds: Array.from({ length: 21 }, (_, i) => `r${i}`).join(',') }, 'RuleIds'],
    ] as const)
      assert.throws(
        () => call(params),
        (e: unknown) =>
          e instanceof OpenApiError && e.code === 'InvalidParameter' && e.message.includes(name),
        name,
      );
  });
});

describe('the Kubernetes stand-in: dryRun=All (contract)', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });
  const cm = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'web-demo' },
    data,
  });

  it('a dry-run create answers the object, stores nothing; a dry-run update leaves resourceVersion alone', async () => {
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    const made = await core.createNamespacedConfigMap({
      namespace: 'web-demo',
      body: cm('dry', { a: '1' }),
      dryRun: 'All',
    });
    assert.equal(made.metadata?.name, 'dry');
    assert.equal(
      (await apiError(() => core.readNamespacedConfigMap({ name: 'dry', namespace: 'web-demo' }))).code,
      404,
    );
    const real = await core.createNamespacedConfigMap({
      namespace: 'web-demo',
      body: cm('real', { a: '1' }),
    });
    const rv = real.metadata!.resourceVersion;
    const answered = await core.replaceNamespacedConfigMap({
      name: 'real',
      namespace: 'web-demo',
      body: { ...real, data: { a: '2' } },
      dryRun: 'All',
    });
    assert.equal(answered.data?.a, '2');
    const now = await core.readNamespacedConfigMap({ name: 'real', namespace: 'web-demo' });
    assert.equal(now.metadata?.resourceVersion, rv);
    assert.equal(now.data?.a, '1');
  });

  it('a dry run is still validated: an invalid object is refused (422)', async () => {
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    const bad = await apiError(() =>
      core.createNamespacedConfigMap({ namespace: 'web-demo', body: cm('Bad_Name', {}), dryRun: 'All' }),
    );
    assert.equal(bad.code, 422);
  });
});

describe('preflight judgements: alarm rules and gateway version', () => {
  const rules = (webhook: string, enabled = true) =>
    policy.clusters.map((c) => ({
      ruleId: `fleet-dr-probe-${c.id}`,
      ruleName: c.id,
      namespace: 'ns',
      metricName: 'fleet_dr_probe_success',
      resources: [{ clusterId: c.id }],
      webhook,
      enabled,
    }));
  const url = 'https://x.fcapp.run/fleet-dr-alarm-failover';
  const target = { url, token: 's3cret', tokenEnv: 'FLEET_DR_CALLBACK_TOKEN' };

  it('PASSes on one enabled rule per cluster calling the URL with the token; never prints the token', () => {
    const r = judgeAlarmRules(policy, { rules: rules(`${url}?token=s3cret`) }, target);
    assert.equal(r.result, 'PASS', r.evidence);
    assert.ok(!r.evidence.includes('s3cret'));
  });
  it('FAILs on a missing or wrong token, a disabled rule, or no rule; WARNs without a URL to compare', () => {
    assert.equal(judgeAlarmRules(policy, { rules: rules(url) }, target).result, 'FAIL');
    const wrong = judgeAlarmRules(policy, { rules: rules(`${url}?token=other`) }, target);
    assert.equal(wrong.result, 'FAIL');
    assert.match(wrong.evidence, /matches FLEET_DR_CALLBACK_TOKEN: no/);
    assert.ok(!wrong.evidence.includes('other'));
    assert.equal(
      judgeAlarmRules(policy, { rules: rules(`${url}?token=s3cret`, false) }, target).result,
      'FAIL',
    );
    assert.equal(judgeAlarmRules(policy, { rules: [] }, target).result, 'FAIL');
    assert.equal(
      judgeAlarmRules(policy, { rules: rules(`${url}?token=s3cret`) }, { ...target, url: undefined }).result,
      'WARN',
    );
  });
  it('a denied read WARNs naming the preflight grant', () => {
    const r = judgeAlarmRules(
      policy,
      { error: new CloudAuthError('DescribeMetricRuleList', 'Forbidden.RAM', 'no', undefined, 403) },
      target,
    );
    assert.equal(r.result, 'WARN');
    assert.match(r.fix, /ram-policy-preflight\.json/);
  });
  it('compares versions part by part', () => {
    assert.ok(versionAtLeast(versionParts('1.2.25')!, [1, 2, 25]));
    assert.ok(versionAtLeast(versionParts('2.0.6-mse')!, [1, 2, 25]));
    assert.ok(!versionAtLeast(versionParts('1.2.9')!, [1, 2, 25]));
    const p = { ...policy, fleet: { ...policy.fleet, gatewayId: 'gw-1' } };
    const status = (version?: string) => ({
      status: { gatewayId: 'gw-1', name: 'g', status: 'running', running: true, version },
    });
    assert.equal(judgeGatewayVersion(p, status('1.2.9')).result, 'FAIL');
    assert.equal(judgeGatewayVersion(p, status('1.2.25')).result, 'PASS');
    assert.equal(judgeGatewayVersion(p, status(undefined)).result, 'WARN');
  });
});
