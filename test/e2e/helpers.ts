/** E2E helpers: CloudMonitor-shaped callbacks sent to the functions, answers decoded. */

import type { LocalInvoker } from '../../sandbox/invoker/index';
import type { AlarmAnswer } from '../../shared/execute/answer';

/** A CloudMonitor callback form for a cluster (site-monitor shaped: dimension taskId = cluster id). */
export function alarmForm(clusterId: string, state: 'ALERT' | 'OK', timestamp = Date.now()): string {
  return new URLSearchParams({
    alertName: `${clusterId}-availability`,
    alertState: state,
    metricName: 'Availability',
    namespace: 'acs_networkmonitor',
    dimensions: `{userId=1234567890123456, taskId=${clusterId}}`,
    ruleId: `fleet-dr-site-${clusterId}`,
    triggerLevel: state === 'OK' ? 'OK' : 'CRITICAL',
    timestamp: String(timestamp),
  }).toString();
}

/** POSTs a callback to a URL over real HTTP (the invoker's HTTP front), returns status and JSON. */
export async function postCallback(
  url: string,
  form: string,
): Promise<{ status: number; body: AlarmAnswer & { error?: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as AlarmAnswer & { error?: string } };
}

/** Sends a callback through an invoker's HTTP mapping (no front needed). */
export async function invokeCallback(inv: LocalInvoker, token: string, form: string) {
  const r = await inv.invokeHttp('alarm-failover', {
    method: 'POST',
    query: { token },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (r.error) throw new Error(`alarm-failover failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  return { status: r.statusCode, body: JSON.parse(r.body.toString('utf8')) as AlarmAnswer };
}
