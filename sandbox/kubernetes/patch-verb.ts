/** PATCH: JSON patch, JSON merge patch, strategic merge patch (415 on CRDs) and approximate server-side apply. */
import { badRequest, KubeStatusError } from './errors';
import { checkPatched, fieldValidationOf } from './field-validation';
import { applyJsonPatch, applyMergePatch } from './json-patch';
import { apiVersionOf, type ResourceType } from './resources';
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

/**
 * The patch types the real server accepts (installer.go / crdHandler: CBOR apply only behind an alpha gate, off
 * in 1.32), in its order; anything else is 415 before the object is read.
 */
const BUILTIN_PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const CRD_PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

/**
 * Body media types of create/update (NegotiateInputSerializer: no Content-Type means the first, JSON). Protobuf
 * is listed as the real server lists it for built-in kinds but the stand-in cannot decode it (415 too). For
 * custom resources the list is JSON and YAML (CBOR only behind an alpha gate; the exact list is unverified).
 */
const BUILTIN_BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const CRD_BODY_TYPES = ['application/json', 'application/yaml'];

function unsupported(accepted: string[]): KubeStatusError {
  return new KubeStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/** 415 for a write whose Content-Type the real server would not accept; call before parsing the body. */
export function checkMediaType(method: string, type: ResourceType, contentType: string | undefined): void {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const crd = CRD_GROUPS.has(type.group);
  if (method === 'PATCH') {
    const accepted = crd ? CRD_PATCH_TYPES : BUILTIN_PATCH_TYPES;
    if (!accepted.includes(ct)) throw unsupported(accepted);
  } else if (method === 'POST' || method === 'PUT') {
    if (ct !== '' && ct !== 'application/json' && ct !== 'application/yaml')
      throw unsupported(crd ? CRD_BODY_TYPES : BUILTIN_BODY_TYPES);
  }
}

/** Applies a PATCH request. */
export function patch(store: MemoryStore, r: VerbRequest): VerbResponse {
  const t = r.target;
  checkMediaType('PATCH', t.type, r.contentType);
  const ct = (r.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const av = apiVersionOf(t.type);
  if (ct === 'application/apply-patch+yaml') return apply(store, r);
  const directive = fieldValidationOf(r.query, 'patch');
  const old = current(store, t);
  let result: unknown;
  if (ct === 'application/json-patch+json') result = applyJsonPatch(old, r.body);
  else if (ct === 'application/merge-patch+json') result = applyMergePatch(old, r.body);
  else result = strategicMerge(old, r.body);
  if (!isObj(result) || !isObj(result.metadata)) throw badRequest('the patch removed the object metadata');
  const patched = result as KubeObject;
  const warnings = checkPatched(t.type, patched, directive);
  // Identity fields cannot be patched; a resourceVersion in the patch is a precondition (409 when stale).
  patched.apiVersion = av;
  patched.kind = t.type.kind;
  patched.metadata.name = old.metadata.name;
  if (t.type.namespaced) patched.metadata.namespace = old.metadata.namespace;
  const next = splitStatus(t.type, t.subresource, old, patched);
  if (dryRun(r.query)) {
    validate(t.type, next);
    return { code: 200, body: next, warnings };
  }
  return { code: 200, body: store.update(next), warnings };
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
