/**
 * Signed operator requests: what the CLI signs the function accepts, and every refusal (missing, malformed,
 * unknown key, any signed part changed, wrong secret, stale, future, verb not granted, bad body, replay)
 * happens before the nonce is recorded, so a refused request changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../shared/errors';
import { operatorKeysFromEnv, parseClientKey, parseOperatorKeys } from '../../shared/operator/keys';
import {
  canonicalQuery,
  SIGNATURE_HEADERS,
  SIGNATURE_WINDOW_SECONDS,
  signRequest,
  stringToSign,
} from '../../shared/operator/signing';
import {
  type BodyParser,
  type NonceLedger,
  type OperatorHttpRequest,
  verifyOperatorRequest,
} from '../../shared/operator/verify';

const ALICE_SECRET = 'alice-secret-0123456789abcdef0123456789';
const BOB_SECRET = 'bob-secret-0123456789abcdef0123456789abcd';
const KEYS = parseOperatorKeys(
  `alice-1:alice:${ALICE_SECRET}:*,\nbob-ro:bob:${BOB_SECRET}:status`,
  'FLEET_DR_OPERATOR_KEYS',
);
const NOW = Date.parse('2025-06-01T08:00:00Z');
const BODY = '{"cluster":"c-ack-az1","mode":"step","reason":"stable"}';

/** A nonce ledger in memory that records every call. */
function ledger(): NonceLedger & { calls: string[]; used: Set<string> } {
  const used = new Set<string>();
  const calls: string[] = [];
  return {
    used,
    calls,
    async use(nonce) {
      calls.push(nonce);
      if (used.has(nonce)) return false;
      used.add(nonce);
      return true;
    },
  };
}

const jsonParser: BodyParser<unknown> = (b) => {
  try {
    return { value: JSON.parse(b.toString('utf8')) };
  } catch {
    return { error: 'the body is not JSON' };
  }
};

/** A request signed by alice (or `o`), as it reaches the function. */
function signed(
  o: {
    method?: string;
    path?: string;
    query?: Record<string, string>;
    body?: string;
    keyId?: string;
    secret?: string;
    at?: number;
    nonce?: string;
  } = {},
): OperatorHttpRequest {
  const method = o.method ?? 'POST';
  const path = o.path ?? '/failback';
  const query = o.query ?? {};
  const body = o.body ?? BODY;
  const headers = signRequest({
    method,
    path,
    query,
    body,
    keyId: o.keyId ?? 'alice-1',
    secret: o.secret ?? ALICE_SECRET,
    now: new Date(o.at ?? NOW),
    nonce: o.nonce ?? 'nonce-0123456789abcdef',
  });
  return { method, path, query, headers, body: Buffer.from(body) };
}

async function verify(
  req: OperatorHttpRequest,
  o: { verb?: 'failback' | 'status'; nonces?: NonceLedger; parse?: BodyParser<unknown>; now?: number } = {},
) {
  return verifyOperatorRequest({
    req,
    keys: KEYS,
    nowMs: o.now ?? NOW,
    verb: o.verb ?? 'failback',
    parseBody: o.parse ?? jsonParser,
    nonces: o.nonces ?? ledger(),
  });
}

/** Asserts a refusal with `status` whose reason matches `re`, and that no nonce was recorded. */
async function refused(
  req: OperatorHttpRequest,
  status: number,
  re: RegExp,
  o: Parameters<typeof verify>[1] = {},
): Promise<void> {
  const nonces = ledger();
  const r = await verify(req, { ...o, nonces });
  assert.ok('refusal' in r, 'refused');
  if (!('refusal' in r)) return;
  assert.equal(r.refusal.status, status, r.refusal.error);
  assert.match(r.refusal.error, re);
  assert.deepEqual(nonces.calls, [], 'no nonce recorded');
  assert.doesNotMatch(
    r.refusal.error,
    new RegExp(`${ALICE_SECRET}|${req.headers[SIGNATURE_HEADERS.signature] ?? 'x^'}`),
  );
}

describe('operator request signing', () => {
  it('accepts what signRequest signed: the caller is the key owner, the request key is key/nonce', async () => {
    const nonces = ledger();
    const r = await verify(signed(), { nonces });
    assert.ok('caller' in r, JSON.stringify(r));
    if (!('caller' in r)) return;
    assert.equal(r.caller.key.owner, 'alice');
    assert.equal(r.caller.requestKey, 'alice-1/nonce-0123456789abcdef');
    assert.deepEqual(r.body, JSON.parse(BODY));
    assert.deepEqual(nonces.calls, ['alice-1/nonce-0123456789abcdef']);
  });

  it('signs one line per part in a fixed order, the query sorted and RFC 3986 encoded', () => {
    assert.equal(canonicalQuery({ b: '2', a: "x y!'()*", é: '/' }), 'a=x%20y%21%27%28%29%2A&b=2&%C3%A9=%2F');
    const s = stringToSign({
      method: 'GET',
      path: '/status',
      query: {},
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      timestamp: '1748764800',
      nonce: 'n'.repeat(16),
      keyId: 'alice-1',
    });
    assert.deepEqual(s.split('\n'), [
      'FLEET-DR-HMAC-SHA256',
      'GET',
      '/status',
      '',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '1748764800',
      'nnnnnnnnnnnnnnnn',
      'alice-1',
    ]);
  });

  for (const header of Object.values(SIGNATURE_HEADERS))
    it(`refuses a request without ${header} with 401`, async () => {
      const req = signed();
      delete req.headers[header];
      await refused(req, 401, new RegExp(`missing ${header}`));
    });

  it('refuses an unsigned request with 401 naming every missing header', async () => {
    await refused({ ...signed(), headers: {} }, 401, /missing x-fleet-dr-key-id, .*x-fleet-dr-signature/);
  });

  it('refuses malformed headers with 401', async () => {
    const cases: Array<[string, string, RegExp]> = [
      [SIGNATURE_HEADERS.keyId, 'alice 1', /malformed x-fleet-dr-key-id/],
      [SIGNATURE_HEADERS.timestamp, '2025-06-01T08:00:00Z', /Unix seconds/],
      [SIGNATURE_HEADERS.nonce, 'short', /16-64 characters/],
      [SIGNATURE_HEADERS.nonce, 'x'.repeat(65), /16-64 characters/],
      [SIGNATURE_HEADERS.signature, 'not-hex', /64 hex digits/],
    ];
    for (const [h, v, re] of cases) {
      const req = signed();
      req.headers[h] = v;
      await refused(req, 401, re);
    }
  });

  it('refuses an unknown key id with 401', async () => {
    await refused(signed({ keyId: 'mallory-1' }), 401, /unknown key id mallory-1/);
  });

  it('refuses a request signed with the wrong secret (a wrong key) with 401', async () => {
    await refused(signed({ secret: BOB_SECRET }), 401, /signature of key alice-1 does not match/);
  });

  it('refuses with 401 when any signed part changed after signing', async () => {
    const tamper: Array<[string, (r: OperatorHttpRequest) => void]> = [
      ['method', (r) => (r.method = 'PUT')],
      ['path', (r) => (r.path = '/shift')],
      ['query', (r) => (r.query = { dryRun: '1' })],
      ['body', (r) => (r.body = Buffer.from(BODY.replace('step', 'auto')))],
      ['timestamp', (r) => (r.headers[SIGNATURE_HEADERS.timestamp] = String(NOW / 1000 + 1))],
      ['nonce', (r) => (r.headers[SIGNATURE_HEADERS.nonce] = 'nonce-fedcba9876543210')],
      ['key id', (r) => (r.headers[SIGNATURE_HEADERS.keyId] = 'bob-ro')],
    ];
    for (const [what, change] of tamper) {
      const req = signed();
      change(req);
      const nonces = ledger();
      const r = await verify(req, { nonces });
      assert.ok('refusal' in r && r.refusal.status === 401, `${what}: ${JSON.stringify(r)}`);
      assert.match((r as { refusal: { error: string } }).refusal.error, /does not match/, what);
      assert.deepEqual(nonces.calls, [], `${what}: no nonce recorded`);
    }
  });

  it('refuses a stale request and one from the future with 401; accepts one inside the 5-minute window', async () => {
    const w = SIGNATURE_WINDOW_SECONDS * 1000;
    await refused(signed({ at: NOW - w - 2000 }), 401, /signed 302 s ago; the window is 300 s/);
    await refused(signed({ at: NOW + w + 2000 }), 401, /signed 302 s in the future/);
    const inside = await verify(signed({ at: NOW - w + 2000 }));
    assert.ok('caller' in inside, JSON.stringify(inside));
  });

  it('refuses a verb the key does not grant with 403, before the body or the nonce', async () => {
    const req = signed({ keyId: 'bob-ro', secret: BOB_SECRET, body: 'not json' });
    await refused(req, 403, /key bob-ro \(bob\) is not allowed to failback; it may status/);
    const ok = await verify(signed({ keyId: 'bob-ro', secret: BOB_SECRET }), { verb: 'status' });
    assert.ok('caller' in ok);
  });

  it('refuses a bad body with 422, without recording the nonce', async () => {
    await refused(signed({ body: '{"cluster":' }), 422, /unprocessable: the body is not JSON/);
  });

  it('refuses a replay with 401: the same signed request twice, the second changes nothing', async () => {
    const nonces = ledger();
    const first = await verify(signed(), { nonces });
    assert.ok('caller' in first);
    const again = await verify(signed(), { nonces });
    assert.ok('refusal' in again);
    if (!('refusal' in again)) return;
    assert.equal(again.refusal.status, 401);
    assert.match(again.refusal.error, /nonce nonce-0123456789abcdef was used already \(a replayed request\)/);
    assert.equal(nonces.used.size, 1);
  });

  it('keys nonces by key id: two operators may happen to pick the same nonce', async () => {
    const nonces = ledger();
    const a = await verify(signed({ nonce: 'same-nonce-0000000000' }), { nonces, verb: 'status' });
    const b = await verify(signed({ nonce: 'same-nonce-0000000000', keyId: 'bob-ro', secret: BOB_SECRET }), {
      nonces,
      verb: 'status',
    });
    assert.ok('caller' in a && 'caller' in b);
  });
});

describe('operator keys', () => {
  it('parses entries separated by commas and new lines, with * or listed verbs', () => {
    assert.deepEqual([...KEYS.keys()], ['alice-1', 'bob-ro']);
    assert.equal(KEYS.get('alice-1')?.verbs.size, 5);
    assert.deepEqual([...(KEYS.get('bob-ro')?.verbs ?? [])], ['status']);
    const k = parseOperatorKeys(`ops:ops-team:${ALICE_SECRET}:status+pause+resume`, 'K');
    assert.deepEqual([...(k.get('ops')?.verbs ?? [])], ['status', 'pause', 'resume']);
  });

  it('lists every malformed entry by position and key id, never its secret', () => {
    const value = [
      `a:alice:${ALICE_SECRET}`,
      'b:bob:tinysecret:*',
      `c:carol:${ALICE_SECRET}:status+delete`,
      `bad id:dave:${ALICE_SECRET}:*`,
      `e:e e:${ALICE_SECRET}:*`,
      `f:f:${ALICE_SECRET}:*`,
      `f:f2:${BOB_SECRET}:*`,
    ].join(',');
    try {
      parseOperatorKeys(value, 'FLEET_DR_OPERATOR_KEYS');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      const all = [e.message, ...e.problems].join('\n');
      assert.match(e.message, /FLEET_DR_OPERATOR_KEYS: 6 malformed operator key\(s\)/);
      assert.match(all, /entry 1: expected <keyId>:<owner>:<secret>:<verbs> \(4 fields\), got 3/);
      assert.match(all, /entry 2 \(b\): the secret is shorter than 32 characters/);
      assert.match(all, /entry 3 \(c\): unknown verb\(s\) "delete"/);
      assert.match(all, /entry 4: the key id must be/);
      assert.match(all, /entry 5 \(e\): the owner must be/);
      assert.match(all, /entry 7 \(f\): the key id is listed twice/);
      assert.doesNotMatch(all, new RegExp(`${ALICE_SECRET}|${BOB_SECRET}|tinysecret`));
    }
  });

  it('refuses to run without keys: an unset or empty variable is a ConfigError', () => {
    assert.throws(() => operatorKeysFromEnv({}, 'K'), /environment variable K \(operator keys\) is not set/);
    assert.throws(() => operatorKeysFromEnv({ K: ' , ' }, 'K'), /K: no operator key/);
  });

  it("parses the CLI's own key, <keyId>:<secret>, and refuses anything else without echoing it", () => {
    assert.deepEqual(parseClientKey(`alice-1:${ALICE_SECRET}\n`, 'FLEET_DR_OPERATOR_KEY'), {
      id: 'alice-1',
      secret: ALICE_SECRET,
    });
    for (const bad of [ALICE_SECRET, 'alice-1:short', `alice 1:${ALICE_SECRET}`, `a:b:${ALICE_SECRET}`])
      assert.throws(
        () => parseClientKey(bad, 'FLEET_DR_OPERATOR_KEY'),
        (e: Error) => e instanceof ConfigError && !e.message.includes(ALICE_SECRET),
      );
  });
});
