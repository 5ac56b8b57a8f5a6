/** Label and field selectors as the list and watch verbs accept them. */
import { badRequest } from './errors';
import type { KubeObject } from './types';

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: KubeObject) => boolean;

type Req = { key: string; op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!'; values: string[] };

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function parseLabelReq(term: string): Req {
  const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { key: set[1]!, op: set[2] as 'in' | 'notin', values };
  }
  const eq = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
  if (eq) return { key: eq[1]!, op: eq[2] === '!=' ? '!=' : '=', values: [eq[3]!] };
  const not = /^!\s*([^\s!=]+)$/.exec(term);
  if (not) return { key: not[1]!, op: '!', values: [] };
  if (/^[^\s!=(),]+$/.test(term)) return { key: term, op: 'exists', values: [] };
  throw badRequest(`unable to parse requirement: ${term}`);
}

function test(req: Req, value: string | undefined): boolean {
  switch (req.op) {
    case '=':
      return value === req.values[0];
    case '!=':
      return value !== req.values[0];
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case '!':
      return value === undefined;
  }
}

/** Compiles a label selector (`a=b,c!=d,e in (x,y),!f,g`); throws 400 BadRequest when it does not parse. */
export function labelMatcher(selector: string | undefined): Matcher {
  if (!selector?.trim()) return () => true;
  const reqs = splitTop(selector).map(parseLabelReq);
  return (obj) => reqs.every((q) => test(q, obj.metadata.labels?.[q.key]));
}

/** Reads a dotted path of an object as a string (field selectors compare strings). */
function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return path === 'metadata.namespace' ? '' : undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** Compiles a field selector (`metadata.name=x,metadata.namespace!=y`, any dotted path, `=`, `==`, `!=`). */
export function fieldMatcher(selector: string | undefined): Matcher {
  if (!selector?.trim()) return () => true;
  const reqs = splitTop(selector).map((term) => {
    const m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: ${term}`);
    return { path: m[1]!, neg: m[2] === '!=', value: m[3]!.trim() };
  });
  return (obj) => reqs.every((q) => (fieldValue(obj, q.path) === q.value) !== q.neg);
}
