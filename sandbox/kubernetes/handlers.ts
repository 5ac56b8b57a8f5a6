/** The REST verbs on resources: get, list, create, replace, patch (3 kinds + apply), delete, deletecollection. */
import { randomBytes } from 'node:crypto';
import { badRequest, KubeStatusError, notFound } from './errors';
import { applyJsonPatch, applyMergePatch } from './json-patch';
import { apiVersionOf, type ResourceType } from './resources';
import type { ResourceTarget } from './router';
import { fieldMatcher, labelMatcher } from './selectors';
import type { MemoryStore } from './store';
import { strategicMerge } from './strategic-merge';
import { toTable, wantsTable } from './table';
import type { KubeObject } from './types';
import { validate } from './validation';

/** What a handler needs from the request. */
export interface VerbRequest {
  method: string;
  target: ResourceTarget;
  query: URLSearchParams;
  contentType?: string;
  accept?: string;
  body?: unknown;
}

/** A handler's answer. */
export interface VerbResponse {
  code: number;
  body: unknown;
}

/** Maps the HTTP method and target to the Kubernetes verb (for authorisation). */
export function verbOf(method: string, t: ResourceTarget, query: URLSearchParams): string {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
      return t.name ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return t.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const CRD_GROUPS = new Set(['mse.alibabacloud.com', 'argoproj.io']);

function asObject(body: unknown, t: ResourceTarget): KubeObject {
  if (!isObj(body) || !isObj(body.metadata))
    throw badRequest('the body is not a Kubernetes object (no metadata)');
  const obj = structuredClone(body) as KubeObject;
  const av = apiVersionOf(t.type);
  if (obj.apiVersion !== undefined && obj.apiVersion !== av)
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${av})`,
    );
  if (obj.kind !== undefined && obj.kind !== t.type.kind)
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${t.type.kind})`,
    );
  obj.apiVersion = av;
  obj.kind = t.type.kind;
  if (t.type.namespaced) {
    if (obj.metadata.namespace && t.namespace && obj.metadata.namespace !== t.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    obj.metadata.namespace = t.namespace ?? obj.metadata.namespace;
  }
  if (t.name && obj.metadata.name && obj.metadata.name !== t.name)
    throw badRequest(
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${t.name})`,
    );
  if (t.name) obj.metadata.name = t.name;
  return obj;
}

function current(store: MemoryStore, t: ResourceTarget): KubeObject {
  const o = store.get(apiVersionOf(t.type), t.type.kind, t.namespace, t.name!);
  if (!o) throw notFound(t.type.plural, apiVersionOf(t.type), t.name!);
  return o;
}

function requireNamespace(store: MemoryStore, t: ResourceTarget): void {
  if (t.type.namespaced && t.namespace && !store.get('v1', 'Namespace', undefined, t.namespace))
    throw new KubeStatusError(404, 'NotFound', `namespaces "${t.namespace}" not found`, {
      name: t.namespace,
      kind: 'namespaces',
    });
}

/** Keeps the old status on main-resource writes and only the new status on /status writes. */
function splitStatus(
  type: ResourceType,
  sub: string | undefined,
  old: KubeObject,
  next: KubeObject,
): KubeObject {
  if (sub === 'status') {
    const out = structuredClone(old);
    out.status = next.status;
    out.metadata.resourceVersion = next.metadata.resourceVersion;
    return out;
  }
  if (type.statusSubresource) {
    const out = { ...next };
    if (old.status === undefined) delete out.status;
    else out.status = old.status;
    return out;
  }
  return next;
}

function dryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

function list(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const labels = labelMatcher(r.query.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(r.query.get('fieldSelector') ?? undefined);
  const items = store
    .list(apiVersionOf(t.type), t.type.kind, t.namespace)
    .filter((o) => labels(o) && fields(o));
  const rv = String(store.currentRv());
  if (wantsTable(r.accept))
    return { code: 200, body: toTable(t.type, items, rv, r.query.get('includeObject') ?? undefined) };
  return {
    code: 200,
    body: {
      kind: `${t.type.kind}List`,
      apiVersion: apiVersionOf(t.type),
      metadata: { resourceVersion: rv },
      items,
    },
  };
}

function get(store: MemoryStore, r: VerbRequest): VerbResponse {
  const o = current(store, r.target);
  if (r.target.subresource && !(r.target.subresource === 'status' && r.target.type.statusSubresource))
    throw notFound(
      `${r.target.type.plural}/${r.target.subresource}`,
      apiVersionOf(r.target.type),
      r.target.name!,
    );
  if (wantsTable(r.accept))
    return {
      code: 200,
      body: toTable(
        r.target.type,
        [o],
        String(o.metadata.resourceVersion),
        r.query.get('includeObject') ?? undefined,
      ),
    };
  return { code: 200, body: o };
}

function create(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  if (t.name)
    throw new KubeStatusError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  if (t.type.namespaced && !t.namespace)
    throw new KubeStatusError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  const obj = asObject(r.body, t);
  const gen = obj.metadata.generateName;
  if (!obj.metadata.name && typeof gen === 'string')
    obj.metadata.name = `${gen}${randomBytes(3).toString('hex').slice(0, 5)}`;
  delete obj.metadata.resourceVersion;
  if (t.type.statusSubresource) delete obj.status;
  requireNamespace(store, t);
  if (dryRun(r.query)) {
    validate(t.type, obj);
    return { code: 201, body: obj };
  }
  return { code: 201, body: store.create(obj) };
}

function replace(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const old = current(store, t);
  const next = splitStatus(t.type, t.subresource, old, asObject(r.body, t));
  if (dryRun(r.query)) {
    validate(t.type, next);
    return { code: 200, body: next };
  }
  return { code: 200, body: store.update(next) };
}

function patch(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const ct = (r.contentType ?? '').split(';')[0]!.trim();
  const av = apiVersionOf(t.type);
  if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') return apply(store, r);
  const old = current(store, t);
  let result: unknown;
  if (ct === 'application/json-patch+json') result = applyJsonPatch(old, r.body);
  else if (ct === 'application/merge-patch+json') result = applyMergePatch(old, r.body);
  else if (ct === 'application/strategic-merge-patch+json') {
    if (CRD_GROUPS.has(t.type.group))
      throw new KubeStatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    result = strategicMerge(old, r.body);
  } else
    throw new KubeStatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
    );
  if (!isObj(result) || !isObj(result.metadata)) throw badRequest('the patch removed the object metadata');
  const patched = result as KubeObject;
  // Identity fields cannot be patched; a resourceVersion in the patch is a precondition (409 when stale).
  patched.apiVersion = av;
  patched.kind = t.type.kind;
  patched.metadata.name = old.metadata.name;
  if (t.type.namespaced) patched.metadata.namespace = old.metadata.namespace;
  const next = splitStatus(t.type, t.subresource, old, patched);
  if (dryRun(r.query)) {
    validate(t.type, next);
    return { code: 200, body: next };
  }
  return { code: 200, body: store.update(next) };
}

/** Server-side apply, approximated: create when absent, else a strategic merge without field ownership. */
function apply(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const obj = asObject(r.body, t);
  const av = apiVersionOf(t.type);
  const old = store.get(av, t.type.kind, t.namespace, t.name!);
  if (!old) {
    requireNamespace(store, t);
    return { code: 201, body: store.create(obj) };
  }
  const merged = strategicMerge(old, obj) as KubeObject;
  merged.metadata.resourceVersion = obj.metadata.resourceVersion ?? old.metadata.resourceVersion;
  return { code: 200, body: store.update(splitStatus(t.type, t.subresource, old, merged)) };
}

function successStatus(t: ResourceTarget, o: KubeObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: o.metadata.name, group: t.type.group, kind: t.type.plural, uid: o.metadata.uid },
  };
}

function del(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const body = isObj(r.body) ? r.body : {};
  const pre = isObj(body.preconditions) ? body.preconditions.resourceVersion : undefined;
  if (dryRun(r.query) || (isObj(body) && Array.isArray(body.dryRun) && body.dryRun.includes('All')))
    return { code: 200, body: successStatus(t, current(store, t)) };
  const gone = store.remove(
    apiVersionOf(t.type),
    t.type.kind,
    t.namespace,
    t.name!,
    typeof pre === 'string' ? pre : undefined,
  );
  return { code: 200, body: successStatus(t, gone) };
}

function deleteCollection(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const labels = labelMatcher(r.query.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(r.query.get('fieldSelector') ?? undefined);
  const av = apiVersionOf(t.type);
  const victims = store.list(av, t.type.kind, t.namespace).filter((o) => labels(o) && fields(o));
  for (const o of victims) store.remove(av, t.type.kind, o.metadata.namespace, o.metadata.name);
  return {
    code: 200,
    body: {
      kind: `${t.type.kind}List`,
      apiVersion: av,
      metadata: { resourceVersion: String(store.currentRv()) },
      items: victims,
    },
  };
}

/** Runs one non-watch verb against the store; throws KubeStatusError for the HTTP layer to send. */
export function handleVerb(store: MemoryStore, verb: string, r: VerbRequest): VerbResponse {
  if (r.target.subresource && r.target.subresource !== 'status')
    throw notFound(
      `${r.target.type.plural}/${r.target.subresource}`,
      apiVersionOf(r.target.type),
      r.target.name ?? '',
    );
  if (r.target.subresource === 'status' && !r.target.type.statusSubresource)
    throw notFound(`${r.target.type.plural}/status`, apiVersionOf(r.target.type), r.target.name ?? '');
  switch (verb) {
    case 'list':
      return list(store, r);
    case 'get':
      return get(store, r);
    case 'create':
      return create(store, r);
    case 'update':
      return replace(store, r);
    case 'patch':
      return patch(store, r);
    case 'delete':
      return del(store, r);
    case 'deletecollection':
      return deleteCollection(store, r);
    default:
      throw new KubeStatusError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
}
