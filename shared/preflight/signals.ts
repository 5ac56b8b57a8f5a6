/**
 * Check 4, the signals: each cluster's probe answers as the policy expects (asked from where preflight runs,
 * which is not where the health-check function runs), and the CloudMonitor alarm rules on the probe metric,
 * which fleet-dr's clients cannot read (see judgeAlarmRules).
 */
import { hostname } from 'node:os';
import type { Policy, Probe } from '../config';
import type { ProbeResult } from '../decision/observations';
import { probeOnce } from '../observe/probe';
import { fail, type PreflightCheck, pass, warn } from './types';

/** One probe's row (pure). */
export function judgeProbe(clusterId: string, probe: Probe, r: ProbeResult, from: string): PreflightCheck {
  const name = `signals: probe of ${clusterId} ${probe.url}`;
  if (r.ok)
    return pass(
      name,
      `answered ${r.status ?? ''} in ${Math.round(r.latencyMs ?? 0)} ms (asked from ${from}, where preflight runs)`,
    );
  return fail(
    name,
    `no good answer: ${r.error ?? 'failed'}${r.status !== undefined ? ` (status ${r.status}, expected ${probe.expectedStatus})` : ''} (asked from ${from}, where preflight runs, not from the health-check function's VPC)`,
    `make ${probe.url} answer ${probe.expectedStatus} within ${probe.timeoutMs} ms (is the zone's app up? is the URL right in clusters[${clusterId}].probes?)`,
  );
}

/**
 * The alarm rules: not checked. fleet-dr's CloudMonitor client has no rule read, the functions' role is not
 * granted one (cms:DescribeMetricRuleList is not in deploy/ram-policy.json), and the sandbox's CloudMonitor
 * does not serve it; reading them would need another identity.
 */
export function judgeAlarmRules(policy: Policy): PreflightCheck {
  const metric = policy.detection.probeMetricNames.join(', ');
  return warn(
    'signals: alarm rules call alarm-failover',
    `not checked: the rules on ${metric} are not readable with the functions' role (no cms:DescribeMetricRuleList in its policy, and the sandbox does not serve it)`,
    `with an account that may read them: aliyun cms DescribeMetricRuleList --MetricName ${policy.detection.probeMetricNames[0] ?? 'fleet_dr_probe_success'}: one rule per cluster (${policy.clusters.map((c) => c.id).join(', ')}) whose webhook is the alarm-failover URL; deploy/create-alarm-rules.ts creates them`,
  );
}

/** Runs check 4. */
export async function checkSignals(
  policy: Policy,
  env: NodeJS.ProcessEnv,
  probe: (p: Probe, env: NodeJS.ProcessEnv) => Promise<ProbeResult> = probeOnce,
): Promise<PreflightCheck[]> {
  const from = `host ${hostname()}`;
  const rows = await Promise.all(
    policy.clusters.flatMap((c) => c.probes.map(async (p) => judgeProbe(c.id, p, await probe(p, env), from))),
  );
  return [judgeAlarmRules(policy), ...rows];
}
