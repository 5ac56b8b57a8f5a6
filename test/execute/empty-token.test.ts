/**
 * An empty callback token is never a match: if the token's environment variable is set but empty (a
 * deployment that forgot to fill it in), a request with `?token=` (empty) must still get 403, as must one with
 * no token at all. Checked at each layer: the comparison, the edge check, the alarm edge and the handler.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readEdge } from '../../functions/alarm-failover/edge';
import { handler } from '../../functions/alarm-failover/handler';
import { buildHttpTriggerEvent } from '../../sandbox/invoker/http-event';
import { checkToken, httpTriggerView, tokenMatches } from '../../shared/runtime/http-edge';
import { examplePolicy } from '../clients/fixture';
import { type Capture, captureLogs } from '../clients/log-capture';

const policy = examplePolicy();
const TOKEN_ENV = policy.secrets.callbackTokenEnv;
const FORBIDDEN = { status: 403, error: 'forbidden: missing or wrong callback token' };
const FORM =
  'alertName=a&alertState=ALERT&metricName=Availability&timestamp=1748765700000&dimensions=%7BtaskId%3Dc-ack-az1%7D';

/** The FC HTTP trigger event of a well-formed alarm callback with `query`. */
const callback = (query: Record<string, string>) =>
  Buffer.from(
    JSON.stringify(
      buildHttpTriggerEvent(
        {
          method: 'POST',
          path: '/alarm',
          query,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: FORM,
        },
        {
          requestId: '1-empty-token',
          accountId: '1234567890',
          region: 'cn-hangzhou',
          functionName: 'fleet-dr-alarm-failover',
        },
      ),
    ),
  );

describe('an empty callback token is never a match', () => {
  let logs: Capture;
  before(() => {
    logs = captureLogs();
  });
  after(() => logs.restore());

  it('tokenMatches: empty or missing on either side is false; equal non-empty tokens are true', () => {
    assert.equal(tokenMatches('', ''), false);
    assert.equal(tokenMatches('', undefined), false);
    assert.equal(tokenMatches(undefined, ''), false);
    assert.equal(tokenMatches(undefined, undefined), false);
    assert.equal(tokenMatches('s3cret', ''), false);
    assert.equal(tokenMatches('', 's3cret'), false);
    assert.equal(tokenMatches('s3cret', 's3cret'), true);
    assert.equal(tokenMatches('s3cret', 's3cre'), false);
  });

  it('checkToken: 403 for `?token=` against an expected token that is empty', () => {
    const view = httpTriggerView(callback({ token: '' }));
    assert.ok(view);
    assert.equal(view.query.token, '', 'the empty token arrives as an empty string');
    assert.deepEqual(checkToken(view, ''), FORBIDDEN);
    assert.deepEqual(checkToken(httpTriggerView(callback({}))!, ''), FORBIDDEN);
    assert.equal(checkToken(httpTriggerView(callback({ token: 'x' }))!, 'x'), undefined);
  });

  it('the alarm edge refuses `?token=` when the environment variable is set but empty', () => {
    const env = { [TOKEN_ENV]: '' };
    assert.deepEqual(readEdge(callback({ token: '' }), policy, env), {
      kind: 'reject',
      http: true,
      ...FORBIDDEN,
    });
    assert.deepEqual(readEdge(callback({}), policy, env), { kind: 'reject', http: true, ...FORBIDDEN });
    const right = readEdge(callback({ token: 'set' }), policy, { [TOKEN_ENV]: 'set' });
    assert.equal(right.kind, 'alarms', 'a set token that matches passes the edge');
  });

  it('the handler answers 403 to `?token=` with the variable set but empty, and acts on nothing', async () => {
    const saved = { token: process.env[TOKEN_ENV], policy: process.env.FLEET_DR_POLICY };
    process.env[TOKEN_ENV] = '';
    process.env.FLEET_DR_POLICY = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));
    try {
      const a = (await handler(callback({ token: '' }), { requestId: 'req-empty-token' })) as {
        statusCode: number;
        headers: Record<string, string>;
        isBase64Encoded: boolean;
        body: string;
      };
      assert.equal(a.statusCode, 403);
      assert.equal(a.isBase64Encoded, false, 'a JSON answer, not base64');
      assert.equal(a.headers['content-type'], 'application/json');
      assert.equal(JSON.parse(a.body).error, FORBIDDEN.error);
      const msgs = logs.lines
        .map((l) => JSON.parse(l) as { requestId?: string; msg?: string })
        .filter((l) => l.requestId === 'req-empty-token')
        .map((l) => l.msg);
      assert.deepEqual(msgs, ['event refused'], 'refused at the edge: no decision, no client call');
    } finally {
      for (const [k, v] of [
        [TOKEN_ENV, saved.token],
        ['FLEET_DR_POLICY', saved.policy],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
