/**
 * The HTTP edge of alarm-failover under attack: an oversized binary body without the token, a body that
 * does not parse, a lower-case method. Each case calls the real handler with the event FC builds.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readEdge } from '../../functions/alarm-failover/edge';
import { handler } from '../../functions/alarm-failover/handler';
import { buildHttpTriggerEvent } from '../../sandbox/invoker/http-event';
import { createLocalInvoker, type LocalInvoker } from '../../sandbox/invoker/index';
import type { HttpInvokeRequest } from '../../sandbox/invoker/types';
import { examplePolicy } from '../clients/fixture';
import { type Capture, captureLogs } from '../clients/log-capture';

const TOKEN = 'edge-test-callback-token-0123456789';
const policy = examplePolicy();
const POLICY_FILE = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));
process.env.FLEET_DR_POLICY = POLICY_FILE;
process.env[policy.secrets.callbackTokenEnv] = TOKEN;
const env = { [policy.secrets.callbackTokenEnv]: TOKEN };

const FORM =
  'alertName=a&alertState=ALERT&metricName=Availability&timestamp=1748765700000&dimensions=%7BtaskId%3Dc-ack-az1%7D';

/** The event FC's HTTP trigger hands the handler for `req` (binary bodies base64-encoded). */
const fcEvent = (req: HttpInvokeRequest, edit?: (e: ReturnType<typeof buildHttpTriggerEvent>) => void) => {
  const e = buildHttpTriggerEvent(req, {
    requestId: `1-edge-${randomBytes(4).toString('hex')}`,
    accountId: '1234567890',
    region: 'cn-hangzhou',
    functionName: 'fleet-dr-alarm-failover',
  });
  edit?.(e);
  return Buffer.from(JSON.stringify(e));
};

/** The attack: ~3.2 MiB of binary, application/octet-stream, no token. */
const attack = (query: Record<string, string> = {}): HttpInvokeRequest => ({
  method: 'POST',
  path: '/alarm',
  query,
  headers: { 'content-type': 'application/octet-stream' },
  body: randomBytes(Math.round(3.2 * 1024 * 1024)),
});

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** No stack frame, file position or FC stackTrace anywhere in what the caller gets back. */
const assertNoStack = (text: string) => {
  assert.doesNotMatch(text, /\bat [\w.<>]+ \(|\n\s+at |stackTrace|\.ts:\d+|\.m?js:\d+/, text.slice(0, 500));
  assert.doesNotMatch(text, /Maximum call stack/);
};

const call = async (event: Buffer): Promise<{ a: HttpAnswer; json: Record<string, unknown> }> => {
  const a = (await handler(event, { requestId: 'req-edge-1' })) as HttpAnswer;
  assert.equal(typeof a.statusCode, 'number', 'an HTTP answer');
  assertNoStack(JSON.stringify(a));
  return { a, json: JSON.parse(a.body) as Record<string, unknown> };
};

describe('alarm-failover HTTP edge: the big-body attack and friends', () => {
  let logs: Capture;
  before(() => {
    logs = captureLogs();
  });
  after(() => logs.restore());

  it('answers 403 without a stack to a 3.2 MiB binary body (base64 in the FC event) without the token', async () => {
    const { a, json } = await call(fcEvent(attack()));
    assert.equal(a.statusCode, 403);
    assert.equal(json.error, 'forbidden: missing or wrong callback token');
    assert.equal(json.requestId, 'req-edge-1');
  });

  it('answers 413 naming the limit to the same body with the right token', async () => {
    const { a, json } = await call(fcEvent(attack({ token: TOKEN })));
    assert.equal(a.statusCode, 413);
    assert.match(String(json.error), /request body is \d+ bytes; the limit is 65536 bytes/);
  });

  it('checks the token before the body: an unparseable body without the token is a 403, not a 400', () => {
    for (const body of ['!!not base64!!', 'A'.repeat(5)]) {
      const e = fcEvent({ method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (x) => {
        x.body = body;
        x.isBase64Encoded = true;
      });
      assert.deepEqual(readEdge(e, policy, env), {
        kind: 'reject',
        http: true,
        status: 403,
        error: 'forbidden: missing or wrong callback token',
      });
    }
  });

  it('answers 400 naming the method to a lower-case `post` with the right token', async () => {
    const e = fcEvent(
      {
        method: 'POST',
        query: { token: TOKEN },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: FORM,
      },
      (x) => {
        x.requestContext.http.method = 'post';
      },
    );
    const { a, json } = await call(e);
    assert.equal(a.statusCode, 400);
    assert.match(String(json.error), /method "post" is not an upper-case HTTP method; use POST/);
  });

  it('answers 403 to a lower-case method without the token, and 405 to a GET with it', async () => {
    const lower = fcEvent({ method: 'POST', body: FORM }, (x) => {
      x.requestContext.http.method = 'post';
    });
    assert.equal((await call(lower)).a.statusCode, 403);
    const get = await call(fcEvent({ method: 'GET', query: { token: TOKEN } }));
    assert.equal(get.a.statusCode, 405);
    assert.match(String(get.json.error), /method GET not allowed; use POST/);
  });

  it('the log keeps the refusal with the request id', () => {
    const refusals = logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'event refused');
    assert.ok(refusals.length >= 4);
    for (const r of refusals) {
      assert.equal(r.requestId, 'req-edge-1');
      assert.equal(r.fn, 'alarm-failover');
    }
  });
});

describe('the same attack through the local Function Compute invoker (worker thread, FC error mapping)', () => {
  let inv: LocalInvoker;
  before(() => {
    inv = createLocalInvoker({
      functionsDir: fileURLToPath(new URL('../../functions', import.meta.url)),
      credentialsProvider: () => ({ accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'st' }),
      region: 'cn-hangzhou',
      accountId: '1234567890',
      freshInstance: false,
      env: { FLEET_DR_POLICY: POLICY_FILE, [policy.secrets.callbackTokenEnv]: TOKEN, FLEET_DR_LOG: 'off' },
    });
  });
  after(async () => inv?.close());

  it('answers 403 over the HTTP mapping, the instance survives, and nothing carries a stack', async () => {
    const r = await inv.invokeHttp('alarm-failover', attack());
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.statusCode, 403);
    assertNoStack(r.body.toString('utf8'));
    const again = await inv.invokeHttp('alarm-failover', attack({ token: TOKEN }));
    assert.equal(again.statusCode, 413);
    assertNoStack(again.body.toString('utf8'));
  });
});
