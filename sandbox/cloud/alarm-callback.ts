/**
 * The CloudMonitor alarm callback: the form a threshold rule POSTs to its webhook, and its delivery
 * (3 retries, 5 s timeout as the real service documents; both configurable for tests).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { isLoopbackUrl } from './http-util';

/** Alarm states as CloudMonitor names them. */
export type AlertState = 'OK' | 'ALERT' | 'INSUFFICIENT_DATA';
/** Rule levels (`triggerLevel`). */
export type AlertLevel = 'CRITICAL' | 'WARN' | 'INFO';

/** The fields of one callback, all strings as they travel in the form. */
export type CallbackForm = Record<string, string>;

/** `dimensions` in its non-JSON form: `{userId=12****, instanceId=i-12****}`. */
export function formatDimensions(d: Record<string, string>): string {
  return `{${Object.entries(d)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}}`;
}

/** Region display names; unverified beyond the Hangzhou one used by the sandbox. */
const REGION_NAMES: Record<string, string> = {
  'cn-hangzhou': 'China (Hangzhou)',
  'cn-shanghai': 'China (Shanghai)',
};

/** Everything needed to build one callback. */
export interface CallbackInput {
  ruleId: string;
  ruleName: string;
  namespace: string;
  metricName: string;
  state: AlertState;
  triggerLevel: AlertLevel | 'OK';
  preTriggerLevel: AlertLevel | 'OK';
  curValue: number | undefined;
  dimensions: Record<string, string>;
  expression: string;
  userId: string;
  regionId: string;
  groupId?: string;
  unit?: string;
  /** ms the previous state lasted. */
  lastMs: number;
  now: number;
}

/** Build the callback form with every field of the reference. */
export function buildCallbackForm(i: CallbackInput): CallbackForm {
  const dims = { userId: i.userId, ...i.dimensions };
  const instanceName =
    i.dimensions.instanceId ?? i.dimensions.taskId ?? Object.values(i.dimensions)[0] ?? i.ruleName;
  const timestamp = String(i.now); // ms, as in a real capture (the doc says seconds)
  return {
    alertName: i.ruleName,
    alertState: i.state,
    curValue: i.curValue === undefined ? '' : String(i.curValue),
    dimensions: formatDimensions(dims),
    expression: i.expression,
    instanceName,
    metricName: i.metricName,
    metricProject: i.namespace,
    namespace: i.namespace,
    userId: i.userId,
    ruleId: i.ruleId,
    triggerLevel: i.triggerLevel,
    preTriggerLevel: i.preTriggerLevel,
    timestamp,
    // unverified: how CloudMonitor computes `signature`; the stand-in uses an HMAC over ruleId and timestamp.
    signature: createHmac('sha1', 'sandbox-cms-callback').update(`${i.ruleId}${timestamp}`).digest('base64'),
    lastTime: `${Math.round(i.lastMs / 1000)} seconds`,
    rawMetricName: i.metricName,
    transId: randomUUID(),
    groupId: i.groupId ?? '',
    productGroupName: '',
    regionId: i.regionId,
    regionName: REGION_NAMES[i.regionId] ?? i.regionId,
    unit: i.unit ?? '',
  };
}

/** Delivery settings. */
export interface DeliveryOptions {
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  signal?: AbortSignal;
}

/** POST the form; true once a 2xx came back. Only loopback URLs are ever contacted. */
export async function deliverCallback(url: string, form: CallbackForm, o: DeliveryOptions): Promise<boolean> {
  if (!isLoopbackUrl(url)) return false;
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (o.signal?.aborted) return false;
    if (attempt > 0) await new Promise((r) => setTimeout(r, o.retryDelayMs));
    try {
      const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.any(signals),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
    } catch {
      // timeout or connection error: retry
    }
  }
  return false;
}
