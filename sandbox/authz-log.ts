/**
 * The stand-ins' record of each authorisation decision on the functions' identities: the RAM authorizer
 * (sandbox/cloud/ram.ts) for each call of the functions' role, the Kubernetes stand-ins (sandbox/kubernetes/
 * auth.ts) for each request of an RBAC user. Where it goes is chosen by SANDBOX_AUTHZ_LOG:
 * - `1`: one text line per decision on stderr (`[sandbox ram] …`, `[sandbox rbac] …`);
 * - a file path: one JSON line per decision appended to that file (test/run-tests.mjs collects a whole
 *   end-to-end run this way, across processes; test/least-privilege/derive.ts reads it back).
 * In-process listeners (`onAuthzDecision`) get every decision whatever the variable says.
 */
import { appendFileSync } from 'node:fs';

/** A RAM decision on a call of the functions' role. */
export interface RamAuthzRecord {
  system: 'ram';
  decision: string;
  action: string;
  resource: string;
}

/** An RBAC decision on a request of an RBAC user (the functions' role's user among them). */
export interface RbacAuthzRecord {
  system: 'rbac';
  allowed: boolean;
  user: string;
  verb: string;
  group: string;
  /** The plural, with `/<subresource>` when the request was for one. */
  resource: string;
  namespace?: string;
  name?: string;
}

export type AuthzRecord = RamAuthzRecord | RbacAuthzRecord;

const listeners = new Set<(r: AuthzRecord) => void>();

/** Be told of every decision in this process; returns the unsubscribe. */
export function onAuthzDecision(listener: (r: AuthzRecord) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The stderr line of a decision (the `SANDBOX_AUTHZ_LOG=1` format). */
export function authzLine(r: AuthzRecord): string {
  if (r.system === 'ram') return `[sandbox ram] ${r.decision} ${r.action} on ${r.resource}`;
  return `[sandbox rbac] ${r.allowed ? 'allow' : 'DENY'} ${r.user} ${r.verb} ${r.group}/${r.resource} ns=${r.namespace ?? '-'} name=${r.name ?? '-'}`;
}

/** Record one decision: to the listeners, and where SANDBOX_AUTHZ_LOG says. */
export function logAuthzDecision(r: AuthzRecord, env: NodeJS.ProcessEnv = process.env): void {
  for (const l of listeners) l(r);
  const target = env.SANDBOX_AUTHZ_LOG;
  if (!target) return;
  if (target === '1') process.stderr.write(`${authzLine(r)}\n`);
  // One short appended line per write: lines from several processes do not interleave.
  else appendFileSync(target, `${JSON.stringify(r)}\n`);
}
