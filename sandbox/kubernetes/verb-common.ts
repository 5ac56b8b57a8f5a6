/** Shared pieces of the verb handlers: request/response shapes and object checks. */
import { badRequest, KubeStatusError, notFound } from './errors';
import { apiVersionOf, type ResourceType } from './resources';
import type { ResourceTarget } from './router';
import type { MemoryStore } from './store';
import type { KubeObject } from './types';

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
  /** `Warning` header values (fieldValidation=Warn, the default). */
  warnings?: string[];
}

/** True for a plain JSON object. */
export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request body as an object of the addressed type (400 when kind, apiVersion, name or namespace disagree with the URL). */
export function asObject(body: unknown, t: ResourceTarget): KubeObject {
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

/** The stored object the URL names, or 404. */
export function current(store: MemoryStore, t: ResourceTarget): KubeObject {
  const o = store.get(apiVersionOf(t.type), t.type.kind, t.namespace, t.name!);
  if (!o) throw notFound(t.type.plural, apiVersionOf(t.type), t.name!);
  return o;
}

/** 404 when a namespaced write targets a Namespace that does not exist. */
export function requireNamespace(store: MemoryStore, t: ResourceTarget): void {
  if (t.type.namespaced && t.namespace && !store.get('v1', 'Namespace', undefined, t.namespace))
    throw new KubeStatusError(404, 'NotFound', `namespaces "${t.namespace}" not found`, {
      name: t.namespace,
      kind: 'namespaces',
    });
}

/** Keeps the old status on main-resource writes and only the new status on /status writes. */
export function splitStatus(
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

/** True for `dryRun=All` (validate and answer, persist nothing). */
export function dryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}
