/** A small flag parser for the operator commands: `--flag value`, `--flag=value`, and boolean `--flag`. */
import { UsageError } from './operator-client';

/** What a command accepts: flags that take a value and flags that do not. */
export interface FlagSpec {
  values: readonly string[];
  booleans: readonly string[];
}

/** The flags every operator command takes. */
export const COMMON_FLAGS: FlagSpec = { values: ['--url', '--key-file', '--timeout'], booleans: ['--json'] };

/** Parsed flags: values by name (without `--`), booleans as `true`. */
export type Flags = Record<string, string | true>;

/** Parses `argv` against the command's flags and the common ones; UsageError on anything else. */
export function parseFlags(argv: string[], spec: FlagSpec): Flags {
  const values = new Set([...spec.values, ...COMMON_FLAGS.values]);
  const booleans = new Set([...spec.booleans, ...COMMON_FLAGS.booleans]);
  const out: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (booleans.has(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      out[flag.slice(2)] = true;
    } else if (values.has(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--')))
        throw new UsageError(`${flag} needs a value`);
      out[flag.slice(2)] = v;
    } else throw new UsageError(`unknown argument ${JSON.stringify(a.slice(0, 60))}`);
  }
  return out;
}

/** The common target flags of parsed flags. */
export function targetFlags(f: Flags): { url?: string; keyFile?: string; timeoutMs?: number } {
  const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  const timeout = str('timeout');
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    const s = Number(timeout);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError('--timeout must be a number of seconds');
    timeoutMs = s * 1000;
  }
  return { url: str('url'), keyFile: str('key-file'), timeoutMs };
}
