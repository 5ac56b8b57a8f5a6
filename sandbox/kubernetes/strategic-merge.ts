/**
 * Strategic merge patch, the subset kubectl and @kubernetes/client-node send: maps merge like a JSON merge
 * patch; lists of maps with a known merge key merge item by item; other lists are replaced. Directives handled:
 * `$patch: replace|delete` (maps and list items), `$retainKeys`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>`. Merge keys come from a table of the built-in types' field names instead of
 * the OpenAPI schema, which is close enough for the resources served here.
 */
import { applyMergePatch } from './json-patch';

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field name -> merge key for lists of maps in the built-in types (patchMergeKey tags). */
const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  // Container ports merge on containerPort, Service ports on port.
  ports: ['containerPort', 'port'],
};

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const candidates = MERGE_KEYS[field];
  if (!candidates || !items.every(isObj)) return undefined;
  return candidates.find((k) =>
    items.every((i) => (i as Obj)[k] !== undefined || (i as Obj).$patch !== undefined),
  );
}

function mergeList(field: string, orig: Json, patch: Json[], order?: Json[]): Json[] {
  const base = Array.isArray(orig) ? orig : [];
  const key = mergeKeyFor(field, [...base, ...patch]);
  if (!key) return patch.map((p) => (isObj(p) ? stripDirectives(p) : p));
  const out = base.map((x) => structuredClone(x)) as Obj[];
  for (const item of patch as Obj[]) {
    const idx = out.findIndex((o) => o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], item) as Obj;
    else out.push(stripDirectives(item));
  }
  if (Array.isArray(order) && order.every(isObj)) {
    const rank = (o: Obj) => {
      const i = order.findIndex((x) => (x as Obj)[key] === o[key]);
      return i < 0 ? order.length : i;
    };
    out.sort((a, b) => rank(a) - rank(b));
  }
  return out;
}

function stripDirectives(v: Obj): Obj {
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = isObj(x) ? stripDirectives(x) : x;
  }
  return out;
}

/** Applies a strategic merge patch to a copy of `target`. */
export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[f];
      if (Array.isArray(cur) && Array.isArray(v)) out[f] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v))
      out[k] = mergeList(k, out[k], v, patch[`$setElementOrder/${k}`] as Json[] | undefined);
    else if (isObj(v)) {
      const merged = strategicMerge(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k) && !(k in patch)) delete out[k];
  return out;
}

/** JSON merge patch re-exported for symmetry with the handler's dispatch. */
export const mergePatch = applyMergePatch;
