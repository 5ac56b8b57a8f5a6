/**
 * List paging (`limit` / `continue`), as kube-apiserver's etcd3 store does it (read through the search tool:
 * staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go and storage/continue.go):
 *
 * - the token is raw base64url of `{"v":"meta.k8s.io/v1","rv":<rv>,"start":"<key after the last item>\u0000"}`;
 *   every page is served at the first page's resourceVersion (a consistent snapshot) and reports it;
 * - a token that does not decode → 400 BadRequest `invalid continue token: continue key is not valid: …`;
 * - `continue` with a `resourceVersion` other than "" or "0" → 400 `specifying resource version is not allowed
 *   when using continue`;
 * - a token older than the kept history (etcd compaction) → 410 Expired with a new token (rv -1) that continues
 *   from the same key at the current state ("inconsistent" continuation);
 * - `remainingItemCount` is set only when no selector was given.
 *
 * Stand-in choices: items are ordered by the byte order of `<namespace>/<name>` (etcd's key order); a token is
 * given only when more *matching* items remain (etcd may give one when only non-matching keys follow); a
 * non-integer `limit` is 400 with strconv's wording (unverified); `limit` is honoured with `resourceVersion=0`
 * too (the real watch cache may serve the whole list then: unverified).
 */
import { badRequest, KubeStatusError } from './errors';
import type { MemoryStore } from './store';
import type { KubeObject } from './types';

const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of ' +
  'the results. Continuing with the provided token results in an inconsistent list - objects that were ' +
  'created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Token {
  rv: number;
  start: string;
}

/** The etcd key of an object relative to the list's prefix. */
function keyOf(o: KubeObject, namespaceScoped: boolean): string {
  return !namespaceScoped && o.metadata.namespace
    ? `${o.metadata.namespace}/${o.metadata.name}`
    : o.metadata.name;
}

/** Encodes a continue token. */
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function invalidToken(why: string): KubeStatusError {
  return badRequest(`invalid continue token: continue key is not valid${why ? `: ${why}` : ''}`);
}

/** Decodes a continue token; 400 when it is not one this server wrote. */
export function decodeContinue(token: string): Token {
  const bad = /[^A-Za-z0-9_-]/.exec(token);
  if (bad) throw invalidToken(`illegal base64 data at input byte ${bad.index}`);
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (e) {
    throw invalidToken((e as Error).message);
  }
  const o = (typeof c === 'object' && c !== null ? c : {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (o.v !== 'meta.k8s.io/v1') throw invalidToken('server does not recognize this encoded version');
  if (typeof o.rv !== 'number' || !Number.isInteger(o.rv) || o.rv === 0)
    throw invalidToken('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof o.start !== 'string' || o.start === '')
    throw invalidToken('encoded start key empty (version meta.k8s.io/v1)');
  return { rv: o.rv, start: o.start };
}

/** One page of a list: the items, the list resourceVersion and the paging metadata. */
export interface Page {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/**
 * Lists one type with paging. `read(rv)` returns every object of the list's scope at `rv` (undefined = the
 * current state), unfiltered; `match` is the label/field selector. Without `limit` and `continue` this is the
 * whole list, as before.
 */
export function pagedList(
  store: MemoryStore,
  q: URLSearchParams,
  o: {
    namespaceScoped: boolean;
    read: (rv: number | undefined) => KubeObject[] | undefined;
    match: (obj: KubeObject) => boolean;
    hasSelector: boolean;
  },
): Page {
  const rawLimit = q.get('limit');
  let limit = 0;
  if (rawLimit !== null && rawLimit !== '') {
    if (!/^[+-]?\d+$/.test(rawLimit))
      throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(rawLimit)}: invalid syntax`);
    limit = Math.max(0, Number(rawLimit));
  }
  const cont = q.get('continue') ?? '';
  let rv: number | undefined;
  let start = '';
  if (cont !== '') {
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam !== '' && rvParam !== '0')
      throw badRequest('specifying resource version is not allowed when using continue');
    const tok = decodeContinue(cont);
    start = tok.start;
    rv = tok.rv > 0 ? tok.rv : undefined;
  }
  const all = o.read(rv);
  if (all === undefined)
    throw new KubeStatusError(410, 'Expired', EXPIRED_MESSAGE, undefined, {
      continue: encodeContinue(-1, start),
    });
  const listRv = String(rv ?? store.currentRv());
  if (cont === '' && limit === 0) return { items: all.filter(o.match), resourceVersion: listRv };
  const keyed = all
    .map((obj) => ({ key: keyOf(obj, o.namespaceScoped), obj }))
    .filter((x) => x.key >= start && o.match(x.obj))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (limit === 0 || keyed.length <= limit)
    return { items: keyed.map((x) => x.obj), resourceVersion: listRv };
  const page = keyed.slice(0, limit);
  const last = page[page.length - 1]!;
  return {
    items: page.map((x) => x.obj),
    resourceVersion: listRv,
    // The next token pins this page's version (after an rv -1 continuation: the current one, as etcd3 does).
    continue: encodeContinue(Number(listRv), `${last.key}\u0000`),
    ...(o.hasSelector ? {} : { remainingItemCount: keyed.length - limit }),
  };
}
