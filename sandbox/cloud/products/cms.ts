/**
 * CloudMonitor 2019-01-01 (RPC): DescribeMetricLast, DescribeMetricList (`Datapoints` is a JSON *string*),
 * PutCustomMetric, PutCustomEvent (kept, readable back), PutResourceMetricRule, DescribeAlertLogList.
 * Every RPC parameter arrives on the query string; arrays are flattened as `MetricList.1.MetricName`.
 */

import type { AlertLevel } from '../alarm-callback';
import type { AlarmEngine, AlarmRule, ComparisonOperator } from '../alarm-engine';
import { OpenApiError } from '../errors';
import type { MetricStore } from '../metric-store';
import type { RpcProduct } from '../openapi-server';

/** A custom event kept by PutCustomEvent. */
export interface CustomEvent {
  eventName: string;
  groupId?: string;
  content: string;
  time: string;
  receivedAt: number;
}

/** Custom metrics are reported under this namespace (unverified: the exact namespace the console shows). */
export function customMetricNamespace(userId: string): string {
  return `acs_customMetric_${userId}`;
}

/** Collect `Prefix.N.Field` parameters into an array of records, in N order. */
export function flattenedList(params: Record<string, string>, prefix: string): Array<Record<string, string>> {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [k, v] of Object.entries(params)) {
    const m = new RegExp(`^${prefix}\\.(\\d+)\\.(.+)$`).exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const rec = byIndex.get(i) ?? {};
    rec[m[2] ?? ''] = v;
    byIndex.set(i, rec);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
}

function json<T>(raw: string | undefined, fallback: T, field: string): T {
  if (raw === undefined || raw === '') return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new OpenApiError('InvalidParameter', `${field} must be JSON`, 400);
  }
}

function time(raw: string | undefined, fallback: number): number {
  if (!raw) return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? n : Date.parse(raw.replace(' ', 'T')) || fallback;
}

function dimsOf(raw: string | undefined): Record<string, string> {
  const v = json<unknown>(raw, {}, 'Dimensions');
  // DescribeMetricList accepts an object or an array of objects; we filter on the first.
  const d = Array.isArray(v) ? (v[0] ?? {}) : v;
  return Object.fromEntries(Object.entries(d as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

function ruleFrom(params: Record<string, string>): AlarmRule {
  const level = (['Critical', 'Warn', 'Info'] as const).find(
    (l) => params[`Escalations.${l}.Threshold`] !== undefined,
  );
  if (!level) throw new OpenApiError('InvalidParameter', 'Escalations.{Critical|Warn|Info} is required', 400);
  const e = (f: string) => params[`Escalations.${level}.${f}`];
  const resources = json<Array<Record<string, string>>>(params.Resources, [], 'Resources');
  if (!params.Webhook) throw new OpenApiError('InvalidParameter', 'Webhook is required by the stand-in', 400);
  return {
    ruleId: params.RuleId ?? '',
    ruleName: params.RuleName ?? params.RuleId ?? '',
    namespace: params.Namespace ?? '',
    metricName: params.MetricName ?? '',
    dimensions: resources[0],
    webhook: params.Webhook,
    level: level.toUpperCase() as AlertLevel,
    comparisonOperator: (e('ComparisonOperator') ?? 'GreaterThanOrEqualToThreshold') as ComparisonOperator,
    statistics: (e('Statistics') ?? 'Average') as AlarmRule['statistics'],
    threshold: Number(e('Threshold')),
    times: Number(e('Times') ?? 1),
  };
}

/** The CloudMonitor product. */
export function cmsProduct(deps: {
  store: MetricStore;
  engine: AlarmEngine;
  events: CustomEvent[];
  userId: string;
  now: () => number;
}): RpcProduct {
  const describe = (params: Record<string, string>, lastOnly: boolean) => {
    const now = deps.now();
    const period = Number(params.Period ?? 60);
    const pts = deps.store.query({
      namespace: params.Namespace ?? '',
      metricName: params.MetricName ?? '',
      dimensions: dimsOf(params.Dimensions),
      startTime: time(params.StartTime, now - (lastOnly ? 3_600_000 : 3_600_000)),
      endTime: time(params.EndTime, now),
    });
    const chosen = lastOnly ? latestPerInstance(pts) : pts;
    const datapoints = chosen.map((p) => ({
      timestamp: p.timestamp,
      userId: deps.userId,
      ...p.dimensions,
      Value: p.value,
      Average: p.value,
      Maximum: p.value,
      Minimum: p.value,
      Sum: p.value,
    }));
    return { Code: '200', Success: true, Period: String(period), Datapoints: JSON.stringify(datapoints) };
  };
  return {
    style: 'RPC',
    name: 'cms',
    version: '2019-01-01',
    actions: {
      DescribeMetricLast: ({ params }) => describe(params, true),
      DescribeMetricList: ({ params }) => describe(params, false),
      PutCustomMetric: ({ params }) => {
        for (const m of flattenedList(params, 'MetricList')) {
          const values = json<Record<string, number>>(m.Values, {}, 'Values');
          deps.store.put({
            namespace: customMetricNamespace(deps.userId),
            metricName: m.MetricName ?? '',
            groupId: m.GroupId,
            dimensions: json<Record<string, string>>(m.Dimensions, {}, 'Dimensions'),
            value: Number(values.value ?? Object.values(values)[0]),
            timestamp: time(m.Time, deps.now()),
            type: Number(m.Type ?? 0),
          });
        }
        return { Code: '200', Message: '' };
      },
      PutCustomEvent: ({ params }) => {
        for (const e of flattenedList(params, 'EventInfo')) {
          deps.events.push({
            eventName: e.EventName ?? '',
            groupId: e.GroupId,
            content: e.Content ?? '',
            time: e.Time ?? new Date(deps.now()).toISOString(),
            receivedAt: deps.now(),
          });
        }
        return { Code: '200', Message: '' };
      },
      PutResourceMetricRule: ({ params }) => {
        try {
          deps.engine.addRule(ruleFrom(params));
        } catch (err) {
          if (err instanceof OpenApiError) throw err;
          throw new OpenApiError('InvalidParameter', (err as Error).message, 400);
        }
        return { Code: '200', Message: '', Success: true };
      },
      DescribeAlertLogList: ({ params }) => {
        const list = deps.engine.alertLog.filter(
          (e) =>
            (!params.RuleId || e.ruleId === params.RuleId) &&
            (!params.Namespace || e.namespace === params.Namespace),
        );
        return {
          Code: '200',
          Success: true,
          PageNumber: Number(params.PageNumber ?? 1),
          PageSize: Number(params.PageSize ?? 10),
          AlertLogList: list.map((e) => ({
            RuleId: e.ruleId,
            RuleName: e.ruleName,
            Namespace: e.namespace,
            MetricName: e.metricName,
            AlertTime: String(e.at),
            Level: e.level,
            SendStatus: e.delivered === undefined ? '' : e.delivered ? '0' : '1',
            Dimensions: Object.entries(e.dimensions).map(([Key, Value]) => ({ Key, Value })),
            Escalation: { Level: e.level, Expression: e.form.expression },
          })),
        };
      },
    },
  };
}

function latestPerInstance<T extends { timestamp: number; dimensions: Record<string, string> }>(
  pts: T[],
): T[] {
  const m = new Map<string, T>();
  for (const p of pts) m.set(JSON.stringify(p.dimensions), p);
  return [...m.values()];
}
