/**
 * EventBridge event patterns, matched as Alibaba Cloud's EventBridge documents them ("Event patterns"): a
 * pattern has the nested structure of the events it matches; keys are ANDed, the values of a key's array are
 * ORed; a leaf is an array of exact values (string, number, boolean, null, "") or operators: `prefix`,
 * `suffix`, `contains`, `anything-but` (a value, a list, or `{prefix}` / `{suffix}`), `numeric` (`[">", 0,
 * "<=", 5]`), `cidr` (IPv4) and `exists`. Matching is case-sensitive. When the event's value is an array, the
 * leaf matches if any element does (the documented "array" case). A missing field matches only
 * `{"exists": false}`. An operator the documentation does not list is an error, not a silent non-match: a
 * typo in s.yaml must fail its test, not drop events.
 */

/** A pattern that does not follow the documented syntax. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function inCidr(value: string, cidr: string, where: string): boolean {
  const [base, bits] = cidr.split('/');
  const b = ipv4(base ?? '');
  const n = Number(bits);
  if (b === undefined || !Number.isInteger(n) || n < 0 || n > 32)
    throw new PatternError(`${where}: cidr ${JSON.stringify(cidr)} is not an IPv4 CIDR block`);
  const v = ipv4(value);
  if (v === undefined) return false;
  const size = 2 ** (32 - n);
  return Math.floor(v / size) === Math.floor(b / size);
}

function numericMatch(value: unknown, spec: unknown, where: string): boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0)
    throw new PatternError(`${where}: numeric takes [op, number, …] pairs`);
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op) || typeof n !== 'number')
      throw new PatternError(`${where}: numeric operator ${JSON.stringify(op)} with ${JSON.stringify(n)}`);
  }
  if (typeof value !== 'number') return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i] as string;
    const n = spec[i + 1] as number;
    const ok =
      op === '='
        ? value === n
        : op === '<'
          ? value < n
          : op === '<='
            ? value <= n
            : op === '>'
              ? value > n
              : value >= n;
    if (!ok) return false;
  }
  return true;
}

function stringOp(kind: string, value: unknown, arg: unknown, where: string): boolean {
  if (typeof arg !== 'string') throw new PatternError(`${where}: ${kind} takes a string`);
  if (typeof value !== 'string') return false;
  if (kind === 'prefix') return value.startsWith(arg);
  if (kind === 'suffix') return value.endsWith(arg);
  return value.includes(arg);
}

function anythingBut(value: unknown, arg: unknown, where: string): boolean {
  if (isObject(arg)) {
    const [kind, ...more] = Object.keys(arg);
    if (more.length > 0 || (kind !== 'prefix' && kind !== 'suffix'))
      throw new PatternError(`${where}: anything-but takes a value, a list, {prefix} or {suffix}`);
    return typeof value === 'string' && !stringOp(kind, value, arg[kind], where);
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  for (const x of excluded)
    if (typeof x !== 'string' && typeof x !== 'number')
      throw new PatternError(`${where}: anything-but takes strings or numbers`);
  return (typeof value === 'string' || typeof value === 'number') && !excluded.includes(value);
}

/** Does one present (scalar) value match one element of a leaf array? */
function elementMatches(value: unknown, element: unknown, where: string): boolean {
  if (!isObject(element)) {
    if (Array.isArray(element)) throw new PatternError(`${where}: a leaf holds values or operators`);
    return value === element;
  }
  const keys = Object.keys(element);
  if (keys.length !== 1) throw new PatternError(`${where}: an operator object has exactly one key`);
  const kind = keys[0]!;
  const arg = element[kind];
  switch (kind) {
    case 'prefix':
    case 'suffix':
    case 'contains':
      return stringOp(kind, value, arg, where);
    case 'anything-but':
      return anythingBut(value, arg, where);
    case 'numeric':
      return numericMatch(value, arg, where);
    case 'cidr':
      if (typeof arg !== 'string') throw new PatternError(`${where}: cidr takes a string`);
      return typeof value === 'string' && inCidr(value, arg, where);
    case 'exists':
      if (typeof arg !== 'boolean') throw new PatternError(`${where}: exists takes true or false`);
      return arg;
    default:
      throw new PatternError(`${where}: unknown operator ${JSON.stringify(kind)}`);
  }
}

function leafMatches(present: boolean, value: unknown, leaf: unknown[], where: string): boolean {
  if (leaf.length === 0) throw new PatternError(`${where}: an empty array matches nothing`);
  return leaf.some((element) => {
    if (isObject(element) && 'exists' in element && Object.keys(element).length === 1) {
      if (typeof element.exists !== 'boolean') throw new PatternError(`${where}: exists takes true or false`);
      return element.exists === present;
    }
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => elementMatches(v, element, where));
  });
}

function objectMatches(pattern: Record<string, unknown>, event: unknown, path: string): boolean {
  const keys = Object.keys(pattern);
  if (keys.length === 0) return true;
  return keys.every((key) => {
    const where = path ? `${path}.${key}` : key;
    const sub = pattern[key];
    const present = isObject(event) && Object.hasOwn(event, key);
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(sub)) return leafMatches(present, value, sub, where);
    if (isObject(sub)) return present && isObject(value) && objectMatches(sub, value, where);
    throw new PatternError(`${where}: a pattern value is an array (a leaf) or an object (nesting)`);
  });
}

/** Does `event` (a CloudEvent as JSON, `data` an object) match `pattern`? Throws PatternError on bad syntax. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new PatternError('a pattern is a JSON object');
  return objectMatches(pattern, event, '');
}

/** Parses a pattern string (s.yaml's `eventRuleFilterPattern`) and checks its syntax once on an empty event. */
export function parsePattern(text: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PatternError(`not JSON: ${(e as Error).message}`);
  }
  validate(v, '');
  return v as Json;
}

function validate(p: unknown, path: string): void {
  if (!isObject(p)) throw new PatternError(`${path || 'pattern'}: expected an object`);
  for (const [k, sub] of Object.entries(p)) {
    const where = path ? `${path}.${k}` : k;
    if (Array.isArray(sub)) {
      if (sub.length === 0) throw new PatternError(`${where}: an empty array matches nothing`);
      // Every operator is checked against a value of each kind, so a syntax error surfaces now.
      for (const element of sub) for (const v of ['x', 1, null]) leafMatches(true, v, [element], where);
    } else if (isObject(sub)) validate(sub, where);
    else throw new PatternError(`${where}: a pattern value is an array (a leaf) or an object (nesting)`);
  }
}
