/** E2E helpers: CloudMonitor-shaped callbacks sent to the functions, answers decoded. */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Drill } from '../../sandbox/drill/drill-env';
import type { LocalInvoker } from '../../sandbox/invoker/index';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { parseRemoteClusters } from '../../shared/gateway/membership';
import type { AlarmAnswer } from '../../shared/pipeline/answer';

/** An alarm state as CloudMonitor reports it. */
export type AlarmState = 'ALERT' | 'OK' | 'INSUFFICIENT_DATA';

const LEVEL: Record<AlarmState, string> = { ALERT: 'CRITICAL', OK: 'OK', INSUFFICIENT_DATA: 'WARN' };

/** The CloudMonitor callback fields for a cluster (site-monitor shaped: dimension taskId = cluster id). */
export function alarmFields(
  clusterId: string,
  state: AlarmState,
  timestamp = Date.now(),
): Record<string, string> {
  return {
    alertName: `${clusterId}-availability`,
    alertState: state,
    metricName: 'Availability',
    namespace: 'acs_networkmonitor',
    dimensions: `{userId=1234567890123456, taskId=${clusterId}}`,
    ruleId: `fleet-dr-site-${clusterId}`,
    triggerLevel: LEVEL[state],
    timestamp: String(timestamp),
  };
}

/** A CloudMonitor callback form for a cluster (the fields of {@link alarmFields}, form-encoded). */
export function alarmForm(clusterId: string, state: AlarmState, timestamp = Date.now()): string {
  return new URLSearchParams(alarmFields(clusterId, state, timestamp)).toString();
}

const CLOUDEVENT_SAMPLE = fileURLToPath(
  new URL('../../events/cloudmonitor-alarm/cloudevents-alert.json', import.meta.url),
);

/** The EventBridge form: the sample CloudEvents envelope, carrying {@link alarmFields} as `data`. */
export function alarmCloudEvent(
  clusterId: string,
  state: AlarmState,
  timestamp = Date.now(),
): Record<string, unknown> {
  const sample = JSON.parse(readFileSync(CLOUDEVENT_SAMPLE, 'utf8')) as Record<string, unknown>;
  return {
    ...sample,
    id: `${clusterId}-${state}-${timestamp}`,
    subject: `acs:cms:cn-hangzhou:1234567890:alarm/fleet-dr-site-${clusterId}`,
    time: new Date(timestamp).toISOString(),
    aliyunpublishtime: new Date(timestamp).toISOString(),
    data: alarmFields(clusterId, state, timestamp),
  };
}

/** The value of the MseIngressConfig's remote-clusters annotation: the clusters on the gateway. */
export function remoteClusters(d: Drill): string[] {
  const cfg = d.sb.fleet.store.get(
    'mse.alibabacloud.com/v1alpha1',
    'MseIngressConfig',
    undefined,
    d.policy.fleet.mseIngressConfig,
  );
  return parseRemoteClusters(cfg?.metadata.annotations?.[gatewayKeys(d.policy.gateway).remoteClusters]);
}

/** Invokes alarm-failover as an event function (the EventBridge trigger), returns the decoded answer. */
export async function invokeEvent(inv: LocalInvoker, event: unknown) {
  const r = await inv.invoke('fleet-dr-alarm-failover', Buffer.from(JSON.stringify(event), 'utf8'));
  if (r.error) throw new Error(`alarm-failover failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  return JSON.parse(r.payload.toString('utf8')) as AlarmAnswer & { error?: string; status?: number };
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
  const r = await inv.invokeHttp('fleet-dr-alarm-failover', {
    method: 'POST',
    query: { token },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (r.error) throw new Error(`alarm-failover failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  return { status: r.statusCode, body: JSON.parse(r.body.toString('utf8')) as AlarmAnswer };
}

/** One fleet-dr audit event as CloudMonitor stored it (PutCustomEvent content, decoded). */
export interface AuditRecord {
  decision: string;
  rule?: string;
  reason: string;
  cluster: string;
  alarmKey: string;
  committed: boolean;
  weights?: Record<string, Record<string, number>>;
}

/** The fleet-dr decision events in the CloudMonitor stand-in, oldest first. */
export function auditRecords(d: Drill): AuditRecord[] {
  return d.sb.cloud.cms
    .customEvents()
    .filter((e) => e.eventName === 'fleet-dr-decision')
    .map((e) => JSON.parse(e.content) as AuditRecord);
}

/** The repository's root (the working directory of the commands the tests run). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a command in the repository as a user would; killed after `timeoutMs`; resolves with its output. */
export function runCommand(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
