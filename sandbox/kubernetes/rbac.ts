/**
 * RBAC authorisation as kube-apiserver's RBAC authorizer does it (k8s.io/kubernetes plugin/pkg/auth/authorizer/
 * rbac): the ClusterRoleBindings, then the RoleBindings of the request's namespace, that name the user (User),
 * one of its groups (Group) or its service account (ServiceAccount); the rules of the bound ClusterRole or Role
 * allow when apiGroups, resources (`res`, `res/sub`, `*`, `*\/sub`, `res/*`), verbs and resourceNames match
 * (`*` wildcards; resourceNames need a named request, so a create or a list never matches a rule that has them).
 * Allow-only: there are no deny rules. A binding whose role does not exist adds
 * `RBAC: role.rbac.authorization.k8s.io "x" not found` to the reason of a denial, as the real one does.
 *
 * Built in (the bootstrap roles every cluster has): `system:masters` may do anything; every authenticated user
 * may create SelfSubjectAccessReviews/SelfSubjectRulesReviews (system:basic-user) and GET the discovery and
 * version paths (system:discovery, system:public-info-viewer). Not modelled: aggregated ClusterRoles
 * (aggregationRule), the escalate/bind checks on writing roles and bindings, the Node authorizer, webhooks.
 */
import { RBAC_GROUP } from './resources';
import type { ObjectStore } from './types';

/** The authenticated user (user.Info). */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** The attributes a request is authorised on (authorizer.Attributes). */
export interface RequestAttributes {
  verb: string;
  /** A resource request; absent for a non-resource request (path). */
  resource?: { group: string; resource: string; subresource?: string; namespace?: string; name?: string };
  path?: string;
}

/** The decision and its reason (empty when nothing allowed and nothing was missing). */
export interface Decision {
  allowed: boolean;
  reason: string;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

interface Binding {
  metadata: { name: string; namespace?: string };
  roleRef?: { apiGroup?: string; kind: string; name: string };
  subjects?: Subject[];
}

const V1 = `${RBAC_GROUP}/v1`;

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (!subresource) continue;
    if (r === `*/${subresource}` || r === `${resource}/*`) return true;
  }
  return false;
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

/** One rule against the request (RuleAllows). */
export function ruleAllows(a: RequestAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resource) return a.path !== undefined && nonResourceMatches(rule, a.path);
  const r = a.resource;
  if (!has(rule.apiGroups, r.group)) return false;
  if (!resourceMatches(rule, r.resource, r.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (r.name !== undefined && names.includes(r.name));
}

function subjectMatches(s: Subject, user: UserInfo, bindingNs: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace || bindingNs || ''}:${s.name}`;
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNs: string | undefined): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNs || ''}"`;
  return `${s.kind} "${s.name}"`;
}

/** Discovery and version paths every authenticated user may GET (system:discovery, public-info-viewer). */
const PUBLIC_PATHS: PolicyRule = {
  verbs: ['get'],
  nonResourceURLs: [
    '/api',
    '/api/*',
    '/apis',
    '/apis/*',
    '/openapi',
    '/openapi/*',
    '/version',
    '/version/',
    '/healthz',
    '/livez',
    '/readyz',
  ],
};

/** Self reviews every authenticated user may create (system:basic-user). */
const BASIC_USER: PolicyRule[] = [
  {
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    verbs: ['create'],
  },
  { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
];

/** The RBAC authorizer over the objects in one server's store. */
export class RbacAuthorizer {
  constructor(private readonly store: ObjectStore) {}

  authorize(user: UserInfo, a: RequestAttributes): Decision {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (user.groups.includes('system:authenticated')) {
      if (ruleAllows(a, PUBLIC_PATHS))
        return {
          allowed: true,
          reason:
            'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
        };
      if (BASIC_USER.some((r) => ruleAllows(a, r)))
        return {
          allowed: true,
          reason:
            'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
        };
    }
    const errors: string[] = [];
    const visit = (b: Binding, kind: 'ClusterRoleBinding' | 'RoleBinding'): string | undefined => {
      const ns = kind === 'RoleBinding' ? b.metadata.namespace : undefined;
      const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, ns));
      if (!subject || !b.roleRef) return undefined;
      const ref = b.roleRef;
      const role =
        ref.kind === 'ClusterRole'
          ? this.store.get(V1, 'ClusterRole', undefined, ref.name)
          : kind === 'RoleBinding' && ref.kind === 'Role'
            ? this.store.get(V1, 'Role', ns, ref.name)
            : undefined;
      if (!role) {
        const what = ref.kind === 'ClusterRole' ? 'clusterrole' : 'role';
        errors.push(`${what}.${RBAC_GROUP} "${ref.name}" not found`);
        return undefined;
      }
      const rules = ((role as { rules?: PolicyRule[] }).rules ?? []) as PolicyRule[];
      if (!rules.some((r) => ruleAllows(a, r))) return undefined;
      const bindingName = kind === 'RoleBinding' ? `${b.metadata.name}/${ns}` : b.metadata.name;
      return `RBAC: allowed by ${kind} "${bindingName}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, ns)}`;
    };
    for (const b of this.store.list(V1, 'ClusterRoleBinding') as unknown as Binding[]) {
      const reason = visit(b, 'ClusterRoleBinding');
      if (reason) return { allowed: true, reason };
    }
    const ns = a.resource?.namespace;
    if (ns) {
      for (const b of this.store.list(V1, 'RoleBinding', ns) as unknown as Binding[]) {
        const reason = visit(b, 'RoleBinding');
        if (reason) return { allowed: true, reason };
      }
    }
    return {
      allowed: false,
      reason:
        errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`,
    };
  }
}
