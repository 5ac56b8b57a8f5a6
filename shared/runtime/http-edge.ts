/**
 * What every HTTP-triggered function checks before it looks at a request body: that the event came through
 * the FC 3.0 HTTP trigger (by its shape, never by a full parse that could fail and be mistaken for "not
 * HTTP"), the secret token (constant time), the method, and the body size. And the JSON answer FC turns
 * into the HTTP response.
 *
 * Why the shape: the FC front end builds the `v1` event itself, so an HTTP request always arrives as a
 * well-formed JSON object with `requestContext` (a caller controls the body, query and headers inside it,
 * not the envelope). Classifying by that shape means no body, however large or malformed, can turn an
 * HTTP request into something that skips the token check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { httpBodyBytes, looksLikeHttpTrigger, MAX_HTTP_BODY_BYTES } from '../schemas/fc-http';
import { decodeEvent } from '../schemas/parse-event';

export { MAX_HTTP_BODY_BYTES };

/** A refusal at the edge: the HTTP status and a one-line reason. */
export interface EdgeRefusal {
  status: number;
  error: string;
}

/** The parts of an HTTP trigger event the edge checks, read without parsing or decoding the body. */
export interface HttpTriggerView {
  /** The decoded event (hand it to parseEvent instead of the raw bytes: it is not parsed twice). */
  value: Record<string, unknown>;
  method: string | undefined;
  query: Record<string, string>;
  /** The body as FC sent it (base64 when isBase64Encoded). */
  body: string;
  isBase64Encoded: boolean;
  requestId: string | undefined;
}

/** Compares two secrets in constant time (hashes first, so lengths never leak or throw). */
export function tokenMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given), h(expected));
}

/** The FC 3.0 HTTP trigger response shape for a JSON body. */
export function httpJson(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    isBase64Encoded: false,
    body: JSON.stringify(body),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The HTTP trigger view of an event (a Buffer, string or decoded value), or undefined when the event does
 * not have the HTTP trigger's shape. Undecodable bytes are not an HTTP trigger event: FC always sends JSON
 * for one, so such an event is left to the event parser, which refuses it with its reason.
 */
export function httpTriggerView(event: unknown): HttpTriggerView | undefined {
  let value: unknown;
  try {
    value = decodeEvent(event);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !looksLikeHttpTrigger(value)) return undefined;
  const ctx = isObject(value.requestContext) ? value.requestContext : {};
  const http = isObject(ctx.http) ? ctx.http : {};
  const query: Record<string, string> = {};
  if (isObject(value.queryParameters))
    for (const [k, v] of Object.entries(value.queryParameters)) if (typeof v === 'string') query[k] = v;
  return {
    value,
    method: str(http.method),
    query,
    body: str(value.body) ?? '',
    isBase64Encoded: value.isBase64Encoded === true,
    requestId: str(ctx.requestId),
  };
}

/** 403 unless the request's `?<param>=` matches the expected secret (an unset secret refuses everything). */
export function checkToken(
  view: HttpTriggerView,
  expected: string | undefined,
  param = 'token',
): EdgeRefusal | undefined {
  return tokenMatches(view.query[param], expected)
    ? undefined
    : { status: 403, error: 'forbidden: missing or wrong callback token' };
}

const UPPER_METHOD = /^[A-Z]{1,16}$/;

/**
 * 400 for a method that is missing or not an upper-case HTTP method (`post` is not `POST`: HTTP methods are
 * case-sensitive), 405 for one the function does not serve. The answer names the method it got.
 */
export function checkMethod(method: string | undefined, allowed: readonly string[]): EdgeRefusal | undefined {
  const allow = allowed.join(', ');
  if (method === undefined || !UPPER_METHOD.test(method))
    return {
      status: 400,
      error: `bad request: method ${method === undefined ? '(none)' : JSON.stringify(method.slice(0, 32))} is not an upper-case HTTP method; use ${allow}`,
    };
  if (!allowed.includes(method)) return { status: 405, error: `method ${method} not allowed; use ${allow}` };
  return undefined;
}

/** 413 when the decoded body would exceed `limit` bytes (measured without decoding it). */
export function checkBodySize(view: HttpTriggerView, limit = MAX_HTTP_BODY_BYTES): EdgeRefusal | undefined {
  const bytes = httpBodyBytes(view.body, view.isBase64Encoded);
  return bytes > limit
    ? {
        status: 413,
        error: `payload too large: the request body is ${bytes} bytes; the limit is ${limit} bytes`,
      }
    : undefined;
}
