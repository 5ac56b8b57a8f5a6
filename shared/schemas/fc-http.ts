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

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

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
  if (e.isBase64Encoded) {
    const compact = e.body.replace(/\s+/g, '');
    if (!BASE64.test(compact)) {
      ctx.issues.push({
        code: 'custom',
        path: ['body'],
        message: 'isBase64Encoded but body is not base64',
        input: e,
      });
      return z.NEVER;
    }
    body = Buffer.from(compact, 'base64');
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
