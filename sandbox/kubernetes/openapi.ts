/**
 * Minimal OpenAPI v3 answers for kubectl. `kubectl apply` validates by asking the server (fieldValidation) when
 * the group-version's OpenAPI v3 document shows a PATCH operation for the kind with that query parameter;
 * otherwise it downloads the v2 schema and fails when there is none. So each group-version document lists, per
 * kind, a PATCH operation with `x-kubernetes-group-version-kind` and `fieldValidation`. It has no request
 * body types, so kubectl builds strategic merge patches from its built-in types (merge patches for the CRDs).
 * There is no v2 document (404): kubectl tolerates that once v3 answers.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, RESOURCE_TYPES } from './resources';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function gvList(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES) seen.set(apiVersionOf(t), { group: t.group, version: t.version });
  return [...seen.values()];
}

function gvDoc(group: string, version: string): Record<string, unknown> | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version && !t.virtual);
  if (types.length === 0 && !RESOURCE_TYPES.some((t) => t.group === group && t.version === version))
    return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: t.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'fleet-dr sandbox', version: 'v1.32.0' }, paths, components: {} };
}

function hashOf(p: string): string {
  return createHash('sha256')
    .update(JSON.stringify(gvDoc(...(splitGv(p) as [string, string]))))
    .digest('hex')
    .slice(0, 32);
}

function splitGv(p: string): [string, string] | undefined {
  const segs = p.split('/').filter((s) => s !== '');
  if (segs[0] === 'api' && segs.length === 2) return ['', segs[1]!];
  if (segs[0] === 'apis' && segs.length === 3) return [segs[1]!, segs[2]!];
  return undefined;
}

/** Returns the document for an /openapi/... path, or undefined (404). */
export function openapiDoc(path: string): unknown {
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const paths: Record<string, unknown> = {};
    for (const { group, version } of gvList()) {
      const p = gvPath(group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(p)}` };
    }
    return { paths };
  }
  if (path.startsWith('/openapi/v3/')) {
    const gv = splitGv(path.slice('/openapi/v3/'.length));
    return gv ? gvDoc(gv[0], gv[1]) : undefined;
  }
  return undefined;
}
