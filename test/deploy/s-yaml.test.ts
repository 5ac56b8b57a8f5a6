import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PolicySchema } from '../../shared/config';

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
    timeout: 60_000,
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
      assert.equal(r.props.functionName, name);
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
    assert.deepEqual(JSON.parse(String(eb?.triggerConfig.eventRuleFilterPattern)), { source: ['acs.cms'] });
    assert.deepEqual(eb?.triggerConfig.eventSinkConfig, {
      deliveryOption: { mode: 'event-driven', eventSchema: 'CloudEvents' },
    });
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
  });

  it('is what `npm run deploy` deploys', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // `s deploy` reads s.yaml from the working directory unless -t names another template.
    assert.match(pkg.scripts.deploy ?? '', /^s deploy( -t s\.yaml)?\b/);
  });
});
