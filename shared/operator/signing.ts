/**
 * Signed operator requests: HMAC-SHA256 by a per-operator key over the method, the path, the query, the body's
 * SHA-256, a timestamp and a nonce. The client (the `fleet-dr` CLI) signs with `signRequest`; the operator
 * function checks with `verify.ts`. Both build the same string from `stringToSign`, so the two cannot drift.
 *
 * Why these headers and not `Authorization`: an FC HTTP trigger with `authType: function` reads
 * `Authorization` for its own signature, so fleet-dr's scheme keeps to `x-fleet-dr-*` headers and works
 * behind either trigger setting.
 *
 * @example
 * POST /failback
 * x-fleet-dr-key-id: sre-alice-1
 * x-fleet-dr-timestamp: 1748765700
 * x-fleet-dr-nonce: 5c0bb8a4e5e14c1fa3d2f0b9a7c6e1d2
 * x-fleet-dr-signature: 9f2c…(64 hex)
 *
 * {"cluster":"c-ack-az1","mode":"step","reason":"AZ1 healthy since 08:10"}
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** The scheme name, the first line of every string to sign. */
export const SIGNATURE_SCHEME = 'FLEET-DR-HMAC-SHA256';

/** The request headers of the scheme (lower case, as the FC HTTP trigger hands them over). */
export const SIGNATURE_HEADERS = {
  keyId: 'x-fleet-dr-key-id',
  timestamp: 'x-fleet-dr-timestamp',
  nonce: 'x-fleet-dr-nonce',
  signature: 'x-fleet-dr-signature',
} as const;

/** How far a request's timestamp may be from the function's clock, either way (seconds). */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** A nonce: 16 to 64 characters of [A-Za-z0-9_-] (the CLI sends 32 hex digits). */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** A key id: 1 to 64 characters of [A-Za-z0-9._-]. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The parts of a request the signature covers. */
export interface SignedParts {
  method: string;
  /** The path the function sees (FC's `rawPath`), e.g. `/failback`. */
  path: string;
  query: Record<string, string>;
  /** Lower-case hex SHA-256 of the body bytes (of the empty string for no body). */
  bodySha256: string;
  /** Unix seconds, as sent. */
  timestamp: string;
  nonce: string;
  keyId: string;
}

/** Lower-case hex SHA-256 of some bytes. */
export const sha256Hex = (body: Buffer | string): string => createHash('sha256').update(body).digest('hex');

/** RFC 3986 encoding (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query as the signature covers it: encoded `k=v` pairs sorted by key, joined by `&`. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k] ?? '')}`)
    .join('&');
}

/** The string the HMAC is computed over: one part a line, in a fixed order. */
export function stringToSign(p: SignedParts): string {
  return [
    SIGNATURE_SCHEME,
    p.method,
    p.path,
    canonicalQuery(p.query),
    p.bodySha256,
    p.timestamp,
    p.nonce,
    p.keyId,
  ].join('\n');
}

/** Lower-case hex HMAC-SHA256 of the string to sign under `secret`. */
export function signature(secret: string, p: SignedParts): string {
  return createHmac('sha256', secret).update(stringToSign(p), 'utf8').digest('hex');
}

/** What the client signs. */
export interface RequestToSign {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: Buffer | string;
  keyId: string;
  secret: string;
  /** Default: the system clock. */
  now?: Date;
  /** Default: 32 random hex digits. */
  nonce?: string;
}

/** The headers that sign a request (add them to the request as they are). */
export function signRequest(r: RequestToSign): Record<string, string> {
  const timestamp = String(Math.floor((r.now ?? new Date()).getTime() / 1000));
  const nonce = r.nonce ?? randomBytes(16).toString('hex');
  const parts: SignedParts = {
    method: r.method,
    path: r.path,
    query: r.query ?? {},
    bodySha256: sha256Hex(r.body ?? ''),
    timestamp,
    nonce,
    keyId: r.keyId,
  };
  return {
    [SIGNATURE_HEADERS.keyId]: r.keyId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature(r.secret, parts),
  };
}
