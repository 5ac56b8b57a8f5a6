/**
 * Server-side check of the V3 signature `ACS3-HMAC-SHA256`, mirroring what @alicloud/openapi-core 1.0.8
 * signs (dist/utils.js `getAuthorization`, dist/client.js `execute`):
 *   canonicalRequest = METHOD \n canonicalURI \n canonicalQuery \n canonicalHeaders \n signedHeaders \n hexSha256(body)
 *   - canonicalURI: the request path as sent, with `+`→%20, `*`→%2A, %7E→`~`;
 *   - canonicalQuery: parameters sorted by name, `name=` + percent-encoded value (encodeURIComponent plus
 *     `!'()*`), joined with `&`. The SDK does not encode the name, so neither do we;
 *   - canonicalHeaders: each signed header `name:trimmed value\n`, names lower-case and sorted; the SDK signs
 *     `host`, `content-type` (when set) and every `x-acs-*` header;
 *   - stringToSign = `ACS3-HMAC-SHA256\n` + hexSha256(canonicalRequest); signature = hex HMAC-SHA256(secret, it).
 * The payload hash is computed from the body actually received, so a tampered body fails the signature.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialStore } from './credentials';
import { OpenApiError } from './errors';

/** The parts of an HTTP request the signature covers. */
export interface SignableRequest {
  method: string;
  /** The raw request target as received (path plus optional `?query`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A parsed `Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` header. */
export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** The real gateway refuses requests more than 15 minutes off (doc: InvalidTimeStamp.Expired). */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** Percent-encoding as openapi-core's `encode`: encodeURIComponent plus `!'()*`. */
export function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decode one query component the way a form parser does (`+` is a space). */
function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** Parse a raw query string into decoded [name, value] pairs, in order. */
export function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0
        ? [decodeComponent(p), '']
        : [decodeComponent(p.slice(0, i)), decodeComponent(p.slice(i + 1))];
    });
}

/** Split the raw request target into path and query. */
export function splitUrl(url: string): { path: string; query: string } {
  const i = url.indexOf('?');
  return i < 0 ? { path: url, query: '' } : { path: url.slice(0, i), query: url.slice(i + 1) };
}

/** Parse the Authorization header; anything that is not a complete ACS3 header is IncompleteSignature. */
export function parseAuthorization(header: string | undefined): Acs3Authorization {
  if (!header) throw new OpenApiError('IncompleteSignature', 'The request signature is missing.');
  const sp = header.indexOf(' ');
  const algorithm = sp < 0 ? header : header.slice(0, sp);
  if (algorithm !== 'ACS3-HMAC-SHA256') {
    throw new OpenApiError('IncompleteSignature', `Unsupported signature algorithm ${algorithm}.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(sp + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) throw new OpenApiError('IncompleteSignature');
  return { algorithm, accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim();
}

/** Build the canonical request exactly as openapi-core does for the given signed header names. */
export function canonicalRequest(req: SignableRequest, signedHeaders: string[]): string {
  const { path, query } = splitUrl(req.url);
  const uri = path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  const pairs = parseQuery(query).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${acsEncode(v)}`).join('&');
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((h) => `${h}:${headerValue(req.headers, h)}\n`).join('');
  const payloadHash = createHash('sha256').update(req.body).digest('hex');
  return [req.method.toUpperCase(), uri, canonicalQuery, canonicalHeaders, names.join(';'), payloadHash].join(
    '\n',
  );
}

/** The hex signature for a canonical request. */
export function signCanonical(secret: string, canonical: string): string {
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** Headers that must be covered by the signature: a request that leaves one unsigned is incomplete. */
function requireSigned(req: SignableRequest, signed: string[]): void {
  const set = new Set(signed.map((h) => h.toLowerCase()));
  const must = ['host', ...Object.keys(req.headers).filter((h) => h.startsWith('x-acs-'))];
  const missing = must.filter((h) => !set.has(h));
  if (missing.length > 0) {
    throw new OpenApiError('IncompleteSignature', `Header(s) ${missing.join(', ')} must be signed.`);
  }
}

function checkDate(raw: string | undefined, now: number): void {
  const t = raw && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(t)) throw new OpenApiError('InvalidTimeStamp.Format');
  if (Math.abs(now - t) > MAX_CLOCK_SKEW_MS) throw new OpenApiError('InvalidTimeStamp.Expired');
}

/** Remembers nonces for the skew window, so a replayed request is refused. */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  /** Record a nonce; false if it was already used within the window. */
  use(nonce: string, now: number): boolean {
    for (const [n, t] of this.seen) {
      if (now - t <= 2 * MAX_CLOCK_SKEW_MS) break;
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

/** Verify an ACS3 request; returns the AccessKey ID on success, throws OpenApiError with the exact code otherwise. */
export function verifyAcs3(
  req: SignableRequest,
  deps: { credentials: CredentialStore; nonces: NonceCache; now: number },
): string {
  const auth = parseAuthorization(headerValue(req.headers, 'authorization') || undefined);
  requireSigned(req, auth.signedHeaders);
  checkDate(headerValue(req.headers, 'x-acs-date') || undefined, deps.now);
  const key = deps.credentials.lookup(auth.accessKeyId);
  if (!key) throw new OpenApiError('InvalidAccessKeyId.NotFound');
  deps.credentials.checkToken(key, headerValue(req.headers, 'x-acs-security-token') || undefined);
  const expected = Buffer.from(signCanonical(key.secret, canonicalRequest(req, auth.signedHeaders)));
  const given = Buffer.from(auth.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new OpenApiError('SignatureDoesNotMatch');
  }
  const nonce = headerValue(req.headers, 'x-acs-signature-nonce');
  if (!nonce) throw new OpenApiError('IncompleteSignature', 'x-acs-signature-nonce is mandatory.');
  // Checked after the signature so an unsigned request cannot burn someone else's nonce.
  if (!deps.nonces.use(nonce, deps.now)) throw new OpenApiError('SignatureNonceUsed');
  return auth.accessKeyId;
}
