/**
 * Check 4, the signals: each cluster's probe answers as the policy expects, asked from where the functions
 * run (the deployed health-check function's preflight mode, probe-from.ts) or, when that is not possible or
 * `--probe-from here` was given, from the host preflight runs on, saying so; and the CloudMonitor alarm rules
 * on the probe metric (alarm-rules.ts: read with the preflight-only grant).
 */
import type { CmsClient } from '../clients/cms-client';
import type { Policy, Probe } from '../config';
import type { ProbeResult } from '../decision/observations';
import { probeOnce } from '../observe/probe';
import { judgeAlarmRules, readAlarmRules } from './alarm-rules';
import { askProbes, HEALTH_CHECK_FUNCTION, type ProbeSource } from './probe-from';
import { fail, type PreflightCheck, pass, warn } from './types';

/** One probe's row (pure). `from` says where it was asked (`host vm, where preflight runs`, the function). */
export function judgeProbe(clusterId: string, probe: Probe, r: ProbeResult, from: string): PreflightCheck {
  const name = `signals: probe of ${clusterId} ${probe.url}`;
  if (r.ok)
    return pass(
      name,
      `answered ${r.status ?? ''} in ${Math.round(r.latencyMs ?? 0)} ms (asked from ${from})`,
    );
  const here = from.startsWith('host ') ? `, not from the health-check function's VPC` : '';
  return fail(
    name,
    `no good answer: ${r.error ?? 'failed'}${r.status !== undefined ? ` (status ${r.status}, expected ${probe.expectedStatus})` : ''} (asked from ${from}${here})`,
    `make ${probe.url} answer ${probe.expectedStatus} within ${probe.timeoutMs} ms (is the zone's app up? is the URL right in clusters[${clusterId}].probes?)`,
  );
}

/** The row that says the probes could not be asked from the function, and why (pure). */
export function judgeFallback(why: string): PreflightCheck {
  return warn(
    'signals: probes asked from the health-check function',
    `not asked from ${HEALTH_CHECK_FUNCTION}: ${why}; the probe rows were asked from where preflight runs instead`,
    `deploy ${HEALTH_CHECK_FUNCTION} (s deploy) and grant the preflight identity fc:InvokeFunction on it (deploy/ram-policy-preflight.json); or pass --probe-from here to ask from this host on purpose`,
  );
}

/** What check 4 reads with. */
export interface SignalsDeps {
  policy: Policy;
  env: NodeJS.ProcessEnv;
  cms: Pick<CmsClient, 'metricRules'>;
  /** The deployed alarm-failover URL the rules must call (`--alarm-failover-url`), when given. */
  alarmFailoverUrl?: string;
  /** Where the probes are asked (default: this host, on purpose). */
  probeSource?: ProbeSource;
  probe?: (p: Probe, env: NodeJS.ProcessEnv) => Promise<ProbeResult>;
}

/** Runs check 4. */
export async function checkSignals(d: SignalsDeps): Promise<PreflightCheck[]> {
  const { policy, env } = d;
  const tokenEnv = policy.secrets.callbackTokenEnv;
  const [rules, asked] = await Promise.all([
    readAlarmRules(policy, d.cms),
    askProbes(policy, env, d.probeSource ?? { kind: 'here' }, d.probe ?? probeOnce),
  ]);
  const rows = policy.clusters.flatMap((c) =>
    c.probes.map((p) => judgeProbe(c.id, p, asked.resultOf(c.id, p), asked.from)),
  );
  return [
    judgeAlarmRules(policy, rules, { url: d.alarmFailoverUrl, token: env[tokenEnv] || undefined, tokenEnv }),
    ...(asked.fallback ? [judgeFallback(asked.fallback)] : []),
    ...rows,
  ];
}
