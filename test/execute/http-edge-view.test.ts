/**
 * The HTTP edge helpers on events a caller may have bent out of shape (the mutation run found these edges
 * unguarded): the view reads only what has the right type and falls back to nothing, never to a wrong value;
 * bytes that do not decode are no HTTP event at all; the body limit is inclusive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkBodySize,
  httpJson,
  httpTriggerView,
  MAX_HTTP_BODY_BYTES,
} from '../../shared/runtime/http-edge';

const event = (extra: Record<string, unknown> = {}) => ({
  version: 'v1',
  rawPath: '/alarm',
  body: 'a=1',
  isBase64Encoded: false,
  headers: {},
  queryParameters: { token: 't' },
  requestContext: { requestId: 'r-1', http: { method: 'POST', path: '/alarm' } },
  ...extra,
});

describe('httpTriggerView on bent events', () => {
  it('reads method, query, body, base64 flag and request id from a well-formed event', () => {
    const v = httpTriggerView(Buffer.from(JSON.stringify(event({ isBase64Encoded: true, body: 'YT0x' }))));
    assert.ok(v);
    assert.deepEqual(
      { method: v.method, query: v.query, body: v.body, b64: v.isBase64Encoded, id: v.requestId },
      { method: 'POST', query: { token: 't' }, body: 'YT0x', b64: true, id: 'r-1' },
    );
  });

  it('keeps only string query values and only a boolean true base64 flag', () => {
    const v = httpTriggerView(
      event({
        queryParameters: { token: ['a', 'b'], n: 3, ok: 'yes', o: { x: 1 } },
        isBase64Encoded: 'true',
      }),
    );
    assert.deepEqual(v?.query, { ok: 'yes' });
    assert.equal(v?.isBase64Encoded, false);
  });

  it('falls back to nothing where a part has the wrong type, never to the wrong value', () => {
    for (const bad of ['POST', ['POST'], null, 7]) {
      const v = httpTriggerView(event({ requestContext: bad, queryParameters: ['token=t'] }));
      assert.ok(v, `requestContext ${JSON.stringify(bad)}: still an HTTP event by its shape`);
      assert.equal(v.method, undefined);
      assert.equal(v.requestId, undefined);
      assert.deepEqual(v.query, {});
    }
    assert.deepEqual(httpTriggerView(event({ queryParameters: 'token=t' }))?.query, {});
    assert.equal(httpTriggerView(event({ requestContext: { http: null } }))?.method, undefined);
    const noHttp = httpTriggerView(event({ requestContext: { requestId: 7, http: 'POST' } }));
    assert.equal(noHttp?.method, undefined);
    assert.equal(noHttp?.requestId, undefined);
    const arrays = httpTriggerView(event({ requestContext: { http: [{ method: 'POST' }] }, body: { a: 1 } }));
    assert.equal(arrays?.method, undefined);
    assert.equal(arrays?.body, '');
    const wrongMethod = httpTriggerView(event({ requestContext: { http: { method: 42 } } }));
    assert.equal(wrongMethod?.method, undefined);
  });

  it('is not an HTTP event when the bytes do not decode, or the value has no HTTP shape', () => {
    assert.equal(httpTriggerView(Buffer.from([0xff, 0xfe, 0x00])), undefined);
    assert.equal(httpTriggerView(Buffer.alloc(0)), undefined);
    assert.equal(httpTriggerView({ triggerTime: '2026-01-01T00:00:00Z' }), undefined);
    assert.equal(httpTriggerView([event()]), undefined);
  });
});

describe('the body limit and the answer', () => {
  const sized = (bytes: number) => httpTriggerView(event({ body: 'x'.repeat(bytes) }))!;

  it('allows a body of exactly the limit and refuses one byte more with 413', () => {
    assert.equal(checkBodySize(sized(MAX_HTTP_BODY_BYTES)), undefined);
    assert.equal(checkBodySize(sized(MAX_HTTP_BODY_BYTES + 1))?.status, 413);
    assert.equal(checkBodySize(sized(10), 10), undefined);
    assert.equal(checkBodySize(sized(11), 10)?.status, 413);
  });

  it('answers JSON, not base64, with the caller’s headers added', () => {
    assert.deepEqual(httpJson(403, { error: 'no' }, { 'x-request-id': 'r-1' }), {
      statusCode: 403,
      headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
      isBase64Encoded: false,
      body: '{"error":"no"}',
    });
  });
});
