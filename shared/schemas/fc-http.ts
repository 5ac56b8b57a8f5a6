/**
 * Function Compute 3.0 HTTP trigger event (built-in runtimes): the request as JSON, body plain or base64.
 * The alarm callback arrives this way, and the alarm function checks a token in `queryParameters`, so the
 * request itself is available through `parseHttpTrigger` as well as the normalised HttpRequestEvent.
 *
 * @example
 * {"version":"v1","rawPath":"/alarm","body":"alertName=ack-az1-probe&alertState=ALERT&...","isBase64Encoded":false,
 *  "headers":{"Content-Type":"application/x-www-form-urlencoded"},"queryParameters":{"token":"..."},
 *  "requestContext":{"accountId":"1234567890","domainName":"alarm-abc.cn-hangzhou.fcapp.run","requestId":"1-6650-abc",
 *   "http":{"method":"POST","path":"/alarm","protocol":"HTTP/1.1","sourceIp":"100.104.1.2","userAgent":"Go-http-client/1.1"},
 *   "time":"2025-06-01T08:15:00Z","timeEpoch":"1748765700000"}}
 */
import { z } from 'zod';

/**
 * The largest request body (decoded bytes) fleet-dr accepts through an HTTP trigger. A CloudMonitor alarm
 * callback is a form of about 1 KB and an operator request a small JSON object; 64 KiB is far above both, and
 * far below what would let a caller make a function spend its memory or time on a body. The one constant:
 * the HTTP edge answers 413 above it, and the schema refuses it too.
 */
export const MAX_HTTP_BODY_BYTES = 64 * 1024;

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isBase64Char = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;

/**
 * True when `s` (whitespace ignored) is standard base64: the alphabet, then at most two `=` at the very end
 * with the length a multiple of 4, or no padding and a length that is not 1 more than a multiple of 4.
 * A linear scan: a regular expression with a repeated group runs out of stack on a body of a few MiB.
 */
export function isBase64(s: string): boolean {
  let data = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 61) pad++;
    else if (pad > 0 || !isBase64Char(c)) return false;
    else data++;
  }
  if (pad > 2) return false;
  if (pad > 0) return (data + pad) % 4 === 0;
  return data % 4 !== 1;
}

/**
 * The size in bytes of the body once decoded, computed without decoding it (linear, no allocation), so a
 * caller can refuse an oversized body before anything else looks at it.
 */
export function httpBodyBytes(body: string, isBase64Encoded: boolean): number {
  if (!isBase64Encoded) return Buffer.byteLength(body, 'utf8');
  let chars = 0;
  let pad = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 61) pad++;
    else chars++;
  }
  return Math.floor(((chars + pad) * 3) / 4) - Math.min(pad, 2);
}

/** The HTTP trigger event as FC sends it. */
export const HttpTriggerSchema = z.looseObject({
  version: z.literal('v1', { message: 'version must be "v1"' }),
  rawPath: z.string().startsWith('/', 'rawPath must start with /'),
  body: z.string().default(''),
  isBase64Encoded: z.boolean().default(false),
  headers: z.record(z.string(), z.string()).default({}),
  queryParameters: z.record(z.string(), z.string()).default({}),
  requestContext: z.looseObject({
    accountId: z.string().optional(),
    domainName: z.string().optional(),
    requestId: z.string().min(1),
    http: z.looseObject({
      method: z.string().regex(/^[A-Z]+$/, 'method must be an upper-case HTTP method'),
      path: z.string(),
      protocol: z.string().optional(),
      sourceIp: z.string().optional(),
      userAgent: z.string().optional(),
    }),
    time: z.string().optional(),
    timeEpoch: z.union([z.string().regex(/^\d+$/), z.number().int()]).optional(),
  }),
});

/** The trigger event decoded into a request: lower-case header names, the body as bytes. */
export const HttpRequestSchema = HttpTriggerSchema.transform((e, ctx) => {
  let body: Buffer;
  const bytes = httpBodyBytes(e.body, e.isBase64Encoded);
  if (bytes > MAX_HTTP_BODY_BYTES) {
    ctx.issues.push({
      code: 'custom',
      path: ['body'],
      message: `body of ${bytes} bytes exceeds the ${MAX_HTTP_BODY_BYTES}-byte limit`,
      input: e,
    });
    return z.NEVER;
  }
  if (e.isBase64Encoded) {
    if (!isBase64(e.body)) {
      ctx.issues.push({
        code: 'custom',
        path: ['body'],
        message: 'isBase64Encoded but body is not base64',
        input: e,
      });
      return z.NEVER;
    }
    body = Buffer.from(e.body, 'base64'); // Node's decoder skips whitespace
  } else body = Buffer.from(e.body, 'utf8');
  const epoch = e.requestContext.timeEpoch;
  return {
    method: e.requestContext.http.method,
    path: e.rawPath,
    query: e.queryParameters,
    headers: Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body,
    sourceIp: e.requestContext.http.sourceIp,
    requestId: e.requestContext.requestId,
    time:
      epoch !== undefined
        ? new Date(Number(epoch))
        : e.requestContext.time
          ? new Date(e.requestContext.time)
          : undefined,
  };
});

/** An HTTP request received through an FC 3.0 HTTP trigger. */
export type HttpRequest = z.output<typeof HttpRequestSchema>;

/** A normalised HTTP request for explain-event and routing (body as text when it is UTF-8). */
export interface HttpRequestEvent {
  kind: 'http';
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  bodyText?: string;
  bodyBytes: number;
  requestId: string;
  time?: Date;
}

const SECRET_NAME = /token|secret|sign|password|authorization|cookie|key/i;

/** Replaces the value of every secret-looking name, so a normalised event can be logged or printed. */
export function redact(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, SECRET_NAME.test(k) ? '[redacted]' : v]),
  );
}

/** Turns a decoded request into its normalised event; secret-looking query values and headers are redacted. */
export function toHttpRequestEvent(r: HttpRequest): HttpRequestEvent {
  let bodyText: string | undefined;
  try {
    bodyText = new TextDecoder('utf-8', { fatal: true }).decode(r.body);
  } catch {
    bodyText = undefined;
  }
  const { body, sourceIp: _ip, ...rest } = r;
  return {
    kind: 'http',
    ...rest,
    query: redact(r.query),
    headers: redact(r.headers),
    bodyText,
    bodyBytes: body.length,
  };
}

/** True when an object has the HTTP trigger event's shape. */
export function looksLikeHttpTrigger(v: Record<string, unknown>): boolean {
  return 'requestContext' in v || ('rawPath' in v && 'version' in v);
}
