/** PATCH: JSON patch, JSON merge patch, strategic merge patch (415 on CRDs) and approximate server-side apply. */
import { badRequest, KubeStatusError } from './errors';
import { applyJsonPatch, applyMergePatch } from './json-patch';
import { apiVersionOf } from './resources';
import type { MemoryStore } from './store';
import { strategicMerge } from './strategic-merge';
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

/** The custom resources: the real API server refuses strategic merge patches for them. */
const CRD_GROUPS = new Set(['mse.alibabacloud.com', 'argoproj.io']);

/** Applies a PATCH request. */
export function patch(store: MemoryStore, r: VerbRequest): VerbResponse {
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
