/**
 * Checks a signed operator request, in an order that changes nothing until the request is known to be
 * authentic, allowed and well-formed: signature headers present (401), key known (401), signature matches
 * (401, compared in constant time), timestamp within the window (401), verb allowed for the key (403), body
 * valid (422, the caller's parser), and only then the nonce recorded on the Fleet (401 on a replay). A request
 * refused at any step leaves no trace but the log line: not even its nonce.
 */
import { timingSafeEqual } from 'node:crypto';
import type { OperatorKey, OperatorKeyring, OperatorVerb } from './keys';
import {
  KEY_ID_PATTERN,
  NONCE_PATTERN,
  SIGNATURE_HEADERS,
  SIGNATURE_WINDOW_SECONDS,
  type SignedParts,
  sha256Hex,
  signature,
} from './signing';

/** The request as the operator function received it: header names lower case, the body decoded. */
export interface OperatorHttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
}

/** A refusal: the HTTP status and a one-line reason (never a secret, never the signature). */
export interface Refusal {
  status: number;
  error: string;
}

/** Who sent an authentic request. */
export interface Caller {
  key: OperatorKey;
  nonce: string;
  /** Unix seconds the request was signed at. */
  timestamp: number;
  /** Unique per request: `<keyId>/<nonce>`; the decision deduplicates operator requests by it. */
  requestKey: string;
}

/** Where used nonces are kept (the NonceStore on the Fleet): `use` is false when the nonce was used. */
export interface NonceLedger {
  use(nonce: string, expiresAt: number): Promise<boolean>;
}

const unauthorized = (why: string): Refusal => ({ status: 401, error: `unauthorized: ${why}` });
const TIMESTAMP = /^\d{1,12}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const sameHex = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** 401 unless the request carries a valid signature by a known key, signed within the window. */
export function authenticate(
  req: OperatorHttpRequest,
  keys: OperatorKeyring,
  nowMs: number,
): { caller: Caller } | { refusal: Refusal } {
  const h = SIGNATURE_HEADERS;
  const missing = Object.values(h).filter((name) => !req.headers[name]);
  if (missing.length > 0)
    return {
      refusal: unauthorized(`missing ${missing.join(', ')}: sign the request with an operator key`),
    };
  const keyId = req.headers[h.keyId]!;
  const ts = req.headers[h.timestamp]!;
  const nonce = req.headers[h.nonce]!;
  const given = req.headers[h.signature]!.toLowerCase();
  if (!KEY_ID_PATTERN.test(keyId)) return { refusal: unauthorized(`malformed ${h.keyId}`) };
  if (!TIMESTAMP.test(ts)) return { refusal: unauthorized(`${h.timestamp} must be Unix seconds`) };
  if (!NONCE_PATTERN.test(nonce))
    return { refusal: unauthorized(`${h.nonce} must be 16-64 characters of [A-Za-z0-9_-]`) };
  if (!HEX64.test(given)) return { refusal: unauthorized(`${h.signature} must be 64 hex digits`) };
  const key = keys.get(keyId);
  if (!key) return { refusal: unauthorized(`unknown key id ${keyId}`) };
  const parts: SignedParts = {
    method: req.method,
    path: req.path,
    query: req.query,
    bodySha256: sha256Hex(req.body),
    timestamp: ts,
    nonce,
    keyId,
  };
  if (!sameHex(given, signature(key.secret, parts)))
    return {
      refusal: unauthorized(
        `the signature of key ${keyId} does not match this request (method, path, query, body, timestamp, nonce)`,
      ),
    };
  const skew = Math.round(nowMs / 1000 - Number(ts));
  if (Math.abs(skew) > SIGNATURE_WINDOW_SECONDS)
    return {
      refusal: unauthorized(
        `the request was signed ${Math.abs(skew)} s ${skew > 0 ? 'ago' : 'in the future'}; the window is ${SIGNATURE_WINDOW_SECONDS} s (check the clock)`,
      ),
    };
  return { caller: { key, nonce, timestamp: Number(ts), requestKey: `${keyId}/${nonce}` } };
}

/** 403 unless the caller's key grants `verb`. */
export function authorize(caller: Caller, verb: OperatorVerb): Refusal | undefined {
  return caller.key.verbs.has(verb)
    ? undefined
    : {
        status: 403,
        error: `forbidden: key ${caller.key.id} (${caller.key.owner}) is not allowed to ${verb}; it may ${[...caller.key.verbs].join(', ') || 'nothing'}`,
      };
}

/**
 * Records the caller's nonce on the Fleet until no request carrying it could pass the window any more;
 * 401 when it was used already (a replay).
 */
export async function consumeNonce(caller: Caller, ledger: NonceLedger): Promise<Refusal | undefined> {
  const expiresAt = (caller.timestamp + SIGNATURE_WINDOW_SECONDS + 1) * 1000;
  const fresh = await ledger.use(caller.requestKey, expiresAt);
  return fresh ? undefined : unauthorized(`nonce ${caller.nonce} was used already (a replayed request)`);
}

/** A body parser: the value, or a one-line reason for a 422. */
export type BodyParser<T> = (body: Buffer) => { value: T } | { error: string };

/** Everything in order; the verified caller and the parsed body, or the first refusal. */
export async function verifyOperatorRequest<T>(o: {
  req: OperatorHttpRequest;
  keys: OperatorKeyring;
  nowMs: number;
  verb: OperatorVerb;
  parseBody: BodyParser<T>;
  nonces: NonceLedger;
}): Promise<{ caller: Caller; body: T } | { refusal: Refusal }> {
  const auth = authenticate(o.req, o.keys, o.nowMs);
  if ('refusal' in auth) return auth;
  const forbidden = authorize(auth.caller, o.verb);
  if (forbidden) return { refusal: forbidden };
  const parsed = o.parseBody(o.req.body);
  if ('error' in parsed) return { refusal: { status: 422, error: `unprocessable: ${parsed.error}` } };
  const replay = await consumeNonce(auth.caller, o.nonces);
  if (replay) return { refusal: replay };
  return { caller: auth.caller, body: parsed.value };
}
