/**
 * CloudMonitor threshold-alarm callback: an `application/x-www-form-urlencoded` POST (3 retries, 5 s timeout),
 * received here through an FC 3.0 HTTP trigger (see fc-http.ts) or inside a CloudEvents envelope whose
 * `data` carries the same fields. `dimensions` is not JSON; `timestamp` is seconds in the doc and
 * milliseconds in real captures, so both are accepted.
 *
 * @example
 * alertName=ack-az1-probe&alertState=ALERT&curValue=0&dimensions=%7BuserId%3D12****%2C+clusterId%3Dc-ack-az1%7D
 * &expression=%24Average%3C1&instanceName=c-ack-az1&metricName=fleet_dr_probe_success&metricProject=acs_customMetric
 * &namespace=acs_customMetric_12****&userId=12****&ruleId=fleet-dr-probe-c-ack-az1&triggerLevel=CRITICAL
 * &preTriggerLevel=OK&timestamp=1748765700000&regionId=cn-hangzhou
 */
import { z } from 'zod';
import { ALARM_CLUSTER_DIMENSIONS } from './unverified';

const text = z.union([z.string(), z.number()]).transform(String);
const optionalText = text.optional();

/** Parses `{userId=12****, instanceId=i-12****}` (also a JSON object string or an object) into a record. */
export function parseDimensions(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  }
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s.startsWith('{"')) {
    try {
      return parseDimensions(JSON.parse(s));
    } catch {
      return undefined;
    }
  }
  const m = /^\{(.*)\}$/s.exec(s);
  const body = (m ? m[1] : s)?.trim() ?? '';
  if (body === '') return {};
  const out: Record<string, string> = {};
  for (const part of body.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Epoch seconds or milliseconds (number or digit string) to a Date; values below 1e12 are seconds. */
export function alarmTime(value: string): Date | undefined {
  if (!/^\d{9,13}$/.test(value.trim())) return undefined;
  const n = Number(value);
  return new Date(n < 1e12 ? n * 1000 : n);
}

/** The callback fields (form values are strings; a CloudEvents `data` may carry numbers). */
export const AlarmCallbackSchema = z.looseObject({
  alertName: text.pipe(z.string().min(1, 'must not be empty')),
  alertState: z.enum(['ALERT', 'OK', 'INSUFFICIENT_DATA'], {
    message: 'must be ALERT, OK or INSUFFICIENT_DATA',
  }),
  metricName: text.pipe(z.string().min(1, 'must not be empty')),
  timestamp: text,
  dimensions: z.unknown().optional(),
  curValue: optionalText,
  expression: optionalText,
  instanceName: optionalText,
  metricProject: optionalText,
  namespace: optionalText,
  userId: optionalText,
  ruleId: optionalText,
  triggerLevel: z.enum(['CRITICAL', 'WARN', 'INFO', 'OK']).optional(),
  preTriggerLevel: optionalText,
  signature: optionalText,
  lastTime: optionalText,
  rawMetricName: optionalText,
  transId: optionalText,
  groupId: optionalText,
  productGroupName: optionalText,
  regionId: optionalText,
  regionName: optionalText,
  unit: optionalText,
});

/** How the alarm reached us. */
export type AlarmVia = 'callback' | 'http-trigger' | 'cloudevents';

/** Callback fields validated and normalised into an AlarmEvent (`via` is set by the caller). */
export const AlarmEventSchema = AlarmCallbackSchema.transform((f, ctx) => {
  const timestamp = alarmTime(f.timestamp);
  if (!timestamp) {
    ctx.issues.push({
      code: 'custom',
      path: ['timestamp'],
      message: 'must be epoch seconds or ms',
      input: f,
    });
    return z.NEVER;
  }
  const dimensions = parseDimensions(f.dimensions);
  if (!dimensions) {
    ctx.issues.push({ code: 'custom', path: ['dimensions'], message: 'must be {key=value, ...}', input: f });
    return z.NEVER;
  }
  const clusterKey = ALARM_CLUSTER_DIMENSIONS.find((k) => dimensions[k]);
  return {
    kind: 'alarm' as const,
    alarmName: f.alertName,
    state: f.alertState,
    metricName: f.metricName,
    namespace: f.namespace,
    dimensions,
    clusterId: clusterKey ? dimensions[clusterKey] : undefined,
    timestamp,
    ruleId: f.ruleId,
    triggerLevel: f.triggerLevel,
    curValue: f.curValue,
    via: 'callback' as AlarmVia,
    raw: f as Record<string, unknown>,
  };
});

/** A normalised CloudMonitor alarm. */
export type AlarmEvent = z.output<typeof AlarmEventSchema>;

/** True when an object carries the alarm callback fields (decides which schema to apply). */
export function looksLikeAlarm(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'alertName' in v && 'alertState' in v;
}

/** Decodes an `application/x-www-form-urlencoded` body into a plain object (last value of a key wins). */
export function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.trim()));
}
