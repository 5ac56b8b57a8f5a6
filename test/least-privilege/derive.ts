/**
 * Least privilege, derived (issue 17): the grants in deploy/ram-policy.json and deploy/fleet-rbac.yaml against
 * the calls the functions' identities made, as the stand-ins recorded them (sandbox/authz-log.ts), in both
 * directions:
 * - called ⊆ granted: every RAM action and Kubernetes verb the functions' role used is granted by the files
 *   (a call denied because a test revoked a grant on purpose still counts as called);
 * - granted ⊆ called: every grant was exercised by some call, or is in an allow-list with the reason.
 * Used by test/run-tests.mjs over the whole end-to-end suite and by test/reliability/least-privilege.test.ts
 * over one scenario. Not modelled: which cluster (Fleet or member) an RBAC request went to; a Role's
 * `fleet-dr.io/apply-to` label only names the grant.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { AuthzRecord } from '../../sandbox/authz-log';
import {
  checkPolicyDocument,
  evaluatePolicy,
  type RamPolicyDocument,
  SANDBOX_FUNCTION_ROLE,
  wildcardMatch,
} from '../../sandbox/cloud/ram';

/** One RAM evaluation of the functions' role. */
export type RamCall = Omit<Extract<AuthzRecord, { system: 'ram' }>, 'system'>;
/** One RBAC evaluation of an RBAC user. */
export type RbacCall = Omit<Extract<AuthzRecord, { system: 'rbac' }>, 'system'>;

/** The decisions of a run, by system. */
export interface AuthzCalls {
  ram: RamCall[];
  rbac: RbacCall[];
}

/** One rule of a Role or ClusterRole, with where it applies (Fleet or member clusters) and its namespace. */
export interface RbacRule {
  where: string;
  namespace?: string;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** What deploy/ grants the functions. */
export interface Grants {
  ram: RamPolicyDocument;
  rbac: RbacRule[];
}

/** Parse SANDBOX_AUTHZ_LOG's JSON lines; a line that is not a decision is an error naming the line. */
export function parseAuthzLog(text: string): AuthzCalls {
  const out: AuthzCalls = { ram: [], rbac: [] };
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: AuthzRecord;
    try {
      r = JSON.parse(line) as AuthzRecord;
    } catch {
      throw new Error(`authz log line ${i + 1} is not JSON: ${line.slice(0, 120)}`);
    }
    const { system, ...call } = r;
    if (system === 'ram' && typeof r.action === 'string') out.ram.push(call as RamCall);
    else if (system === 'rbac' && typeof r.verb === 'string') out.rbac.push(call as RbacCall);
    else throw new Error(`authz log line ${i + 1} is not a RAM or RBAC decision: ${line.slice(0, 120)}`);
  });
  return out;
}

/** The rules of a fleet-rbac.yaml text, per Role (namespaced) or ClusterRole, Fleet or member clusters. */
export function rbacRules(yamlText: string): RbacRule[] {
  const out: RbacRule[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    const o = doc.toJS() as {
      kind: string;
      metadata: { name: string; namespace?: string; labels?: Record<string, string> };
      rules?: Omit<RbacRule, 'where' | 'namespace'>[];
    };
    if (o?.kind !== 'Role' && o?.kind !== 'ClusterRole') continue;
    const where = o.metadata.labels?.['fleet-dr.io/apply-to'] === 'member-clusters' ? 'member' : 'fleet';
    for (const r of o.rules ?? []) out.push({ ...r, where, namespace: o.metadata.namespace });
  }
  return out;
}

const DEPLOY = new URL('../../deploy/', import.meta.url);

/**
 * deploy/ram-policy.json with deploy/ram-policy-asm.json (attached when a route has `router: asm`), and
 * deploy/fleet-rbac.yaml (or the files in another directory; the ASM policy only when it is there).
 */
export function readDeployGrants(dir: URL = DEPLOY): Grants {
  const read = (name: string) => readFileSync(fileURLToPath(new URL(name, dir)), 'utf8');
  const asm = existsSync(fileURLToPath(new URL('ram-policy-asm.json', dir)))
    ? (JSON.parse(read('ram-policy-asm.json')) as { Statement: unknown[] }).Statement
    : [];
  const main = JSON.parse(read('ram-policy.json')) as { Statement: unknown[] };
  return {
    ram: checkPolicyDocument({ ...main, Statement: [...main.Statement, ...asm] }),
    rbac: rbacRules(read('fleet-rbac.yaml')),
  };
}

/**
 * What Kubernetes grants every authenticated user without fleet-rbac.yaml (the bootstrap ClusterRole
 * system:basic-user): self reviews, as `fleet-dr preflight` sends them.
 */
export const IMPLICIT_RBAC: RbacRule[] = [
  {
    where: 'any',
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    verbs: ['create'],
  },
  {
    where: 'any',
    apiGroups: ['authentication.k8s.io'],
    resources: ['selfsubjectreviews'],
    verbs: ['create'],
  },
];

const has = (list: string[] | undefined, v: string) => !list || list.includes('*') || list.includes(v);

/** Does `rule` allow the request? */
export function rbacAllows(rule: RbacRule, c: RbacCall): boolean {
  return (
    (rule.namespace === undefined || rule.namespace === c.namespace) &&
    has(rule.apiGroups, c.group) &&
    has(rule.resources, c.resource) &&
    has(rule.verbs, c.verb) &&
    (!rule.resourceNames || (c.name !== undefined && rule.resourceNames.includes(c.name)))
  );
}

/** The name of one grant of fleet-rbac.yaml (one verb on one resource of one rule), as allow-lists use it. */
export const rbacGrantName = (r: RbacRule, verb: string, resource: string) =>
  `${r.where}: ${verb} ${r.apiGroups.join(',') || 'core'}/${resource}${r.namespace ? ` in ${r.namespace}` : ''}`;

/** The name of a Kubernetes call. */
export const rbacCallName = (c: RbacCall) =>
  `${c.verb} ${c.group || 'core'}/${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}${c.name ? ` (${c.name})` : ''}`;

/** Both directions, by name. */
export interface PrivilegeComparison {
  /** Everything the role called: RAM actions, then Kubernetes calls. */
  called: string[];
  /** Called but not granted by deploy/ (RAM: `<action> on <resource>`; RBAC: the call's name). */
  ungranted: string[];
  /** Granted by deploy/ but never called (RAM actions as written in the policy; RBAC grant names). */
  unexercised: string[];
}

/** Compare the calls of the functions' identities (the RAM role, the RBAC user `roleUser`) with the grants. */
export function comparePrivileges(
  calls: AuthzCalls,
  grants: Grants,
  roleUser: string = SANDBOX_FUNCTION_ROLE.id,
): PrivilegeComparison {
  const rbac = calls.rbac.filter((c) => c.user === roleUser);
  const ramNames = [...new Set(calls.ram.map((c) => c.action))].sort();
  const ungranted = [
    ...new Set([
      ...calls.ram
        .filter((c) => evaluatePolicy(grants.ram, c.action, c.resource) !== 'Allow')
        .map((c) => `${c.action} on ${c.resource}`),
      ...rbac
        .filter((c) => ![...grants.rbac, ...IMPLICIT_RBAC].some((r) => rbacAllows(r, c)))
        .map(rbacCallName),
    ]),
  ].sort();
  const unexercised = grants.ram.Statement.filter((s) => s.Effect === 'Allow')
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => !ramNames.some((c) => wildcardMatch(a, c, true)));
  for (const r of grants.rbac)
    for (const verb of r.verbs)
      for (const resource of r.resources)
        if (!rbac.some((c) => rbacAllows({ ...r, verbs: [verb], resources: [resource] }, c)))
          unexercised.push(rbacGrantName(r, verb, resource));
  const called = [...ramNames, ...[...new Set(rbac.map(rbacCallName))].sort()];
  return { called, ungranted, unexercised: [...new Set(unexercised)].sort() };
}

/**
 * What is wrong, one clear line each (empty when both directions hold): a call not granted, a grant never
 * exercised and not allow-listed, and an allow-list entry that is stale (exercised, or no grant at all).
 */
export function privilegeProblems(cmp: PrivilegeComparison, allowList: Record<string, string>): string[] {
  const unexercised = new Set(cmp.unexercised);
  return [
    ...cmp.ungranted.map(
      (c) => `called but not granted by deploy/ram-policy.json or deploy/fleet-rbac.yaml: ${c}`,
    ),
    ...cmp.unexercised
      .filter((g) => !(g in allowList))
      .map((g) => `granted but never called, and not in the allow-list: ${g}`),
    ...Object.keys(allowList)
      .filter((g) => !unexercised.has(g))
      .map((g) => `in the allow-list but called, or not a grant (remove it): ${g}`),
  ];
}

/**
 * Grants the whole end-to-end suite (test/e2e, test/reliability) does not exercise, each with the reason.
 * Keep it short: a grant nothing calls should be removed from deploy/ instead.
 */
export const SUITE_UNEXERCISED: Record<string, string> = {};

/** The runner's check over a whole run's SANDBOX_AUTHZ_LOG file: the comparison and its problems. */
export function checkSuiteLog(
  logText: string,
  grants: Grants = readDeployGrants(),
  allowList: Record<string, string> = SUITE_UNEXERCISED,
): PrivilegeComparison & { problems: string[] } {
  const cmp = comparePrivileges(parseAuthzLog(logText), grants);
  return { ...cmp, problems: privilegeProblems(cmp, allowList) };
}
