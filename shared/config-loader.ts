/**
 * Reads a policy file (YAML or JSON: YAML 1.2 parses both) and validates it: the zod schema, then the
 * cross-field checks. Every failure is a ConfigError whose `problems` lists each `path: message`, so a
 * function fails closed at a cold start with a message that names the field.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Policy, PolicySchema } from './config';
import { crossFieldProblems } from './config-checks';
import { formatPath, problem } from './config-path';
import { ConfigError } from './errors';

/** Environment variable that names the policy file (Function Compute caps all env vars at 4 KB in total). */
export const POLICY_ENV = 'FLEET_DR_POLICY';

/** Reads and validates the policy file at `path`. */
export function loadPolicy(path: string): Policy {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      `${path}: cannot read the policy file (${code})`,
      [`(file): cannot read (${code})`],
      {
        cause: err,
      },
    );
  }
  return parsePolicy(decodeText(bytes, path), path);
}

/** Validates policy text; `source` names it in messages (a file path or `<inline>`). */
export function parsePolicy(text: string, source = '<inline>'): Policy {
  if (text.includes('\u0000')) fail(source, 'binary data, not a YAML or JSON policy');
  if (text.trim() === '') fail(source, 'empty policy file');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : '(document)';
      // prettyErrors appends " at line L, column C:" and a code excerpt; the position is already in front.
      const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return `${where}: ${first}`;
    });
    throw new ConfigError(`${source}: not valid YAML or JSON (${problems.length} problem(s))`, problems);
  }
  let data: unknown;
  try {
    // toJS throws on an unresolved alias or an alias bomb (more than maxAliasCount expansions).
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML (${(err as Error).message})`, [
      `(document): ${(err as Error).message}`,
    ]);
  }
  if (data === null || data === undefined) fail(source, 'empty policy file (no document)');
  if (typeof data !== 'object' || Array.isArray(data))
    fail(
      source,
      `the policy must be a mapping of fields, got ${Array.isArray(data) ? 'a list' : typeof data}`,
    );
  return validatePolicy(data, source);
}

/** Validates an already-parsed object (schema, then cross-field checks) and returns it with defaults filled. */
export function validatePolicy(data: unknown, source = '<inline>'): Policy {
  const parsed = PolicySchema.safeParse(data);
  const problems = parsed.success
    ? crossFieldProblems(parsed.data)
    : [...zodProblems(parsed.error), ...crossFieldProblems(data as Policy)];
  if (problems.length > 0 || !parsed.success) {
    const unique = [...new Set(problems)];
    throw new ConfigError(`${source}: invalid policy (${unique.length} problem(s))`, unique);
  }
  return parsed.data;
}

/**
 * Loads the policy named by FLEET_DR_POLICY (relative paths against the working directory); without it,
 * `policy.yaml` beside the bundle (scripts/build.mjs copies it next to each dist/<fn>/index.mjs).
 */
export function loadPolicyFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  bundleDir: string = fileURLToPath(new URL('.', import.meta.url)),
): Policy {
  const configured = env[POLICY_ENV]?.trim();
  const path = configured
    ? isAbsolute(configured)
      ? configured
      : resolve(configured)
    : resolve(bundleDir, 'policy.yaml');
  return loadPolicy(path);
}

/** Flattens zod issues into `path: message` lines, one per unknown key. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((k) => problem([...issue.path, k], 'unknown field'));
    if (issue.code === 'invalid_union' && issue.path.length === 0) return [problem([], issue.message)];
    return [`${formatPath(issue.path)}: ${tidy(issue.message)}`];
  });
}

// zod 4 prefixes type errors with "Invalid input: "; the path already says where, so keep the rest.
function tidy(message: string): string {
  const m = message.replace(/^Invalid input: /, '');
  return m.endsWith(', received undefined') ? `required (${m.replace(', received undefined', '')})` : m;
}

function decodeText(bytes: Buffer, source: string): string {
  if (bytes.includes(0)) fail(source, 'binary data, not a YAML or JSON policy');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new ConfigError(`${source}: not UTF-8 text`, ['(file): not UTF-8 text (binary?)'], { cause: err });
  }
}

function fail(source: string, reason: string): never {
  throw new ConfigError(`${source}: ${reason}`, [`(file): ${reason}`]);
}
