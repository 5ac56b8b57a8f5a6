/**
 * Runs `fleet-dr preflight` in this process against a sandbox, with STS credentials of the sandbox's one RAM
 * role carrying deploy/ram-policy.json plus deploy/ram-policy-preflight.json (standing in for the separate
 * preflight identity docs/preflight.md describes), after the deployed product's alarm rules are created with
 * deploy/create-alarm-rules.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main as createAlarmRules } from '../../deploy/create-alarm-rules';
import { type RamPolicyDocument, readRamPolicy, SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { createLocalInvoker, type LocalInvoker } from '../../sandbox/invoker/index';
import { SANDBOX_DINGTALK, type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { preflightCommand } from '../../shared/cli/preflight-command';
import { clearMemberKubeCache } from '../../shared/clients/ack-client';
import { clearFleetKubeCache } from '../../shared/clients/fleet-client';
import type { Policy } from '../../shared/config';
import { HEALTH_CHECK_FUNCTION } from '../../shared/preflight/probe-from';
import type { PreflightCheck } from '../../shared/preflight/types';

/** The sandbox's policy as the functions would get it (its gateway's id filled in). */
export function sandboxPolicy(sb: Sandbox): Policy {
  return {
    ...sb.policy,
    fleet: { ...sb.policy.fleet, gatewayId: sb.cloud.mse.gateways[0]?.gatewayUniqueId },
  };
}

/** The callback token of the test's alarm rules (the value of the policy's secrets.callbackTokenEnv). */
export const PREFLIGHT_CALLBACK_TOKEN = 'preflight-callback-token-0001';
/** The alarm-failover HTTP trigger URL the test's rules call (loopback, as the alarm engine requires). */
export const ALARM_FAILOVER_URL = 'http://127.0.0.1:9/fleet-dr-alarm-failover';

/** deploy/ram-policy.json and deploy/ram-policy-preflight.json in one document: the preflight identity's. */
export function preflightIdentityPolicy(): RamPolicyDocument {
  const extra = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../deploy/ram-policy-preflight.json', import.meta.url)), 'utf8'),
  ) as RamPolicyDocument;
  const base = readRamPolicy();
  return { ...base, Statement: [...base.Statement, ...extra.Statement] };
}

/** Attaches the preflight identity's policy to the sandbox's role (what the tests restore after a break). */
export function attachPreflightIdentity(sb: Sandbox): void {
  sb.cloud.ram.setRolePolicy(preflightIdentityPolicy());
}

/** Creates the alarm rules as a deployment does: deploy/create-alarm-rules.ts against the CloudMonitor stand-in. */
export async function createSandboxAlarmRules(
  sb: Sandbox,
  policyPath: string,
  callbackUrl = ALARM_FAILOVER_URL,
): Promise<void> {
  const printed: string[] = [];
  const code = await createAlarmRules(
    [
      '--policy',
      policyPath,
      '--callback-url',
      callbackUrl,
      '--account-id',
      sb.cloud.fc.accountId,
      '--sandbox-endpoint',
      sb.cloud.endpoints.cms,
    ],
    {
      [sb.policy.secrets.callbackTokenEnv]: PREFLIGHT_CALLBACK_TOKEN,
      ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
    },
    (l) => printed.push(l),
  );
  if (code !== 0) throw new Error(`alarm rules not created: ${printed.join('; ')}`);
}

/**
 * The environment a run needs: the sandbox's endpoints, fresh STS credentials of the role, the callback token
 * and the DingTalk robot's credentials (as the functions get them).
 */
export function sandboxEnv(sb: Sandbox, policyPath: string): NodeJS.ProcessEnv {
  const sts = sb.cloud.credentials.issueStsToken();
  const dingtalk = sb.policy.notify.dingtalk;
  return {
    FLEET_DR_POLICY: policyPath,
    FLEET_DR_ENDPOINTS: JSON.stringify(sb.cloud.endpoints),
    ALIBABA_CLOUD_ACCESS_KEY_ID: sts.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: sts.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: sts.securityToken,
    [sb.policy.secrets.callbackTokenEnv]: PREFLIGHT_CALLBACK_TOKEN,
    [dingtalk.accessTokenEnv]: SANDBOX_DINGTALK.accessToken,
    ...(dingtalk.secretEnv ? { [dingtalk.secretEnv]: SANDBOX_DINGTALK.secret } : {}),
    FLEET_DR_LOG: 'off',
  };
}

/** One run's outcome. */
export interface PreflightRun {
  code: number;
  stdout: string;
  stderr: string;
  checks: PreflightCheck[];
}

/** Writes `policy` to a temporary file; `done` removes it. */
export function policyFile(policy: Policy): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-preflight-'));
  const path = join(dir, 'policy.json');
  writeFileSync(path, JSON.stringify(policy, null, 2));
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `fleet-dr preflight [--json] --alarm-failover-url <ALARM_FAILOVER_URL> [extra]` once with `policy`
 * (written to a temporary file).
 */
export async function runPreflightOn(
  sb: Sandbox,
  policy: Policy,
  json = true,
  extra: string[] = [],
): Promise<PreflightRun> {
  clearFleetKubeCache();
  clearMemberKubeCache();
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-preflight-'));
  const path = join(dir, 'policy.json');
  writeFileSync(path, JSON.stringify(policy, null, 2));
  let stdout = '';
  let stderr = '';
  try {
    const code = await preflightCommand(
      ['--config', path, '--alarm-failover-url', ALARM_FAILOVER_URL, ...(json ? ['--json'] : []), ...extra],
      { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
      sandboxEnv(sb, path),
    );
    const checks = json ? (JSON.parse(stdout) as { checks: PreflightCheck[] }).checks : [];
    return { code, stdout, stderr, checks };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows that FAIL, by name. */
export const failing = (r: PreflightRun): string[] =>
  r.checks.filter((c) => c.result === 'FAIL').map((c) => c.name);
/** The rows that WARN, by name. */
export const warning = (r: PreflightRun): string[] =>
  r.checks.filter((c) => c.result === 'WARN').map((c) => c.name);

/** The deployed health-check on the sandbox's FC stand-in, run by the local invoker. */
export interface DeployedHealthCheck {
  invoker: LocalInvoker;
  stop(): Promise<void>;
}

/**
 * Deploys functions/health-check as `fleet-dr-health-check` on the FC stand-in: the local invoker runs the real
 * handler (a worker thread, the environment a deployed function has: the policy, the endpoints) for every
 * InvokeFunction the stand-in authorises.
 */
export async function deployHealthCheck(sb: Sandbox, policy: Policy): Promise<DeployedHealthCheck> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-preflight-fn-'));
  const policyPath = join(dir, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(policy, null, 2));
  mkdirSync(join(dir, 'functions'));
  symlinkSync(
    fileURLToPath(new URL('../../functions/health-check', import.meta.url)),
    join(dir, 'functions', HEALTH_CHECK_FUNCTION),
    'dir',
  );
  const invoker = createLocalInvoker({
    functionsDir: join(dir, 'functions'),
    credentialsProvider: () => sb.cloud.credentials.issueStsToken(),
    region: policy.region,
    accountId: sb.cloud.fc.accountId,
    freshInstance: false,
    env: {
      FLEET_DR_POLICY: policyPath,
      FLEET_DR_ENDPOINTS: JSON.stringify(sb.cloud.endpoints),
      FLEET_DR_LOG: 'off',
    },
    functions: { [HEALTH_CHECK_FUNCTION]: { timeout: 60 } },
  });
  sb.cloud.fc.setDispatcher(invoker.dispatcher);
  // A warm instance, as FC keeps one after the first call: the tests' runs do not each wait for a cold start.
  const warm = await invoker.invoke(HEALTH_CHECK_FUNCTION, { mode: 'preflight' });
  if (warm.error)
    throw new Error(`health-check warm-up: ${warm.error.errorType}: ${warm.error.errorMessage}`);
  return {
    invoker,
    stop: async () => {
      await invoker.idle().catch(() => undefined);
      await invoker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sandbox ready for preflight: its policy, the preflight identity, the alarm rules, the deployed health-check. */
export interface PreflightSandbox {
  sb: Sandbox;
  policy: Policy;
  fn: DeployedHealthCheck;
  stop(): Promise<void>;
}

/** Starts the sandbox (no auto tick) and prepares it as a deployed fleet-dr that preflight can check. */
export async function startPreflightSandbox(): Promise<PreflightSandbox> {
  const sb = await startSandbox({ autoTick: false });
  try {
    const policy = sandboxPolicy(sb);
    attachPreflightIdentity(sb);
    const file = policyFile(policy);
    try {
      await createSandboxAlarmRules(sb, file.path);
    } finally {
      file.done();
    }
    const fn = await deployHealthCheck(sb, policy);
    return {
      sb,
      policy,
      fn,
      stop: async () => {
        await fn.stop();
        await sb.stop();
      },
    };
  } catch (e) {
    await sb.stop();
    throw e;
  }
}
