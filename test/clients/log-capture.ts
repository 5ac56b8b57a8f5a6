/**
 * Captures the JSON-lines logs a test file produces (through shared/log.ts) and scans them for secrets:
 * every known secret value, plus patterns that must never appear unredacted (sign=, access_token=,
 * Bearer tokens, ACS3 signatures, PEM keys).
 */
import { type LogSink, setLogSink } from '../../shared/log';

/** Lines captured since `captureLogs()`; `restore()` puts the previous sink back. */
export interface Capture {
  lines: string[];
  restore(): void;
}

/** Start capturing log lines in memory. */
export function captureLogs(): Capture {
  const lines: string[] = [];
  let prev: LogSink | undefined = setLogSink((l) => lines.push(l));
  return {
    lines,
    restore: () => {
      if (prev) setLogSink(prev);
      prev = undefined;
    },
  };
}

const PATTERNS: Array<[string, RegExp]> = [
  ['sign= value', /[?&]sign=(?!\[REDACTED\])[^&\s"]+/i],
  ['access_token= value', /[?&]access_token=(?!\[REDACTED\])[^&\s"]+/i],
  ['bearer token', /\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}/],
  ['ACS3 signature', /Signature=[0-9a-f]{32,}/],
  ['PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** Every place a secret shows in the lines: `[what, line number]`. */
export function scanForSecrets(lines: string[], secrets: string[]): Array<{ what: string; line: number }> {
  const found: Array<{ what: string; line: number }> = [];
  const known = secrets.filter((s) => s && s.length >= 6);
  lines.forEach((l, i) => {
    for (const s of known) if (l.includes(s)) found.push({ what: `secret ${s.slice(0, 3)}…`, line: i });
    for (const [what, re] of PATTERNS) if (re.test(l)) found.push({ what, line: i });
  });
  return found;
}
