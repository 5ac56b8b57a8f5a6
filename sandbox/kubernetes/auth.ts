/**
 * Bearer-token authentication and authorisation: per-token scopes (admin, read-only, read-write on some
 * resources) and RBAC users (scope `rbac`: the user and groups a kubeconfig carries, authorised by the
 * Roles/ClusterRoles bound to them, see rbac.ts).
 */
import { logAuthzDecision } from '../authz-log';
import { KubeStatusError } from './errors';
import { type Decision, RbacAuthorizer, type RequestAttributes, type UserInfo } from './rbac';
import type { ObjectStore, TokenSpec } from './types';

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** 401 Unauthorized as the API server sends it. */
export function unauthorized(): KubeStatusError {
  return new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
}

/** What a resource request is authorised on. */
export interface ResourceRequest {
  verb: string;
  plural: string;
  group: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * 403 Forbidden worded as kube-apiserver words it (responsewriters.Forbidden + apierrors.NewForbidden):
 * `<resource>[.<group>] ["<name>"] is forbidden: User "<user>" cannot <verb> resource "<resource>[/<sub>]" in
 * API group "<group>" in the namespace "<ns>"` (or `at the cluster scope`), then `: <reason>` when the
 * authorizer gave one.
 */
export function forbidden(user: string, req: ResourceRequest, reason = ''): KubeStatusError {
  const res = req.group ? `${req.plural}.${req.group}` : req.plural;
  const what = req.name ? `${res} "${req.name}"` : res;
  const resource = req.subresource ? `${req.plural}/${req.subresource}` : req.plural;
  const where = req.namespace ? ` in the namespace "${req.namespace}"` : ' at the cluster scope';
  const msg = `User "${user}" cannot ${req.verb} resource "${resource}" in API group "${req.group}"${where}`;
  return new KubeStatusError(403, 'Forbidden', `${what} is forbidden: ${msg}${reason ? `: ${reason}` : ''}`, {
    name: req.name,
    group: req.group,
    kind: req.plural,
  });
}

/** Token table of one server. */
export class TokenAuth {
  private readonly tokens = new Map<string, TokenSpec>();
  private readonly rbac: RbacAuthorizer;
  /** RBAC enforcement for `rbac` tokens; off = they act as admin (the `enforceRbac: false` option). */
  enforceRbac = true;

  constructor(specs: TokenSpec[], store: ObjectStore) {
    for (const s of specs) this.add(s);
    this.rbac = new RbacAuthorizer(store);
  }

  add(spec: TokenSpec): void {
    this.tokens.set(spec.token, spec);
  }

  /** Returns the token from an Authorization header, or throws 401. */
  authenticate(header: string | undefined): string {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m || !this.tokens.has(m[1]!)) throw unauthorized();
    return m[1]!;
  }

  /** The user a token authenticates as. */
  userInfo(token: string): UserInfo {
    const spec = this.tokens.get(token);
    if (spec?.scope === 'admin')
      return { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
    if (spec?.scope === 'rbac')
      return { name: spec.user, groups: [...(spec.groups ?? []), 'system:authenticated'] };
    return { name: `system:serviceaccount:sandbox:${userOf(token)}`, groups: ['system:authenticated'] };
  }

  /** The decision for a user (RBAC) or a scoped token. */
  decide(token: string, user: UserInfo, a: RequestAttributes): Decision {
    const spec = this.tokens.get(token);
    if (!spec || spec.scope === 'admin') return { allowed: true, reason: '' };
    if (spec.scope === 'rbac') {
      if (!this.enforceRbac) return { allowed: true, reason: '' };
      return this.rbac.authorize(user, a);
    }
    return { allowed: this.scopeAllows(spec, a), reason: '' };
  }

  /** An access review for another user (SubjectAccessReview): RBAC only. */
  decideFor(user: UserInfo, a: RequestAttributes): Decision {
    return this.rbac.authorize({ ...user, groups: [...user.groups, 'system:authenticated'] }, a);
  }

  private scopeAllows(spec: TokenSpec, a: RequestAttributes): boolean {
    if (READ_VERBS.has(a.verb) || !a.resource) return true;
    if (
      a.verb === 'create' &&
      a.resource.group === 'authorization.k8s.io' &&
      a.resource.resource.startsWith('selfsubject')
    )
      return true;
    return typeof spec.scope === 'object' && spec.scope.readWrite.includes(a.resource.resource);
  }

  /** Throws 403 Forbidden when `token` may not do `verb` on the resource (subresources named as such). */
  authorize(token: string, req: ResourceRequest): void {
    const user = this.userInfo(token);
    const d = this.decide(token, user, {
      verb: req.verb,
      resource: {
        group: req.group,
        resource: req.plural,
        subresource: req.subresource,
        namespace: req.namespace,
        name: req.name,
      },
    });
    if (this.tokens.get(token)?.scope === 'rbac')
      logAuthzDecision({
        system: 'rbac',
        allowed: d.allowed,
        user: user.name,
        verb: req.verb,
        group: req.group,
        resource: req.subresource ? `${req.plural}/${req.subresource}` : req.plural,
        namespace: req.namespace,
        name: req.name,
      });
    if (!d.allowed) throw forbidden(user.name, req, d.reason);
  }
}

/** A short, non-secret user name for a token (first characters only). */
export function userOf(token: string): string {
  return `token-${token.slice(0, 6)}`;
}
