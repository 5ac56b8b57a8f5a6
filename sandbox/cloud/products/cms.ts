/**
 * CloudMonitor 2019-01-01 (RPC): DescribeMetricLast, DescribeMetricList (`Datapoints` is a JSON *string*),
 * PutCustomMetric, PutCustomEvent (kept, readable back), PutResourceMetricRule, DescribeMetricRuleList,
 * DescribeAlertLogList.
 * Every RPC parameter arrives on the query string; arrays are flattened as `MetricList.1.MetricName`.
 */

import type { AlertLevel } from '../alarm-callback';
import {
  type AlarmEngine,
  type AlarmRule,
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  NO_DATA_POLICIES,
  type NoDataPolicy,
  STATISTICS,
} from '../alarm-engine';
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

/**
 * A required parameter that is absent or empty. Which parameters are required is verified (the cms20190101
 * SDK marks them "This parameter is required."); the code and wording are the common OpenAPI gateway's
 * `MissingParameter` 400 as ECS and other RPC products document it: **unverified for CloudMonitor itself**.
 */
function missing(name: string): OpenApiError {
  return new OpenApiError(
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    400,
  );
}

/**
 * Throws MissingParameter for the first of `names` absent or empty in `params` (looked up as `keyPrefix` +
 * name, reported as `namePrefix` + name).
 */
function requireParams(
  params: Record<string, string | undefined>,
  names: string[],
  keyPrefix = '',
  namePrefix = keyPrefix,
): void {
  for (const n of names) {
    const v = params[`${keyPrefix}${n}`];
    if (v === undefined || v === '') throw missing(`${namePrefix}${n}`);
  }
}

/**
 * A parameter with a value outside its enum. Code and wording are **unverified** (the stand-in's
 * `InvalidParameter` 400, naming the parameter and the accepted values).
 */
function invalidValue(name: string, value: string, allowed: readonly string[]): OpenApiError {
  return new OpenApiError(
    'InvalidParameter',
    `The specified parameter "${name}" is not valid: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}.`,
    400,
  );
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
  // Required by the API (cms20190101 SDK); Resources and Webhook are optional there.
  requireParams(params, ['RuleId', 'RuleName', 'Namespace', 'MetricName', 'ContactGroups']);
  const levels = (['Critical', 'Warn', 'Info'] as const).filter((l) =>
    ['ComparisonOperator', 'Statistics', 'Threshold', 'Times'].some(
      (f) => params[`Escalations.${l}.${f}`] !== undefined,
    ),
  );
  // "At least one of Critical, Warn and Info, with Statistics, ComparisonOperator, Threshold and Times all set."
  if (levels.length === 0) throw missing('Escalations.Critical.Threshold');
  for (const l of levels)
    requireParams(params, ['ComparisonOperator', 'Statistics', 'Threshold', 'Times'], `Escalations.${l}.`);
  for (const l of levels) {
    const op = params[`Escalations.${l}.ComparisonOperator`]!;
    if (!(COMPARISON_OPERATORS as readonly string[]).includes(op))
      throw invalidValue(`Escalations.${l}.ComparisonOperator`, op, COMPARISON_OPERATORS);
    const st = params[`Escalations.${l}.Statistics`]!;
    if (!(STATISTICS as readonly string[]).includes(st))
      throw invalidValue(`Escalations.${l}.Statistics`, st, STATISTICS);
    for (const f of ['Threshold', 'Times']) {
      const v = params[`Escalations.${l}.${f}`]!;
      if (!Number.isFinite(Number(v))) throw invalidValue(`Escalations.${l}.${f}`, v, ['a number']);
    }
  }
  const noData = params.NoDataPolicy ?? 'KEEP_LAST_STATE';
  if (!(NO_DATA_POLICIES as readonly string[]).includes(noData))
    throw invalidValue('NoDataPolicy', noData, NO_DATA_POLICIES);
  // The engine evaluates one level, the most severe one given (fleet-dr uses Critical only).
  const level = levels[0]!;
  const e = (f: string) => params[`Escalations.${level}.${f}`]!;
  const resources = json<Array<Record<string, string>>>(params.Resources, [], 'Resources');
  // A stand-in limit, not the API's: without a webhook there is nowhere to deliver (real rules notify contacts).
  if (!params.Webhook) throw new OpenApiError('InvalidParameter', 'Webhook is required by the stand-in', 400);
  return {
    ruleId: params.RuleId!,
    ruleName: params.RuleName!,
    namespace: params.Namespace!,
    metricName: params.MetricName!,
    dimensions: resources[0],
    webhook: params.Webhook,
    level: level.toUpperCase() as AlertLevel,
    comparisonOperator: e('ComparisonOperator') as ComparisonOperator,
    statistics: e('Statistics') as AlarmRule['statistics'],
    threshold: Number(e('Threshold')),
    times: Number(e('Times')),
    noDataPolicy: noData as NoDataPolicy,
  };
}

const RULE_LIST_ALERT_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
/** The API's limit on RuleIds ("up to 20 rule IDs, separated by commas": DescribeMetricRuleList reference). */
const MAX_RULE_IDS = 20;

function positiveInt(params: Record<string, string>, name: string, fallback: number): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw invalidValue(name, raw, ['an integer of 1 or more']);
  return n;
}

/** The filters of DescribeMetricRuleList, checked (names and meaning from the API reference; all optional). */
function ruleListFilter(params: Record<string, string>): (r: AlarmRule, state: string) => boolean {
  const ids = params.RuleIds ? params.RuleIds.split(',').filter(Boolean) : undefined;
  if (ids && ids.length > MAX_RULE_IDS)
    throw invalidValue('RuleIds', `${ids.length} ids`, [`at most ${MAX_RULE_IDS} ids`]);
  const enable = params.EnableState;
  if (enable !== undefined && enable !== 'true' && enable !== 'false')
    throw invalidValue('EnableState', enable, ['true', 'false']);
  const alert = params.AlertState;
  if (alert !== undefined && !(RULE_LIST_ALERT_STATES as readonly string[]).includes(alert))
    throw invalidValue('AlertState', alert, RULE_LIST_ALERT_STATES);
  const dims = params.Dimensions ? dimsOf(params.Dimensions) : undefined;
  return (r, state) =>
    (!ids || ids.includes(r.ruleId)) &&
    (!params.MetricName || r.metricName === params.MetricName) &&
    (!params.Namespace || r.namespace === params.Namespace) &&
    // "This parameter supports fuzzy match."
    (!params.RuleName || r.ruleName.includes(params.RuleName)) &&
    (!params.GroupId || r.groupId === params.GroupId) &&
    // Every rule the stand-in holds is enabled (it models no DisableMetricRules).
    enable !== 'false' &&
    (!alert || state === alert) &&
    (!dims || Object.entries(dims).every(([k, v]) => r.dimensions?.[k] === v));
}

/**
 * One rule as DescribeMetricRuleList's `Alarms.Alarm[]` carries it (field names and types from the
 * cms20190101 SDK's DescribeMetricRuleListResponseBody: `Resources` and `Dimensions` are JSON strings,
 * `EnableState` a boolean, `Threshold` a string). Values the stand-in does not model (SilenceTime,
 * EffectiveInterval, ContactGroups) are the API's defaults as documented for PutResourceMetricRule, unverified.
 */
function alarmOf(r: AlarmRule, state: string): Record<string, unknown> {
  const level = r.level === 'WARN' ? 'Warn' : r.level === 'INFO' ? 'Info' : 'Critical';
  return {
    RuleId: r.ruleId,
    RuleName: r.ruleName,
    Namespace: r.namespace,
    MetricName: r.metricName,
    Resources: JSON.stringify(r.dimensions ? [r.dimensions] : []),
    Dimensions: '',
    Webhook: r.webhook,
    EnableState: true,
    AlertState: state,
    Period: '60',
    NoDataPolicy: r.noDataPolicy ?? 'KEEP_LAST_STATE',
    SilenceTime: 86400,
    EffectiveInterval: '00:00-23:59',
    ContactGroups: '',
    SourceType: 'METRIC',
    GroupId: r.groupId ?? '',
    Escalations: {
      [level]: {
        ComparisonOperator: r.comparisonOperator,
        Statistics: r.statistics,
        Threshold: String(r.threshold),
        Times: r.times,
      },
    },
  };
}

/** A rule's state for the listing: its last state change (ALERT is the API's ALARM), else OK. */
function ruleState(engine: AlarmEngine, ruleId: string): string {
  const last = engine.alertLog.filter((e) => e.ruleId === ruleId).at(-1);
  return !last || last.state === 'OK' ? 'OK' : last.state === 'ALERT' ? 'ALARM' : 'INSUFFICIENT_DATA';
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
    requireParams(params, ['Namespace', 'MetricName']);
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
        const list = flattenedList(params, 'MetricList');
        if (list.length === 0) throw missing('MetricList');
        // Every field the SDK marks required, checked for the whole batch before anything is kept.
        list.forEach((m, i) => {
          requireParams(
            m,
            ['Dimensions', 'GroupId', 'MetricName', 'Type', 'Values'],
            '',
            `MetricList.${i + 1}.`,
          );
        });
        for (const m of list) {
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
        const list = flattenedList(params, 'EventInfo');
        if (list.length === 0) throw missing('EventInfo');
        list.forEach((e, i) => {
          requireParams(e, ['Content', 'EventName'], '', `EventInfo.${i + 1}.`);
        });
        for (const e of list) {
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
      DescribeMetricRuleList: ({ params }) => {
        const page = positiveInt(params, 'Page', 1);
        const size = positiveInt(params, 'PageSize', 10);
        const keep = ruleListFilter(params);
        const rules = deps.engine
          .listRules()
          .map((r) => ({ r, state: ruleState(deps.engine, r.ruleId) }))
          .filter(({ r, state }) => keep(r, state));
        return {
          Code: 200,
          Success: true,
          Total: String(rules.length),
          Alarms: {
            Alarm: rules.slice((page - 1) * size, page * size).map(({ r, state }) => alarmOf(r, state)),
          },
        };
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
