/**
 * JSON-lines logger with a request id. Every record passes through `redact` first, because a leaked
 * AccessKeySecret, STS token, DingTalk access token or signature in a log is a credential leak.
 */

/**
 * Keys whose values are never logged, whatever their case or separators; also any key ending in secret, token
 * or password (`robotSecret`, `stsToken`), since a new field name must not be what leaks a credential.
 */
const SECRET_KEY =
  /^(.*(secret|token|password)|access_?key_?secret|secret(_?key)?|security_?token|session_?token|token|access_?token|id_?token|authorization|signature|sign|password|passwd|client-key-data|client_key_data|clientkeydata|kubeconfig|private_?key|hmac_?keys?|cookie|x-acs-security-token|x-acs-signature)$/i;

/** Patterns inside free text: query parameters, Authorization headers, bearer tokens, PEM blocks. */
const SECRET_TEXT: Array<[RegExp, string]> = [
  [/(\b(?:sign|access_token|token|signature|securitytoken|security_token)=)[^&\s"',]+/gi, '$1[REDACTED]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [REDACTED]'],
  [/\b(ACS3-HMAC-SHA256\s+Credential=)[^\s"']+/g, '$1[REDACTED]'],
  [/\bFC\s+[A-Za-z0-9]+:[A-Za-z0-9+/=]+/g, 'FC [REDACTED]'],
  [/(Signature=)[0-9a-fA-F]{16,}/g, '$1[REDACTED]'],
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[REDACTED PEM]'],
  [/((?:token|client-key-data|client-certificate-data|secret)\s*:\s*)\S+/gi, '$1[REDACTED]'],
];

/** Replace every secret-looking value in a string. */
export function redactText(s: string): string {
  let out = s;
  for (const [re, rep] of SECRET_TEXT) out = out.replace(re, rep);
  return out;
}

/** Deep-copy a value with every secret key's value and every secret-looking substring replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[DEPTH]';
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>;
    const out: Record<string, unknown> = { name: e.name, message: redactText(e.message) };
    for (const k of ['code', 'statusCode', 'requestId', 'api', 'object'])
      if (k in e) out[k] = redact(e[k], depth + 1);
    if (e.cause !== undefined) out.cause = redact(e.cause, depth + 1);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_KEY.test(k) ? '[REDACTED]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where log lines go; tests swap it to capture and scan them. */
export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Replace the log sink (returns the previous one). */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}

/** A logger bound to a request id and fixed fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Create a logger writing one redacted JSON object a line. */
export function createLogger(requestId: string, base: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    const rec = redact({ ...base, ...fields }) as Record<string, unknown>;
    sink(JSON.stringify({ time: new Date().toISOString(), level, requestId, msg: redactText(msg), ...rec }));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (f) => createLogger(requestId, { ...base, ...f }),
  };
}

/** A logger that drops everything (default for clients constructed without one). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
