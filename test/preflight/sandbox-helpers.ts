/** Runs `fleet-dr preflight` in this process against a sandbox, with the functions' role's STS credentials. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../sandbox/start-sandbox';
import { preflightCommand } from '../../shared/cli/preflight-command';
import { clearMemberKubeCache } from '../../shared/clients/ack-client';
import { clearFleetKubeCache } from '../../shared/clients/fleet-client';
import type { Policy } from '../../shared/config';
import type { PreflightCheck } from '../../shared/preflight/types';

/** The sandbox's policy as the functions would get it (its gateway's id filled in). */
export function sandboxPolicy(sb: Sandbox): Policy {
  return {
    ...sb.policy,
    fleet: { ...sb.policy.fleet, gatewayId: sb.cloud.mse.gateways[0]?.gatewayUniqueId },
  };
}

/** The environment a run needs: the sandbox's endpoints and fresh STS credentials of the functions' role. */
export function sandboxEnv(sb: Sandbox, policyPath: string): NodeJS.ProcessEnv {
  const api = sb.cloud.openapi.endpoint;
  const sts = sb.cloud.credentials.issueStsToken();
  return {
    FLEET_DR_POLICY: policyPath,
    FLEET_DR_ENDPOINTS: JSON.stringify({ cs: api, adcp: api, mse: api, cms: api, fc: sb.cloud.fc.url }),
    ALIBABA_CLOUD_ACCESS_KEY_ID: sts.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: sts.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: sts.securityToken,
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

/** Runs `fleet-dr preflight [--json]` once with `policy` (written to a temporary file). */
export async function runPreflightOn(sb: Sandbox, policy: Policy, json = true): Promise<PreflightRun> {
  clearFleetKubeCache();
  clearMemberKubeCache();
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-preflight-'));
  const path = join(dir, 'policy.json');
  writeFileSync(path, JSON.stringify(policy, null, 2));
  let stdout = '';
  let stderr = '';
  try {
    const code = await preflightCommand(
      json ? ['--config', path, '--json'] : ['--config', path],
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
