/** Bearer-token authentication and per-token scopes (read-only, read-write on some resources, admin). */
import { KubeStatusError } from './errors';
import type { TokenSpec } from './types';

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** 401 Unauthorized as the API server sends it. */
export function unauthorized(): KubeStatusError {
  return new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
}

/** Token table of one server. */
export class TokenAuth {
  private readonly tokens = new Map<string, TokenSpec>();

  constructor(specs: TokenSpec[]) {
    for (const s of specs) this.tokens.set(s.token, s);
  }

  /** Returns the token from an Authorization header, or throws 401. */
  authenticate(header: string | undefined): string {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m || !this.tokens.has(m[1]!)) throw unauthorized();
    return m[1]!;
  }

  /** Throws 403 Forbidden when `token` may not do `verb` on `plural` (subresource writes follow the resource). */
  authorize(
    token: string,
    req: { verb: string; plural: string; group: string; namespace?: string; name?: string },
  ): void {
    const spec = this.tokens.get(token);
    if (!spec || spec.scope === 'admin' || READ_VERBS.has(req.verb)) return;
    if (typeof spec.scope === 'object' && spec.scope.readWrite.includes(req.plural)) return;
    const res = req.group ? `${req.plural}.${req.group}` : req.plural;
    const what = req.name ? `${res} "${req.name}"` : res;
    const where = req.namespace ? ` in the namespace "${req.namespace}"` : ' at the cluster scope';
    throw new KubeStatusError(
      403,
      'Forbidden',
      `${what} is forbidden: User "system:serviceaccount:sandbox:${userOf(token)}" cannot ${req.verb} resource "${req.plural}" in API group "${req.group}"${where}`,
      { name: req.name, group: req.group, kind: req.plural },
    );
  }
}

/** A short, non-secret user name for a token (first characters only). */
export function userOf(token: string): string {
  return `token-${token.slice(0, 6)}`;
}
