/**
 * The FC 3.0 HTTP trigger mapping for built-in runtimes: an HTTP request becomes the `v1` event a handler
 * receives, and the handler's `{ statusCode, headers, isBase64Encoded, body }` becomes the HTTP response.
 * Verified from the FC 3.0 doc "Use an HTTP trigger to invoke a function": the event fields, repeated
 * headers and query parameters joined with ",", `rawPath` URL-encoded and `requestContext.http.path` decoded,
 * `timeEpoch` a string of milliseconds. Unverified, and kept here only: which bodies FC counts as binary
 * (base64), header-name casing, and the answer for a result without `statusCode` (taken as the body, 200).
 */
import type { FcErrorPayload, HttpInvokeRequest, HttpInvokeResponse } from './types';

/** The event an HTTP-triggered handler receives. */
export interface HttpTriggerEvent {
  version: 'v1';
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    time: string;
    timeEpoch: string;
  };
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** Canonical header casing (`content-type` → `Content-Type`), as FC's Go front end presents names. */
const canonical = (name: string): string =>
  name.toLowerCase().replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase());

const joinValues = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join(',') : v;

/** Builds the `v1` HTTP trigger event for `req`, as FC does before calling the handler. */
export function buildHttpTriggerEvent(
  req: HttpInvokeRequest,
  ids: { requestId: string; accountId: string; region: string; functionName: string; now?: number },
): HttpTriggerEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    const joined = joinValues(v);
    if (joined !== undefined) headers[canonical(k)] = joined;
  }
  const query: Record<string, string> = {};
  const entries = req.query instanceof URLSearchParams ? [...req.query] : Object.entries(req.query ?? {});
  for (const [k, v] of entries) {
    query[k] = query[k] === undefined ? joinValues(v)! : `${query[k]},${joinValues(v)}`;
  }
  const raw = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
  const contentType = headers['Content-Type'] ?? '';
  const binary = raw.length > 0 && contentType !== '' && !TEXT_TYPES.test(contentType);
  const rawPath = req.path && req.path !== '' ? req.path : '/';
  const now = ids.now ?? Date.now();
  const prefix = `${ids.functionName}-local`;
  return {
    version: 'v1',
    rawPath,
    body: binary ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: binary,
    headers,
    queryParameters: query,
    requestContext: {
      accountId: ids.accountId,
      domainName: `${prefix}.${ids.region}.fcapp.run`,
      domainPrefix: prefix,
      http: {
        method: req.method.toUpperCase(),
        path: safeDecode(rawPath),
        protocol: req.protocol ?? 'HTTP/1.1',
        sourceIp: req.sourceIp ?? '127.0.0.1',
        userAgent: headers['User-Agent'] ?? '',
      },
      requestId: ids.requestId,
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(now),
    },
  };
}

const safeDecode = (p: string): string => {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

/** Maps a handler's serialised result (or its error) to the HTTP response FC sends. */
export function httpResponseFromResult(
  payload: Buffer,
  requestId: string,
  error?: FcErrorPayload,
): HttpInvokeResponse {
  const base = { 'x-fc-request-id': requestId };
  if (error) {
    // Unverified: FC's status for an unhandled error behind an HTTP trigger (502 here).
    return {
      statusCode: 502,
      headers: { ...base, 'content-type': 'application/json', 'x-fc-error-type': 'UnhandledInvocationError' },
      body: Buffer.from(JSON.stringify(error)),
      requestId,
      error,
    };
  }
  const result = parseJson(payload);
  if (!isStructured(result)) return { statusCode: 200, headers: base, body: payload, requestId };
  const headers: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const bodyText =
    typeof result.body === 'string'
      ? result.body
      : result.body === undefined
        ? ''
        : JSON.stringify(result.body);
  return {
    statusCode: result.statusCode,
    headers,
    body: result.isBase64Encoded ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8'),
    requestId,
  };
}

interface StructuredResult {
  statusCode: number;
  headers?: Record<string, unknown>;
  isBase64Encoded?: boolean;
  body?: unknown;
}

const isStructured = (v: unknown): v is StructuredResult =>
  typeof v === 'object' && v !== null && typeof (v as { statusCode?: unknown }).statusCode === 'number';

const parseJson = (b: Buffer): unknown => {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
};
