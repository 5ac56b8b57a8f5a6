/**
 * CloudMonitor (cms 2019-01-01) through `@alicloud/cms20190101`: read metric datapoints (the API returns
 * them as a JSON string), publish fleet-dr's own metrics, and write one audit event per decision
 * (PutCustomEvent). Publishing is not retried: a duplicated metric or audit record is worse than a gap
 * that the caller reports.
 */
import * as CmsMod from '@alicloud/cms20190101';
import { cjsDefault } from './cjs';
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { CloudApiError } from './errors';
import { runtime, sdkConfig, toCloudError } from './openapi';
import { type CallLimits, DEFAULT_LIMITS, retryRead, writeOnce } from './retry';

/** One metric datapoint (fields vary by namespace; `timestamp` and a value are always there). */
export type Datapoint = Record<string, unknown> & { timestamp?: number };

/** A metric value fleet-dr publishes. */
export interface CustomMetric {
  metricName: string;
  value: number;
  dimensions: Record<string, string>;
  time?: number;
}

/** An audit record of one decision. */
export interface AuditEvent {
  eventName: string;
  content: Record<string, unknown>;
  time?: number;
}

/** One alarm rule as DescribeMetricRuleList lists it (only what fleet-dr reads). */
export interface MetricRuleView {
  ruleId: string;
  ruleName: string;
  namespace: string;
  metricName: string;
  /** `Resources`, parsed: the dimension sets the rule covers (fleet-dr's carry `clusterId`). */
  resources: Array<Record<string, string>>;
  webhook: string;
  enabled: boolean;
}

/** The CloudMonitor API. */
export interface CmsClient {
  /** The base URL this client calls (the real endpoint unless overridden). */
  readonly endpoint: string;
  metricList(q: {
    namespace: string;
    metricName: string;
    dimensions: Record<string, string>[];
    period: number;
    startTime: number;
    endTime: number;
  }): Promise<Datapoint[]>;
  putMetrics(metrics: CustomMetric[]): Promise<void>;
  /**
   * Publishes metrics in as few PutCustomMetric calls as CloudMonitor allows ({@link METRICS_PER_CALL} each),
   * one after another; never throws: a call that fails is reported and the others still go out.
   */
  putMetricsBatched(metrics: CustomMetric[]): Promise<MetricsReport>;
  putAuditEvent(ev: AuditEvent): Promise<void>;
  /** Every alarm rule on one metric (DescribeMetricRuleList, all pages). Read by `fleet-dr preflight` only. */
  metricRules(q: { metricName: string; namespace?: string }): Promise<MetricRuleView[]>;
}

/** Rules per DescribeMetricRuleList page (the API's maximum PageSize is not documented; unverified). */
const RULES_PER_PAGE = 50;

/** A rule of the listing (pure); `Resources` that is not a JSON array counts as no dimension set. */
export function metricRuleView(a: Record<string, unknown>): MetricRuleView {
  let resources: Array<Record<string, string>> = [];
  try {
    const v = JSON.parse(String(a.resources ?? '[]')) as unknown;
    if (Array.isArray(v)) resources = v as Array<Record<string, string>>;
  } catch {
    resources = [];
  }
  return {
    ruleId: String(a.ruleId ?? ''),
    ruleName: String(a.ruleName ?? ''),
    namespace: String(a.namespace ?? ''),
    metricName: String(a.metricName ?? ''),
    resources,
    webhook: String(a.webhook ?? ''),
    enabled: a.enableState === true,
  };
}

/**
 * Metric entries per PutCustomMetric call. The API reference gives `MetricList.N` as 1 to 21, while the custom
 * monitoring overview says up to 100 entries at a time; the stricter of the two is used (unverified which one
 * the service enforces).
 */
export const METRICS_PER_CALL = 21;

/** What a batched publish did. */
export interface MetricsReport {
  /** Metric entries CloudMonitor accepted. */
  published: number;
  /** PutCustomMetric calls made. */
  calls: number;
  /** One line per failed call. */
  errors: string[];
}

/** Options for the CloudMonitor client. */
export interface CmsClientOptions {
  region: string;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
  /** CloudMonitor application group for custom metrics and events ("0" = none). */
  groupId?: string;
  now?: () => number;
}

/** Raise on a 2xx answer whose `Code` is not 200 (CloudMonitor's in-body failure). */
function checkCode(
  api: string,
  body: { code?: string; message?: string; requestId?: string; success?: boolean } | undefined,
) {
  if (body && ((body.code !== undefined && body.code !== '200') || body.success === false))
    throw new CloudApiError(
      api,
      String(body.code ?? 'Failed'),
      body.message ?? 'Success: false',
      body.requestId,
    );
}

/** Parse the Datapoints JSON string; an empty string is no data. */
export function parseDatapoints(raw: string | undefined): Datapoint[] {
  if (!raw) return [];
  const v = JSON.parse(raw) as unknown;
  if (!Array.isArray(v))
    throw new CloudApiError('DescribeMetricList', 'BadDatapoints', 'Datapoints is not a JSON array');
  return v as Datapoint[];
}

/** One short line about a failed call: the SDK appends the whole request URL to network errors. */
function briefly(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text
    .replace(/(?:GET|POST|PUT|DELETE) https?:\/\/\S*/g, '')
    .split('\n')[0]!
    .trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line || 'failed';
}

type CmsSdk = InstanceType<ReturnType<typeof cjsDefault<typeof CmsMod.default>>>;

/** What each CloudMonitor call needs: an SDK client with fresh credentials, limits, clock, group. */
interface CmsCallContext {
  client: () => Promise<CmsSdk>;
  limits: CallLimits;
  now: () => number;
  groupId: string;
}

/** Run one API call, its failure as a CloudApiError. */
async function guarded<T>(api: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toCloudError(api, err);
  }
}

/** One PutCustomMetric call, sent once. */
function putMetricsOnce(c: CmsCallContext, metrics: CustomMetric[]): Promise<void> {
  return writeOnce(
    'PutCustomMetric',
    () =>
      guarded('PutCustomMetric', async () => {
        const req = new CmsMod.PutCustomMetricRequest({
          metricList: metrics.map(
            (m) =>
              new CmsMod.PutCustomMetricRequestMetricList({
                groupId: c.groupId,
                metricName: m.metricName,
                dimensions: JSON.stringify(m.dimensions),
                values: JSON.stringify({ value: m.value }),
                type: '0',
                period: '60',
                time: String(m.time ?? c.now()),
              }),
          ),
        });
        const res = await (await c.client()).putCustomMetricWithOptions(req, runtime(c.limits.timeoutMs));
        checkCode('PutCustomMetric', res.body);
      }),
    c.limits,
  );
}

/** DescribeMetricList, retried as a read, its Datapoints parsed. */
function readMetricList(c: CmsCallContext, q: Parameters<CmsClient['metricList']>[0]): Promise<Datapoint[]> {
  return retryRead(
    'DescribeMetricList',
    () =>
      guarded('DescribeMetricList', async () => {
        const req = new CmsMod.DescribeMetricListRequest({
          namespace: q.namespace,
          metricName: q.metricName,
          dimensions: JSON.stringify(q.dimensions),
          period: String(q.period),
          startTime: String(q.startTime),
          endTime: String(q.endTime),
        });
        const res = await (await c.client()).describeMetricListWithOptions(req, runtime(c.limits.timeoutMs));
        checkCode('DescribeMetricList', res.body);
        return parseDatapoints(res.body?.datapoints);
      }),
    c.limits,
  );
}

/** One DescribeMetricRuleList page, retried as a read. */
function readMetricRulePage(c: CmsCallContext, q: { metricName: string; namespace?: string }, page: number) {
  return retryRead(
    'DescribeMetricRuleList',
    () =>
      guarded('DescribeMetricRuleList', async () => {
        const req = new CmsMod.DescribeMetricRuleListRequest({
          metricName: q.metricName,
          namespace: q.namespace,
          page,
          pageSize: RULES_PER_PAGE,
        });
        const res = await (await c.client()).describeMetricRuleListWithOptions(
          req,
          runtime(c.limits.timeoutMs),
        );
        // This API's Code is an integer (200), unlike the String of the Put* calls.
        checkCode('DescribeMetricRuleList', {
          ...res.body,
          code: res.body?.code === undefined ? undefined : String(res.body.code),
        });
        return res.body;
      }),
    c.limits,
  );
}

/** Every rule on one metric, all pages. */
async function listMetricRules(
  c: CmsCallContext,
  q: { metricName: string; namespace?: string },
): Promise<MetricRuleView[]> {
  const out: MetricRuleView[] = [];
  for (let page = 1; ; page += 1) {
    const body = await readMetricRulePage(c, q, page);
    const alarms = body?.alarms?.alarm ?? [];
    out.push(...alarms.map((a) => metricRuleView(a as unknown as Record<string, unknown>)));
    if (alarms.length < RULES_PER_PAGE || out.length >= Number(body?.total ?? 0)) return out;
  }
}

/** Publish in batches of METRICS_PER_CALL, one after another; a failed batch is reported, never thrown. */
async function putInBatches(
  put: (batch: CustomMetric[]) => Promise<void>,
  metrics: CustomMetric[],
): Promise<MetricsReport> {
  const report: MetricsReport = { published: 0, calls: 0, errors: [] };
  for (let i = 0; i < metrics.length; i += METRICS_PER_CALL) {
    const batch = metrics.slice(i, i + METRICS_PER_CALL);
    report.calls += 1;
    try {
      await put(batch);
      report.published += batch.length;
    } catch (err) {
      report.errors.push(`PutCustomMetric (${batch.length} metrics): ${briefly(err)}`);
    }
  }
  return report;
}

/** One PutCustomEvent (the audit record of a decision), sent once. */
function putAuditEvent(c: CmsCallContext, ev: AuditEvent): Promise<void> {
  return writeOnce(
    'PutCustomEvent',
    () =>
      guarded('PutCustomEvent', async () => {
        const req = new CmsMod.PutCustomEventRequest({
          eventInfo: [
            new CmsMod.PutCustomEventRequestEventInfo({
              eventName: ev.eventName,
              groupId: c.groupId,
              content: JSON.stringify(ev.content),
              time: new Date(ev.time ?? c.now())
                .toISOString()
                .replace('T', ' ')
                .replace(/\.\d+Z$/, ' +0000'),
            }),
          ],
        });
        const res = await (await c.client()).putCustomEventWithOptions(req, runtime(c.limits.timeoutMs));
        checkCode('PutCustomEvent', res.body);
      }),
    c.limits,
  );
}

/** Create the CloudMonitor client. */
export function createCmsClient(options: CmsClientOptions): CmsClient {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('cms', options.region, { overrides: options.overrides });
  const Cms = cjsDefault(CmsMod.default);
  const c: CmsCallContext = {
    client: async () => new Cms(sdkConfig(await options.credentials(), ep, options.region, limits.timeoutMs)),
    limits,
    now: options.now ?? Date.now,
    groupId: options.groupId ?? '0',
  };
  const putMetrics = (metrics: CustomMetric[]) => putMetricsOnce(c, metrics);
  return {
    endpoint: ep.url,
    metricList: (q) => readMetricList(c, q),
    putMetrics,
    metricRules: (q) => listMetricRules(c, q),
    putMetricsBatched: (metrics) => putInBatches(putMetrics, metrics),
    putAuditEvent: (ev) => putAuditEvent(c, ev),
  };
}
