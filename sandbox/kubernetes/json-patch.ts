/** RFC 6902 JSON Patch (add, remove, replace, move, copy, test) and RFC 7386 JSON Merge Patch. */
import { isDeepStrictEqual } from 'node:util';
import { KubeStatusError } from './errors';

type Json = unknown;
type Container = Record<string, Json> | Json[];

/** A JSON patch that cannot be applied (the API server answers 422). */
export class JsonPatchError extends KubeStatusError {
  constructor(message: string) {
    super(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`);
  }
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(p)}`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isContainer = (v: Json): v is Container => typeof v === 'object' && v !== null;

/** Walks to the parent of the pointer's last token. */
function parentOf(doc: Json, tokens: string[], path: string): { parent: Container; last: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (!isContainer(cur)) throw new JsonPatchError(`path ${path} does not exist`);
    cur = Array.isArray(cur) ? cur[Number(t)] : cur[t];
  }
  if (!isContainer(cur)) throw new JsonPatchError(`path ${path} does not exist`);
  return { parent: cur, last: tokens[tokens.length - 1]! };
}

function arrayIndex(arr: Json[], t: string, path: string, allowEnd: boolean): number {
  if (t === '-' && allowEnd) return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(t)) throw new JsonPatchError(`invalid array index in ${path}`);
  const i = Number(t);
  if (i > arr.length || (!allowEnd && i === arr.length))
    throw new JsonPatchError(`index out of range in ${path}`);
  return i;
}

function getAt(doc: Json, path: string): Json {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (!isContainer(cur)) throw new JsonPatchError(`path ${path} does not exist`);
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, path, false)];
    else {
      if (!Object.hasOwn(cur, t)) throw new JsonPatchError(`path ${path} does not exist`);
      cur = cur[t];
    }
  }
  return cur;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, true), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, false), 1);
  else {
    if (!Object.hasOwn(parent, last)) throw new JsonPatchError(`path ${path} does not exist`);
    delete parent[last];
  }
  return doc;
}

/** Applies a JSON patch document to a copy of `doc`. */
export function applyJsonPatch(doc: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let out = structuredClone(doc);
  for (const raw of patch) {
    if (!isContainer(raw) || Array.isArray(raw)) throw new JsonPatchError('invalid operation');
    const op = raw as { op?: string; path?: string; from?: string; value?: Json };
    if (typeof op.path !== 'string') throw new JsonPatchError(`operation ${op.op} has no path`);
    switch (op.op) {
      case 'add':
        out = addAt(out, op.path, structuredClone(op.value));
        break;
      case 'remove':
        out = removeAt(out, op.path);
        break;
      case 'replace':
        getAt(out, op.path);
        out = addAt(removeAt(out, op.path), op.path, structuredClone(op.value));
        break;
      case 'move': {
        const v = getAt(out, op.from ?? '');
        out = addAt(removeAt(out, op.from ?? ''), op.path, v);
        break;
      }
      case 'copy':
        out = addAt(out, op.path, structuredClone(getAt(out, op.from ?? '')));
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(out, op.path), op.value))
          throw new JsonPatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new JsonPatchError(`unknown operation ${JSON.stringify(op.op)}`);
    }
  }
  return out;
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isContainer(patch) || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, Json> =
    isContainer(target) && !Array.isArray(target) ? { ...(target as Record<string, Json>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
