/** The REST verbs on resources: get, list, create, replace, patch, delete, deletecollection. */
import { randomBytes } from 'node:crypto';
import { invalid, KubeStatusError, notFound } from './errors';
import { checkBody, fieldValidationOf } from './field-validation';
import { pagedList } from './paging';
import { patch } from './patch-verb';
import { apiVersionOf } from './resources';
import type { ResourceTarget } from './router';
import { fieldMatcher, labelMatcher } from './selectors';
import type { MemoryStore } from './store';
import { toTable, wantsTable } from './table';
import type { KubeObject } from './types';
import { validate } from './validation';
import {
  asObject,
  current,
  dryRun,
  isObj,
  requireNamespace,
  splitStatus,
  type VerbRequest,
  type VerbResponse,
} from './verb-common';

export type { VerbRequest, VerbResponse } from './verb-common';

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

function list(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  const labels = labelMatcher(r.query.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(r.query.get('fieldSelector') ?? undefined);
  const av = apiVersionOf(t.type);
  const inNamespace = (o: KubeObject) => !t.namespace || o.metadata.namespace === t.namespace;
  const page = pagedList(store, r.query, {
    namespaceScoped: t.type.namespaced && t.namespace !== undefined,
    read: (rv) =>
      rv === undefined
        ? store.list(av, t.type.kind, t.namespace)
        : store.snapshotAt(av, t.type.kind, rv)?.filter(inNamespace),
    match: (o) => labels(o) && fields(o),
    hasSelector: Boolean(r.query.get('labelSelector') || r.query.get('fieldSelector')),
  });
  const listMeta = {
    resourceVersion: page.resourceVersion,
    ...(page.continue ? { continue: page.continue } : {}),
    ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
  };
  if (wantsTable(r.accept)) {
    const table = toTable(
      t.type,
      page.items,
      page.resourceVersion,
      r.query.get('includeObject') ?? undefined,
    );
    return { code: 200, body: { ...table, metadata: listMeta } };
  }
  return {
    code: 200,
    body: { kind: `${t.type.kind}List`, apiVersion: av, metadata: listMeta, items: page.items },
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
  const warnings = checkBody(t.type, r.body, fieldValidationOf(r.query, 'create'));
  const obj = asObject(r.body, t);
  const gen = obj.metadata.generateName;
  if (!obj.metadata.name && typeof gen === 'string')
    obj.metadata.name = `${gen}${randomBytes(3).toString('hex').slice(0, 5)}`;
  delete obj.metadata.resourceVersion;
  if (t.type.statusSubresource) delete obj.status;
  requireNamespace(store, t);
  if (dryRun(r.query)) {
    validate(t.type, obj);
    return { code: 201, body: obj, warnings };
  }
  return { code: 201, body: store.create(obj), warnings };
}

/** Custom resources (served from CRDs) refuse an update without metadata.resourceVersion; built-ins accept it. */
const CRD_GROUPS = new Set(['mse.alibabacloud.com', 'argoproj.io']);

function replace(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  // The real handler decodes the body (strict field validation included) before it reads the stored object.
  const warnings = checkBody(t.type, r.body, fieldValidationOf(r.query, 'update'));
  const old = current(store, t);
  const body = asObject(r.body, t);
  if (CRD_GROUPS.has(t.type.group) && !body.metadata.resourceVersion)
    throw invalid(t.type.kind, body.apiVersion, body.metadata.name, [
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.resourceVersion',
        message: 'Invalid value: 0x0: must be specified for an update',
      },
    ]);
  const next = splitStatus(t.type, t.subresource, old, body);
  if (dryRun(r.query)) {
    validate(t.type, next);
    return { code: 200, body: next, warnings };
  }
  return { code: 200, body: store.update(next), warnings };
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
