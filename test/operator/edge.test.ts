/**
 * The operator function's edge through the real handler, with the event FC's HTTP trigger builds: every
 * refusal that comes before the decision (404, 405, 413, 401, 403, 422, a missing keyring) answers JSON with
 * a reason and builds no client, so it reaches neither the Fleet nor the nonce store.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readOperatorRequest } from '../../functions/operator/edge';
import { handler } from '../../functions/operator/handler';
import { buildHttpTriggerEvent } from '../../sandbox/invoker/http-event';
import type { HttpInvokeRequest } from '../../sandbox/invoker/types';
import { durationSeconds } from '../../shared/operator/api';
import { signRequest } from '../../shared/operator/signing';
import { httpTriggerView } from '../../shared/runtime/http-edge';
import { MAX_HTTP_BODY_BYTES } from '../../shared/schemas/fc-http';
import { examplePolicy } from '../clients/fixture';

const policy = examplePolicy();
const KEYS_ENV = policy.secrets.operatorHmacKeysEnv;
const SECRET = 'edge-operator-secret-0123456789abcdef';
const RO_SECRET = 'edge-readonly-secret-0123456789abcdef';
const KEYS = `ops-1:alice:${SECRET}:*,ro-1:viewer:${RO_SECRET}:status`;
const POLICY_FILE = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));

/** The event FC hands the handler for `req`. */
function fcEvent(req: HttpInvokeRequest): Buffer {
  const e = buildHttpTriggerEvent(req, {
    requestId: `1-op-${randomBytes(4).toString('hex')}`,
    accountId: '1234567890',
    region: 'cn-hangzhou',
    functionName: 'fleet-dr-operator',
  });
  return Buffer.from(JSON.stringify(e));
}

/** A request signed by `keyId` over exactly what is sent. */
function signedReq(
  method: string,
  path: string,
  body: string | Buffer = '',
  o: { keyId?: string; secret?: string; contentType?: string } = {},
): HttpInvokeRequest {
  const headers = signRequest({
    method,
    path,
    body,
    keyId: o.keyId ?? 'ops-1',
    secret: o.secret ?? SECRET,
  });
  return {
    method,
    path,
    body,
    headers: { ...headers, 'content-type': o.contentType ?? 'application/json' },
  };
}

async function call(req: HttpInvokeRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const out = (await handler(fcEvent(req), { requestId: `req-${randomBytes(3).toString('hex')}` })) as {
    statusCode: number;
    body: string;
  };
  return { status: out.statusCode, body: JSON.parse(out.body) as Record<string, unknown> };
}

describe('operator function: refusals before the decision', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const k of ['FLEET_DR_POLICY', KEYS_ENV, 'FLEET_DR_ENDPOINTS', 'FLEET_DR_LOG'])
      saved[k] = process.env[k];
    process.env.FLEET_DR_POLICY = POLICY_FILE;
    process.env[KEYS_ENV] = KEYS;
    process.env.FLEET_DR_LOG = 'off';
    // Any client built would call this closed port and fail the test with a 500: none may be.
    process.env.FLEET_DR_ENDPOINTS = JSON.stringify({ adcp: 'http://127.0.0.1:9', cs: 'http://127.0.0.1:9' });
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('404 for a path that is no endpoint, listing the endpoints', async () => {
    const r = await call(signedReq('POST', '/failover', '{}'));
    assert.equal(r.status, 404);
    assert.match(
      String(r.body.error),
      /GET \/status, POST \/failback, POST \/shift, POST \/pause, POST \/resume/,
    );
  });

  it('405 for a method the endpoint does not serve', async () => {
    const r = await call(signedReq('GET', '/failback'));
    assert.equal(r.status, 405);
    assert.match(String(r.body.error), /method GET not allowed; use POST/);
  });

  it('413 for a body over 64 KiB, before the signature is even read', async () => {
    const big = Buffer.alloc(MAX_HTTP_BODY_BYTES + 1, 0x61);
    const r = await call({
      method: 'POST',
      path: '/pause',
      body: big,
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(r.status, 413);
    assert.match(String(r.body.error), /65537 bytes; the limit is 65536/);
    const binary = await call({
      method: 'POST',
      path: '/pause',
      body: randomBytes(MAX_HTTP_BODY_BYTES + 10),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(binary.status, 413, 'a base64-encoded body is measured decoded');
  });

  it('401 for an unsigned request, with a JSON reason and the request id', async () => {
    const r = await call({ method: 'POST', path: '/pause', body: '{"reason":"x"}' });
    assert.equal(r.status, 401);
    assert.match(String(r.body.error), /^unauthorized: missing x-fleet-dr-key-id/);
    assert.ok(r.body.requestId);
  });

  it('401 for a request signed with another key than its key id names', async () => {
    const r = await call(signedReq('POST', '/pause', '{"reason":"x"}', { secret: RO_SECRET }));
    assert.equal(r.status, 401);
    assert.match(String(r.body.error), /signature of key ops-1 does not match/);
  });

  it('403 for a read-only key asking to fail back', async () => {
    const body = JSON.stringify({ cluster: 'c-ack-az1', mode: 'step', reason: 'x' });
    const r = await call(signedReq('POST', '/failback', body, { keyId: 'ro-1', secret: RO_SECRET }));
    assert.equal(r.status, 403);
    assert.match(String(r.body.error), /key ro-1 \(viewer\) is not allowed to failback/);
  });

  it('422 for bodies that are not what the endpoint takes, naming the field', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['POST', '/failback', '{"cluster":"c-ack-az1","mode":"jump","reason":"x"}', /mode: Invalid option/],
      ['POST', '/failback', '{"cluster":"c-ack-az1","mode":"step"}', /reason: a reason is required/],
      [
        'POST',
        '/failback',
        '{"cluster":"c-nope","mode":"step","reason":"x"}',
        /cluster "c-nope" is not in the policy/,
      ],
      [
        'POST',
        '/failback',
        '{"cluster":"c-ack-az1","mode":"step","reason":"x","by":"root"}',
        /Unrecognized key: "by"/,
      ],
      [
        'POST',
        '/shift',
        '{"cluster":"c-ack-az1","reason":"x","expiresIn":"forever"}',
        /expiresIn: must be a duration/,
      ],
      ['POST', '/shift', '{"cluster":"c-ack-az1","reason":"x","expiresIn":"4d"}', /at most 3 days/],
      ['POST', '/pause', '{}', /reason: /],
      ['POST', '/resume', 'resume please', /the body is not JSON/],
      ['GET', '/status', 'x', /GET \/status takes no body/],
    ];
    for (const [method, path, body, re] of cases) {
      const r = await call(signedReq(method, path, body));
      assert.equal(r.status, 422, `${path} ${body}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.error), re, `${path} ${body}`);
    }
  });

  it('the operator named is the key owner: a body cannot choose it (422 above), and the edge says who', async () => {
    const view = httpTriggerView(fcEvent(signedReq('POST', '/pause', '{"reason":"maintenance"}')));
    assert.ok(view);
    const uses: string[] = [];
    const r = await readOperatorRequest(view, {
      policy,
      keys: () =>
        new Map([
          ['ops-1', { id: 'ops-1', owner: 'alice', secret: SECRET, verbs: new Set(['pause' as const]) }],
        ]),
      nonces: {
        use: async (n) => {
          uses.push(n);
          return true;
        },
      },
      nowMs: Date.now(),
    });
    assert.ok(!('refusal' in r), JSON.stringify(r));
    if ('refusal' in r) return;
    assert.equal(r.endpoint, 'pause');
    assert.equal(r.caller.key.owner, 'alice');
    assert.deepEqual(r.body, { reason: 'maintenance' });
    assert.equal(uses.length, 1);
  });

  it('500 naming the variable (not a value) when the function has no operator keys', async () => {
    delete process.env[KEYS_ENV];
    try {
      const r = await call(signedReq('POST', '/pause', '{"reason":"x"}'));
      assert.equal(r.status, 500);
      assert.match(String(r.body.error), new RegExp(`${KEYS_ENV} \\(operator keys\\) is not set`));
    } finally {
      process.env[KEYS_ENV] = KEYS;
    }
  });

  it('reads durations such as 30m, 2h and 1d', () => {
    assert.equal(durationSeconds('90s'), 90);
    assert.equal(durationSeconds('30m'), 1800);
    assert.equal(durationSeconds('2h'), 7200);
    assert.equal(durationSeconds('1d'), 86_400);
    assert.equal(durationSeconds(600), 600);
    for (const bad of ['2 h', 'h', '-1s', '1.5h', '0s', '0m', 0, -5, 1.5])
      assert.equal(durationSeconds(bad), undefined, String(bad));
  });
});
