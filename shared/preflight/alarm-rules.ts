/**
 * The CloudMonitor alarm rules on the probe metric: one enabled rule per policy cluster whose webhook is the
 * deployed alarm-failover URL with the callback token. The rules are read with DescribeMetricRuleList, which the
 * functions' role is not granted (they never call it): deploy/ram-policy-preflight.json grants it to the
 * identity that runs preflight. The token is never printed: the evidence says whether it is present and, when
 * the policy's token variable is set here, whether it matches.
 */
import type { CmsClient, MetricRuleView } from '../clients/cms-client';
import type { Policy } from '../config';
import { fail, type PreflightCheck, pass, unreadRow, warn } from './types';

export { PREFLIGHT_POLICY_FILE } from './types';
/** The actions of PREFLIGHT_POLICY_FILE: what preflight reads that no function calls. */
export const PREFLIGHT_ONLY_ACTIONS = ['cms:DescribeMetricRuleList', 'mse:ListGateway'] as const;
/** The one write PREFLIGHT_POLICY_FILE grants: invoking the health-check's preflight mode (probe-from.ts). */
export const PREFLIGHT_INVOKE = {
  action: 'fc:InvokeFunction',
  resource: 'acs:fc:*:*:functions/fleet-dr-health-check',
} as const;

export const ALARM_ROW = 'signals: alarm rules call alarm-failover';

/** What the rule read returned. */
export type RulesRead = { rules: MetricRuleView[] } | { error: unknown };

/** What the rules should call: the deployed alarm-failover URL (if given) and the token (if set here). */
export interface AlarmTarget {
  /** `--alarm-failover-url` / FLEET_DR_ALARM_FAILOVER_URL: the HTTP trigger URL, with or without the token. */
  url?: string;
  /** The value of the policy's secrets.callbackTokenEnv, when set where preflight runs. */
  token?: string;
  tokenEnv: string;
}

/** The URL without its query and fragment (nothing secret), or the raw text when it is not a URL. */
export function withoutSecrets(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

const tokenOf = (raw: string): string | undefined => {
  try {
    return new URL(raw).searchParams.get('token') || undefined;
  } catch {
    return undefined;
  }
};

/** One cluster's verdict: a problem (FAIL) or the evidence of a good rule. */
function judgeClusterRule(
  clusterId: string,
  rules: MetricRuleView[],
  target: AlarmTarget,
): { problem?: string; seen: string } {
  const mine = rules.filter((r) => r.resources.some((d) => d.clusterId === clusterId));
  const enabled = mine.filter((r) => r.enabled);
  if (enabled.length === 0)
    return {
      problem: `${clusterId}: no enabled rule (${mine.length} disabled)`,
      seen: `${clusterId}: none`,
    };
  const r = enabled[0]!;
  const token = tokenOf(r.webhook);
  const matches = target.token === undefined ? undefined : token === target.token;
  const tokenText = `token present: ${token ? 'yes' : 'no'}${matches === undefined ? '' : `, matches ${target.tokenEnv}: ${matches ? 'yes' : 'no'}`}`;
  const seen = `${clusterId}: rule ${r.ruleId} calls ${withoutSecrets(r.webhook)} (${tokenText})`;
  const wrongUrl = target.url !== undefined && withoutSecrets(r.webhook) !== withoutSecrets(target.url);
  if (enabled.length > 1)
    return { problem: `${clusterId}: ${enabled.length} enabled rules (one expected)`, seen };
  if (wrongUrl) return { problem: `${seen}, not ${withoutSecrets(target.url!)}`, seen };
  if (!token || matches === false) return { problem: seen, seen };
  return { seen };
}

/** The alarm-rules row (pure). */
export function judgeAlarmRules(policy: Policy, read: RulesRead, target: AlarmTarget): PreflightCheck {
  const metric = policy.detection.probeMetricNames[0] ?? 'fleet_dr_probe_success';
  const create = `deploy/create-alarm-rules.ts --callback-url <alarm-failover URL> (one rule per cluster on ${metric})`;
  if ('error' in read)
    return unreadRow(ALARM_ROW, read.error, {
      api: 'DescribeMetricRuleList',
      action: 'cms:DescribeMetricRuleList',
      otherwise: 'check the CloudMonitor endpoint, then run preflight again',
    });
  const verdicts = policy.clusters.map((c) => judgeClusterRule(c.id, read.rules, target));
  const problems = verdicts.flatMap((v) => (v.problem ? [v.problem] : []));
  if (problems.length > 0)
    return fail(
      ALARM_ROW,
      `on ${metric}: ${problems.join('; ')}`,
      `run ${create} with the token in ${target.tokenEnv}; disable or delete rules that call another URL`,
    );
  const seen = verdicts.map((v) => v.seen).join('; ');
  if (target.url === undefined)
    return warn(
      ALARM_ROW,
      `on ${metric}: ${seen}; the URL was not compared`,
      'pass --alarm-failover-url <HTTP trigger URL of fleet-dr-alarm-failover> (or set FLEET_DR_ALARM_FAILOVER_URL)',
    );
  return pass(ALARM_ROW, `on ${metric}: ${seen}`);
}

/** Reads the rules on the probe metric with the credentials preflight runs with. */
export async function readAlarmRules(
  policy: Policy,
  cms: Pick<CmsClient, 'metricRules'>,
): Promise<RulesRead> {
  try {
    return {
      rules: await cms.metricRules({
        metricName: policy.detection.probeMetricNames[0] ?? 'fleet_dr_probe_success',
      }),
    };
  } catch (error) {
    return { error };
  }
}
