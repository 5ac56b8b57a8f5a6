import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PolicySchema } from '../../shared/config';
import { deployedName } from '../../shared/runtime/handler-shell';
import { parseEvent } from '../../shared/schemas/parse-event';
import { CMS_ALARM_EVENT_SOURCES, CMS_ALARM_EVENT_TYPES } from '../../shared/schemas/unverified';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sBin = join(root, 'node_modules', '.bin', 's');
const home = mkdtempSync(join(tmpdir(), 'fleet-dr-s-'));
after(() => rmSync(home, { recursive: true, force: true }));

const deployEnv = {
  FLEET_DR_ROLE_ARN: 'acs:ram::1234567890:role/fleet-dr',
  FLEET_DR_VPC_ID: 'vpc-demo',
  FLEET_DR_VSWITCH_ID_A: 'vsw-az1',
  FLEET_DR_VSWITCH_ID_B: 'vsw-az2',
  FLEET_DR_SECURITY_GROUP_ID: 'sg-demo',
  FLEET_DR_CALLBACK_TOKEN: 'callback-token-value',
  FLEET_DR_OPERATOR_KEYS: 'op1:key-value',
  FLEET_DR_DINGTALK_TOKEN: 'dingtalk-token-value',
  FLEET_DR_DINGTALK_SECRET: 'SECdingtalk-secret-value',
};

/** Runs `s preview` offline: CI mode, a throwaway HOME (s writes ~/.s), a hard timeout. */
const preview = (env: Record<string, string>) => {
  const r = spawnSync(sBin, ['preview', '-t', 's.yaml', '-o', 'json'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: home, CI: 'true', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

interface Trigger {
  triggerName: string;
  triggerType: string;
  triggerConfig: Record<string, unknown>;
}
interface Props {
  functionName: string;
  runtime: string;
  code: string;
  handler: string;
  memorySize: number;
  timeout: number;
  role: string;
  vpcConfig: { vpcId: string; vSwitchIds: string[]; securityGroupId: string };
  environmentVariables: Record<string, string>;
  logConfig: unknown;
  triggers: Trigger[];
  asyncInvokeConfig?: Record<string, unknown>;
}
type Rendered = { edition: string; resources: Record<string, { component: string; props: Props }> };

describe('s.yaml', () => {
  const raw = parse(readFileSync(join(root, 's.yaml'), 'utf8')) as {
    vars: { environment: Record<string, string> };
    resources: Record<string, unknown>;
  };
  const out = preview(deployEnv);
  const rendered = (): Rendered => {
    assert.equal(out.status, 0, `s preview failed:\n${out.stdout}\n${out.stderr}`);
    return JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as Rendered;
  };

  it('is accepted by `s preview` (edition 3.0.0, fc3, nodejs20, bundles from npm run build)', () => {
    const doc = rendered();
    assert.equal(doc.edition, '3.0.0');
    for (const [name, r] of Object.entries(doc.resources)) {
      assert.equal(r.component, 'fc3');
      assert.equal(r.props.functionName, deployedName(name), 'deployed as fleet-dr-<folder>');
      assert.equal(r.props.runtime, 'nodejs20');
      assert.equal(r.props.code, `./dist/${name}`);
      assert.equal(r.props.handler, 'index.handler');
      assert.equal(r.props.role, deployEnv.FLEET_DR_ROLE_ARN);
      assert.equal(r.props.logConfig, 'auto');
      assert.deepEqual(r.props.vpcConfig, {
        vpcId: 'vpc-demo',
        vSwitchIds: ['vsw-az1', 'vsw-az2'],
        securityGroupId: 'sg-demo',
      });
      assert.equal(r.props.environmentVariables.FLEET_DR_POLICY, './policy.yaml');
      assert.equal(r.props.environmentVariables.FLEET_DR_CALLBACK_TOKEN, deployEnv.FLEET_DR_CALLBACK_TOKEN);
      // FC's 4 KB limit on all of a function's variables.
      assert.ok(JSON.stringify(r.props.environmentVariables).length < 4096);
    }
  });

  it('names notify, as deployed, in FLEET_DR_NOTIFY_FUNCTION', () => {
    const doc = rendered();
    const deployed = Object.values(doc.resources).map((r) => r.props.functionName);
    for (const r of Object.values(doc.resources))
      assert.ok(deployed.includes(r.props.environmentVariables.FLEET_DR_NOTIFY_FUNCTION ?? ''));
    assert.equal(
      doc.resources['alarm-failover']!.props.environmentVariables.FLEET_DR_NOTIFY_FUNCTION,
      'fleet-dr-notify',
    );
  });

  it('gives alarm-failover an anonymous POST trigger and an EventBridge trigger for CloudEvents', () => {
    const p = rendered().resources['alarm-failover']!.props;
    assert.equal(p.memorySize, 512);
    assert.equal(p.timeout, 60);
    const http = p.triggers.find((t) => t.triggerType === 'http');
    assert.deepEqual(http?.triggerConfig, {
      authType: 'anonymous',
      methods: ['POST'],
      disableURLInternet: false,
    });
    const eb = p.triggers.find((t) => t.triggerType === 'eventbridge');
    assert.equal(eb?.triggerConfig.triggerEnable, true);
    assert.deepEqual(eb?.triggerConfig.eventSourceConfig, { eventSourceType: 'Default' });
    assert.deepEqual(eb?.triggerConfig.eventSinkConfig, {
      deliveryOption: { mode: 'event-driven', eventSchema: 'CloudEvents' },
    });
  });

  it('routes the documented CloudMonitor alert type from either plausible source, and nothing else', () => {
    const p = rendered().resources['alarm-failover']!.props;
    const eb = p.triggers.find((t) => t.triggerType === 'eventbridge');
    const pattern = JSON.parse(String(eb?.triggerConfig.eventRuleFilterPattern)) as Record<string, string[]>;
    assert.deepEqual(
      { ...pattern },
      { source: [...CMS_ALARM_EVENT_SOURCES], type: [...CMS_ALARM_EVENT_TYPES] },
    );
    assert.deepEqual(pattern.type, ['cms:CloudMonitor:AlertWebHook']);
    assert.deepEqual([...pattern.source!].sort(), ['acs.cloudmonitor', 'acs.cms']);
    // EventBridge exact matching: every key of the pattern must hold one of its listed values.
    const matches = (e: Record<string, unknown>) =>
      Object.entries(pattern).every(([k, values]) => values.includes(String(e[k])));
    const sample = JSON.parse(
      readFileSync(join(root, 'events', 'cloudmonitor-alarm', 'cloudevents-alert.json'), 'utf8'),
    ) as Record<string, unknown>;
    for (const source of ['acs.cms', 'acs.cloudmonitor']) {
      const e = { ...sample, source, type: 'cms:CloudMonitor:AlertWebHook' };
      assert.ok(matches(e), `${source} alert callbacks reach the function`);
      const [alarm] = parseEvent(e);
      assert.equal(alarm?.kind, 'alarm', `the handler reads the ${source} alert as an alarm`);
    }
    for (const [source, type] of [
      ['acs.cms', 'cms:CloudMonitor:AgentStatusRunning'],
      ['acs.cms', 'cms:ActionTrail:ApiCall'],
      ['acs.cs', 'cms:CloudMonitor:AlertWebHook'],
      ['acs.cs', 'cs:ActionTrail:ApiCall'],
    ])
      assert.equal(matches({ ...sample, source, type }), false, `${source} ${type} is not routed`);
  });

  it('gives notify a timer every minute and no platform retries of its async invocations', () => {
    const p = rendered().resources.notify!.props;
    const timer = p.triggers.find((t) => t.triggerType === 'timer');
    assert.equal(timer?.triggerConfig.cronExpression, '0 * * * * *');
    assert.equal(timer?.triggerConfig.enable, true);
    assert.equal(p.asyncInvokeConfig?.maxAsyncRetryAttempts, 0);
  });

  it('holds no secret value: every secret the policy names is read from the deployer’s environment', () => {
    const policy = PolicySchema.parse(parse(readFileSync(join(root, 'deploy', 'policy.yaml'), 'utf8')));
    const names = [
      policy.secrets.callbackTokenEnv,
      policy.secrets.operatorHmacKeysEnv,
      policy.notify.dingtalk.accessTokenEnv,
      ...(policy.notify.dingtalk.secretEnv ? [policy.notify.dingtalk.secretEnv] : []),
    ];
    for (const name of names) assert.equal(raw.vars.environment[name], `\${env('${name}')}`, name);
    const text = readFileSync(join(root, 's.yaml'), 'utf8');
    for (const value of Object.values(deployEnv))
      assert.ok(!text.includes(value), `s.yaml must not contain ${value}`);
  });

  it('fails `s preview` when a deploy variable is not set', () => {
    const { FLEET_DR_ROLE_ARN: _, ...partial } = deployEnv;
    const r = preview(partial);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /FLEET_DR_ROLE_ARN/);
  });

  it('has a resource for every function folder and a folder for every resource', () => {
    const functionsDir = join(root, 'functions');
    const folders = readdirSync(functionsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .filter((e) => ['handler.ts', 'README.md'].some((f) => existsSync(join(functionsDir, e.name, f))))
      .map((e) => e.name)
      .sort();
    assert.deepEqual(Object.keys(raw.resources).sort(), folders);
    assert.ok(folders.includes('alarm-failover') && folders.includes('notify'));
    for (const [name, r] of Object.entries(raw.resources))
      assert.equal((r as { props: { functionName: string } }).props.functionName, deployedName(name));
  });

  it('is what `npm run deploy` deploys', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // `npm run deploy` checks dist/ first (scripts/deploy.mjs), then runs `s deploy -t s.yaml`.
    assert.equal(pkg.scripts.deploy, 'node scripts/deploy.mjs');
    const script = readFileSync(join(root, 'scripts', 'deploy.mjs'), 'utf8');
    assert.match(script, /'deploy', '-t', 's\.yaml'/);
  });
});
