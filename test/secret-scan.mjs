// Finds credentials in log text: the sandbox's known secret values and patterns that must never appear
// unredacted. Plain JavaScript so the test runner (test/run-tests.mjs) can scan the whole suite's output
// without a TypeScript loader; test/clients/log-capture.ts uses it for per-file scans.

/** Secret values the sandbox hands out; none may ever be printed. */
export const SANDBOX_SECRETS = [
  'SandboxSecretDoNotUseInProduction0001', // sandbox/cloud/credentials.ts SANDBOX_ACCESS_KEY
  'SECsandboxdingtalksecret0001', // sandbox/start-sandbox.ts SANDBOX_DINGTALK.secret
];

/** Patterns of secrets whatever their value. */
export const SECRET_PATTERNS = [
  ['sign= value', /[?&]sign=(?!\[REDACTED\])[^&\s"]+/i],
  ['access_token= value', /[?&]access_token=(?!\[REDACTED\])[^&\s"]+/i],
  ['bearer token', /\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}/],
  ['ACS3 signature', /Signature=[0-9a-f]{32,}/],
  ['STS token', /\bCAIS[A-Za-z0-9_-]{24,}/],
  ['PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** A line a test prints on purpose to prove the suite-wide scan finds a leak. */
export const PLANTED_MARK = 'fleet-dr-planted-leak:';

/** Every place a secret shows in the lines: `{ what, line }` (never the secret itself). */
export function scanForSecrets(lines, secrets = []) {
  const found = [];
  const known = [...SANDBOX_SECRETS, ...secrets].filter((s) => s && s.length >= 6);
  lines.forEach((l, i) => {
    for (const s of known) if (l.includes(s)) found.push({ what: `secret ${s.slice(0, 3)}…`, line: i });
    for (const [what, re] of SECRET_PATTERNS) if (re.test(l)) found.push({ what, line: i });
  });
  return found;
}
