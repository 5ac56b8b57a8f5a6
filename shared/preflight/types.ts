/**
 * What `fleet-dr preflight` reports: one row per check, PASS / WARN / FAIL, the evidence it saw and, when it
 * is not a PASS, the fix. The checks gather (I/O) and then judge (pure functions of what was gathered).
 */

import { CloudAuthError } from '../clients/errors';

/** The read-only grant preflight alone needs (attach it to the identity that runs preflight, never the functions). */
export const PREFLIGHT_POLICY_FILE = 'deploy/ram-policy-preflight.json';

/** The outcome of one check. */
export type PreflightResult = 'PASS' | 'WARN' | 'FAIL';

/** One row of the report. */
export interface PreflightCheck {
  /** `<group>: <subject>`, e.g. `identity: cs:DescribeClusterDetail`, `rbac: fleet configmaps in fleet-dr`. */
  name: string;
  result: PreflightResult;
  /** What was seen (never a secret). */
  evidence: string;
  /** What to do about it; empty on a PASS. */
  fix: string;
}

/** The groups, in the order they run and print (writes only with --write-test, notify with --notify-test). */
export const PREFLIGHT_GROUPS = [
  'identity',
  'rbac',
  'gateway',
  'signals',
  'clusters',
  'writes',
  'notify',
] as const;
export type PreflightGroup = (typeof PREFLIGHT_GROUPS)[number];

export const pass = (name: string, evidence: string): PreflightCheck => ({
  name,
  result: 'PASS',
  evidence,
  fix: '',
});
export const warn = (name: string, evidence: string, fix: string): PreflightCheck => ({
  name,
  result: 'WARN',
  evidence,
  fix,
});
export const fail = (name: string, evidence: string, fix: string): PreflightCheck => ({
  name,
  result: 'FAIL',
  evidence,
  fix,
});

/**
 * The WARN of a read preflight alone makes (not the functions) that failed: denied by RAM, the grant in
 * deploy/ram-policy-preflight.json is named; otherwise the error, and what to check.
 */
export function unreadRow(
  name: string,
  e: unknown,
  o: { api: string; action: string; otherwise: string },
): PreflightCheck {
  if (e instanceof CloudAuthError)
    return warn(
      name,
      `not readable with these credentials: ${o.api} denied (${e.code})`,
      `attach ${PREFLIGHT_POLICY_FILE} (${o.action}) to the identity that runs preflight, not to the functions' role`,
    );
  return warn(name, `not checked: ${messageOf(e).slice(0, 200)}`, o.otherwise);
}

/** The message of anything thrown, on one line. */
export const messageOf = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');

/** The group of a check (its name's prefix). */
export const groupOf = (c: Pick<PreflightCheck, 'name'>): string => c.name.slice(0, c.name.indexOf(':'));
