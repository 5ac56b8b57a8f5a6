/**
 * Creates (or updates: PutResourceMetricRule is an upsert by RuleId) one CloudMonitor threshold rule per
 * cluster of the policy, on fleet-dr's probe metric, whose callback URL is fleet-dr-alarm-failover's HTTP
 * trigger with the secret token. Usage (see deploy/README.md):
 *
 *   node --import tsx deploy/create-alarm-rules.ts --callback-url <HTTP trigger URL> --account-id <uid>
 *     [--policy deploy/policy.yaml] [--contact-group fleet-dr] [--dry-run] [--sandbox-endpoint 127.0.0.1:PORT]
 *
 * The token comes from the environment variable the policy names (secrets.callbackTokenEnv) and is never
 * printed. Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN). The endpoint is
 * the real one (metrics.<region>.aliyuncs.com) unless --sandbox-endpoint names a 127.0.0.1 stand-in.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as CmsMod from '@alicloud/cms20190101';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { Policy } from '../shared/config';
import { loadPolicy } from '../shared/config-loader';
import { FleetDrError } from '../shared/errors';

/**
 * Unverified, kept here only: the namespace CloudMonitor gives custom metrics (`acs_customMetric_<uid>`),
 * the CloudMonitor endpoint host, that ContactGroups is required, and NoDataPolicy's value names.
 */
const UNVERIFIED = {
  customNamespace: (accountId: string) => `acs_customMetric_${accountId}`,
  endpoint: (region: string) => `metrics.${region}.aliyuncs.com`,
  noDataPolicy: 'INSUFFICIENT_DATA',
};

/** One PutResourceMetricRule call, in the API's parameter names. */
export interface AlarmRuleRequest {
  RuleId: string;
  RuleName: string;
  Namespace: string;
  MetricName: string;
  /** JSON array of dimension sets; fleet-dr's probe metric carries `clusterId`. */
  Resources: string;
  Webhook: string;
  ContactGroups: string;
  Period: string;
  NoDataPolicy: string;
  Escalations: {
    Critical: { ComparisonOperator: string; Statistics: string; Threshold: string; Times: number };
  };
}

/** A bad argument or environment: the message says which. */
export class AlarmRulesError extends FleetDrError {}

/** Builds one rule per cluster: alarm when the probe success ratio stays below 1 for failuresToDown periods. */
export function buildAlarmRuleRequests(
  policy: Policy,
  o: { callbackUrl: string; token: string; accountId: string; contactGroup: string },
): AlarmRuleRequest[] {
  const webhook = new URL(o.callbackUrl);
  webhook.searchParams.set('token', o.token);
  const metric = policy.detection.probeMetricNames[0];
  if (!metric) throw new AlarmRulesError('policy detection.probeMetricNames is empty: no metric to alarm on');
  return policy.clusters.map((c) => ({
    RuleId: `fleet-dr-probe-${c.id}`,
    RuleName: `${c.name}-probe`,
    Namespace: UNVERIFIED.customNamespace(o.accountId),
    MetricName: metric,
    Resources: JSON.stringify([{ clusterId: c.id }]),
    Webhook: webhook.toString(),
    ContactGroups: o.contactGroup,
    Period: '60',
    NoDataPolicy: UNVERIFIED.noDataPolicy,
    Escalations: {
      Critical: {
        ComparisonOperator: 'LessThanThreshold',
        Statistics: 'Average',
        Threshold: '1',
        Times: policy.detection.failuresToDown,
      },
    },
  }));
}

/** The request with the token in the webhook replaced, for printing. */
export const redacted = (r: AlarmRuleRequest): AlarmRuleRequest => {
  const u = new URL(r.Webhook);
  if (u.searchParams.has('token')) u.searchParams.set('token', '***');
  return { ...r, Webhook: u.toString() };
};

const toSdk = (r: AlarmRuleRequest) =>
  new CmsMod.PutResourceMetricRuleRequest({
    ruleId: r.RuleId,
    ruleName: r.RuleName,
    namespace: r.Namespace,
    metricName: r.MetricName,
    resources: r.Resources,
    webhook: r.Webhook,
    contactGroups: r.ContactGroups,
    period: r.Period,
    noDataPolicy: r.NoDataPolicy,
    escalations: new CmsMod.PutResourceMetricRuleRequestEscalations({
      critical: new CmsMod.PutResourceMetricRuleRequestEscalationsCritical({
        comparisonOperator: r.Escalations.Critical.ComparisonOperator,
        statistics: r.Escalations.Critical.Statistics,
        threshold: r.Escalations.Critical.Threshold,
        times: r.Escalations.Critical.Times,
      }),
    }),
  });

const parseOptions = (argv: string[]) =>
  parseArgs({
    args: argv,
    options: {
      policy: { type: 'string', default: 'deploy/policy.yaml' },
      'callback-url': { type: 'string' },
      'account-id': { type: 'string' },
      'contact-group': { type: 'string', default: 'fleet-dr' },
      'dry-run': { type: 'boolean', default: false },
      'sandbox-endpoint': { type: 'string' },
    },
  });

/** `--help`: every flag, and where the token and the credentials come from. */
export const USAGE = `usage: node --import tsx deploy/create-alarm-rules.ts --callback-url <url> --account-id <uid> [options]

Creates or updates one CloudMonitor threshold rule per cluster of the policy on fleet-dr's probe metric
(published by fleet-dr-health-check), calling fleet-dr-alarm-failover's HTTP trigger with the callback token.
  --callback-url <url>          the HTTP trigger URL of fleet-dr-alarm-failover (s deploy prints it)
  --account-id <uid>            your Alibaba Cloud account id (the custom-metric namespace acs_customMetric_<uid>)
  --policy <file>               the policy (default deploy/policy.yaml)
  --contact-group <name>        the CloudMonitor contact group (default fleet-dr)
  --dry-run                     print the requests (token redacted), send nothing, need no credentials
  --sandbox-endpoint 127.0.0.1:PORT  send the requests to the sandbox's CloudMonitor stand-in instead
  --help                        this text
The token is read from the variable the policy's secrets.callbackTokenEnv names (FLEET_DR_CALLBACK_TOKEN in
the example) and never printed; credentials from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN).
exit: 0 done, 1 a bad argument, variable or request`;

/** Runs the script; returns the exit code. `out` receives the printed lines. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  out: (line: string) => void = console.log,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    // node:util's parseArgs throws a TypeError for an unknown flag: a usage problem, said in one line.
    throw new AlarmRulesError(`${err instanceof Error ? err.message : String(err)} (--help lists the flags)`);
  }
  const { values } = parsed;
  const callbackUrl = values['callback-url'];
  const accountId = values['account-id'];
  if (!callbackUrl || !accountId) throw new AlarmRulesError('--callback-url and --account-id are required');
  const policy = loadPolicy(values.policy);
  const tokenEnv = policy.secrets.callbackTokenEnv;
  const token = env[tokenEnv] ?? (values['dry-run'] ? '<unset>' : undefined);
  if (!token) throw new AlarmRulesError(`environment variable ${tokenEnv} (the callback token) is not set`);
  const requests = buildAlarmRuleRequests(policy, {
    callbackUrl,
    token,
    accountId,
    contactGroup: values['contact-group'],
  });
  if (values['dry-run']) {
    for (const r of requests) out(JSON.stringify({ action: 'PutResourceMetricRule', ...redacted(r) }));
    return 0;
  }
  const sandbox = values['sandbox-endpoint'];
  if (sandbox !== undefined && !/^127\.0\.0\.1:\d+$/.test(sandbox)) {
    throw new AlarmRulesError(`--sandbox-endpoint must be 127.0.0.1:PORT, got ${sandbox}`);
  }
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new AlarmRulesError('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set');
  }
  const Cms = (CmsMod.default as unknown as { default?: typeof CmsMod.default }).default ?? CmsMod.default;
  const client = new Cms(
    new $OpenApiUtil.Config({
      accessKeyId,
      accessKeySecret,
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN,
      regionId: policy.region,
      endpoint: sandbox ?? UNVERIFIED.endpoint(policy.region),
      protocol: sandbox ? 'http' : 'https',
    }),
  );
  for (const r of requests) {
    const res = await client.putResourceMetricRule(toSdk(r));
    out(
      JSON.stringify({
        action: 'PutResourceMetricRule',
        ruleId: r.RuleId,
        requestId: res.body?.requestId,
        code: res.body?.code,
      }),
    );
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      process.exit(1);
    },
  );
}
