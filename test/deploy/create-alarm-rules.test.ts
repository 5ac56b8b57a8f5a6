import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AlarmRulesError, main } from '../../deploy/create-alarm-rules';
import { SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import { FleetWorld } from '../../sandbox/world';

const root = fileURLToPath(new URL('../..', import.meta.url));
const policy = join(root, 'deploy', 'policy.yaml');
const TOKEN = 'callback-secret-0123456789';

describe('deploy/create-alarm-rules.ts', () => {
  it('prints one PutResourceMetricRule per cluster with --dry-run, token redacted (run as a script)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'deploy/create-alarm-rules.ts',
        '--dry-run',
        '--policy',
        policy,
        '--callback-url',
        'https://fleet-dr-alarm-failover-abc.cn-hangzhou.fcapp.run/alarm',
        '--account-id',
        '1234567890',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 180_000,
        env: { ...process.env, FLEET_DR_CALLBACK_TOKEN: TOKEN },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(TOKEN), 'the token is never printed');
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.RuleId, l.RuleName, l.Resources]),
      [
        ['fleet-dr-probe-c-ack-az1', 'ack-az1-probe', '[{"clusterId":"c-ack-az1"}]'],
        ['fleet-dr-probe-c-reg-az2', 'idc-az2-probe', '[{"clusterId":"c-reg-az2"}]'],
      ],
    );
    const first = lines[0];
    assert.equal(first.action, 'PutResourceMetricRule');
    assert.equal(first.Namespace, 'acs_customMetric_1234567890');
    assert.equal(first.MetricName, 'fleet_dr_probe_success');
    assert.equal(first.Webhook, 'https://fleet-dr-alarm-failover-abc.cn-hangzhou.fcapp.run/alarm?token=***');
    assert.deepEqual(first.Escalations.Critical, {
      ComparisonOperator: 'LessThanThreshold',
      Statistics: 'Average',
      Threshold: '1',
      Times: 3,
    });
  });

  it('refuses to run without the token, or with a sandbox endpoint that is not 127.0.0.1', async () => {
    const args = [
      '--policy',
      policy,
      '--callback-url',
      'http://127.0.0.1:1/fleet-dr-alarm-failover',
      '--account-id',
      '1',
    ];
    await assert.rejects(
      main(args, {}, () => undefined),
      /FLEET_DR_CALLBACK_TOKEN/,
    );
    await assert.rejects(
      main(
        [...args, '--sandbox-endpoint', 'metrics.cn-hangzhou.aliyuncs.com'],
        { FLEET_DR_CALLBACK_TOKEN: TOKEN },
        () => undefined,
      ),
      AlarmRulesError,
    );
  });

  it('stores the rules in the CloudMonitor stand-in through the real SDK', async () => {
    const world = new FleetWorld({ fleetId: 'c-fleet-demo', regionId: 'cn-hangzhou' });
    const cloud = await startCloudStandIn({ world, autoTick: false, accountId: '1234567890' });
    after(() => cloud.stop());
    const printed: string[] = [];
    const code = await main(
      [
        '--policy',
        policy,
        '--callback-url',
        'http://127.0.0.1:9/fleet-dr-alarm-failover',
        '--account-id',
        '1234567890',
        '--sandbox-endpoint',
        cloud.endpoints.cms,
      ],
      {
        FLEET_DR_CALLBACK_TOKEN: TOKEN,
        ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
      },
      (l) => printed.push(l),
    );
    assert.equal(code, 0);
    assert.ok(printed.every((l) => !l.includes(TOKEN)));
    const rules = cloud.cms.rules().sort((a, b) => a.ruleId.localeCompare(b.ruleId));
    assert.equal(rules.length, 2);
    const r = rules[0]!;
    assert.equal(r.ruleId, 'fleet-dr-probe-c-ack-az1');
    assert.equal(r.namespace, cloud.cms.customNamespace);
    assert.equal(r.metricName, 'fleet_dr_probe_success');
    assert.deepEqual(r.dimensions, { clusterId: 'c-ack-az1' });
    assert.equal(r.webhook, `http://127.0.0.1:9/fleet-dr-alarm-failover?token=${TOKEN}`);
    assert.deepEqual(
      [r.level, r.comparisonOperator, r.threshold, r.times],
      ['CRITICAL', 'LessThanThreshold', 1, 3],
    );
  });
});
