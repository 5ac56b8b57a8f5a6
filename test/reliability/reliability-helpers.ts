/**
 * Helpers of the reliability suite (test/reliability/): invocations through the local invoker decoded into
 * one answer shape, the checks every refused input must pass (4xx, a reason, no stack trace), the Fleet's
 * writes from the request ledger, signed operator requests, and a capture of the stand-ins' authorisation
 * decisions (RAM and RBAC, sandbox/authz-log.ts).
 */
import { onAuthzDecision } from '../../sandbox/authz-log';
import type { Drill } from '../../sandbox/drill/drill-env';
import { DRILL_OPERATOR_KEY } from '../../sandbox/drill/drill-env';
import type { HttpInvokeResponse, InvocationResult } from '../../sandbox/invoker/index';
import { type LedgerEntry, requestLedger } from '../../sandbox/ledger';
import { signRequest } from '../../shared/operator/signing';
import type { AuthzCalls, RamCall, RbacCall } from '../least-privilege/derive';

/** The deployed names the drill's invoker serves. */
export const FN = {
  alarm: 'fleet-dr-alarm-failover',
  clusterEvent: 'fleet-dr-cluster-event',
  drift: 'fleet-dr-drift-check',
  health: 'fleet-dr-health-check',
  notify: 'fleet-dr-notify',
  operator: 'fleet-dr-operator',
} as const;

/** One answer, whichever trigger: the HTTP status (or the `status` of an event refusal), body, FC error. */
export interface Outcome {
  status: number | undefined;
  body: unknown;
  text: string;
  fcError?: { errorType: string; errorMessage: string; stackTrace: string[] };
}

/** Decodes an HTTP answer. */
export function fromHttp(r: HttpInvokeResponse): Outcome {
  const text = r.body.toString('utf8');
  return { status: r.statusCode, body: tryJson(text), text, fcError: r.error };
}

/** Decodes an event invocation's answer (a refusal is `{ error, status }`). */
export function fromEvent(r: InvocationResult): Outcome {
  const text = r.payload.toString('utf8');
  const body = tryJson(text);
  const status = (body as { status?: unknown } | undefined)?.status;
  return { status: typeof status === 'number' ? status : undefined, body, text, fcError: r.error };
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** What a stack trace looks like in an answer. */
export const STACK_PATTERNS = [/at .*\.ts:\d+/, /Error:\s*\n\s+at /];

/**
 * Why a refused answer is not what a malformed input must get (undefined when it is): no FC error, no stack
 * trace, a 4xx (exactly `want` when given) and an `error`/`reason` that says something.
 */
export function refusalProblem(o: Outcome, want?: number): string | undefined {
  if (o.fcError) return `FC error ${o.fcError.errorType}: ${o.fcError.errorMessage}`;
  const all = `${o.text}\n${JSON.stringify(o.fcError ?? '')}`;
  for (const p of STACK_PATTERNS) if (p.test(all)) return `stack trace in the answer (${p})`;
  if (o.status === undefined || o.status < 400 || o.status > 499)
    return `status ${o.status}, not a 4xx: ${o.text.slice(0, 200)}`;
  if (want !== undefined && o.status !== want)
    return `status ${o.status}, expected ${want}: ${o.text.slice(0, 200)}`;
  const b = (o.body ?? {}) as { error?: unknown; reason?: unknown };
  const why = typeof b.error === 'string' ? b.error : typeof b.reason === 'string' ? b.reason : '';
  if (why.trim().length < 8) return `no clear reason: ${o.text.slice(0, 200)}`;
  if (/internal error/i.test(why)) return `an internal error, not a reason: ${why}`;
  return undefined;
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The writes on the Fleet's Kubernetes API since `mark`. */
export function fleetWritesSince(d: Drill, mark: number): LedgerEntry[] {
  return requestLedger.since(
    mark,
    (e) => e.system === 'kubernetes' && e.server === d.sb.fleet.name && WRITE.has(e.method),
  );
}

/** A signed request to the operator function through the drill's invoker (the drill's key: every verb). */
export async function operatorRequest(
  d: Drill,
  method: string,
  path: string,
  body: string,
  o: { sendBody?: string } = {},
): Promise<Outcome> {
  const headers = signRequest({
    method,
    path,
    body,
    keyId: DRILL_OPERATOR_KEY.id,
    secret: DRILL_OPERATOR_KEY.secret,
  });
  const sent = o.sendBody ?? body;
  const r = await d.invoker.invokeHttp(FN.operator, {
    method,
    path,
    headers: { ...headers, ...(sent.length ? { 'content-type': 'application/json' } : {}) },
    body: sent,
  });
  return fromHttp(r);
}

/** An FC timer event. */
export const timer = (triggerName: string, payload = '') => ({
  triggerTime: new Date().toISOString(),
  triggerName,
  payload,
});

/**
 * Records the stand-ins' authorisation decisions while it runs (RAM: each call of the functions' role; RBAC:
 * each request of an RBAC user), from the stand-ins in this process (the functions run in worker threads, the
 * stand-ins here). SANDBOX_AUTHZ_LOG is left as it is, so a run-wide log (test/run-tests.mjs) gets them too.
 */
export function captureAuthz(): AuthzCalls & { stop(): void } {
  const calls: AuthzCalls = { ram: [], rbac: [] };
  const stop = onAuthzDecision(({ system, ...call }) => {
    if (system === 'ram') calls.ram.push(call as RamCall);
    else calls.rbac.push(call as RbacCall);
  });
  return { ...calls, stop };
}

/** True when the committed routing state reads every one of `clusters` as up. */
export function verdictsUp(d: Drill, clusters: string[]): boolean {
  const cm = d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, 'fleet-dr-routing-state');
  const raw = (cm?.data as Record<string, string> | undefined)?.['state.json'];
  const s = raw ? (JSON.parse(raw) as { verdicts?: Record<string, { verdict?: string }> }) : undefined;
  return clusters.every((c) => s?.verdicts?.[c]?.verdict === 'up');
}

/** Why an answer to an event taken as a wake-up (notify) is not acceptable: an FC error, a stack trace, a 5xx. */
export function wakeUpProblem(o: Outcome): string | undefined {
  if (o.fcError) return `FC error ${o.fcError.errorType}: ${o.fcError.errorMessage}`;
  for (const p of STACK_PATTERNS) if (p.test(o.text)) return `stack trace in the answer (${p})`;
  if (o.status !== undefined && o.status >= 500) return `status ${o.status}: ${o.text.slice(0, 200)}`;
  if (o.body === undefined) return `not a JSON answer: ${o.text.slice(0, 200)}`;
  return undefined;
}
