import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpRequestEvent } from '../../shared/schemas/fc-http';
import { parseEvent, parseHttpTrigger } from '../../shared/schemas/parse-event';
import { sample, sampleBytes } from './samples';

// biome-ignore lint/suspicious/noExplicitAny: the cases break arbitrary nested fields of a copied sample
type Loose = Record<string, any>;

describe('FC 3.0 HTTP trigger', () => {
  it('decodes the request: method, path, query, lower-case headers, body bytes', () => {
    const r = parseHttpTrigger(sampleBytes('fc-http', 'post-json-base64'));
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/failback');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body.toString('utf8')), {
      action: 'failback',
      route: 'web-demo',
      step: 10,
    });
    assert.equal(r.time?.getTime(), 1748765700123);
  });

  it('keeps the alarm callback token readable for the handler', () => {
    const r = parseHttpTrigger(sampleBytes('cloudmonitor-alarm', 'http-form-alert'));
    assert.equal(r.query.token, 'callback-token-from-env');
    assert.match(r.body.toString('utf8'), /^alertName=ack-az1-probe&/);
  });

  it('normalises an ordinary request into an http event, with secrets redacted', () => {
    const ev = structuredClone(sample('fc-http', 'get-status'));
    (ev.queryParameters as Record<string, string>).token = 'abc';
    (ev.headers as Record<string, string>).Authorization = 'Bearer x';
    const [e] = parseEvent(ev) as HttpRequestEvent[];
    assert.equal(e?.kind, 'http');
    assert.equal(e?.method, 'GET');
    assert.equal(e?.query.route, 'web-demo');
    assert.equal(e?.query.token, '[redacted]');
    assert.equal(e?.headers.authorization, '[redacted]');
    assert.equal(e?.bodyBytes, 0);
  });

  it('turns a form body with alarm fields into the alarm, not an http event', () => {
    const [e] = parseEvent(sampleBytes('cloudmonitor-alarm', 'http-form-alert'));
    assert.equal(e?.kind, 'alarm');
  });

  for (const [what, breakIt, reason] of [
    [
      'version v2',
      (e: Loose) => {
        e.version = 'v2';
      },
      /version must be "v1"/,
    ],
    [
      'no method',
      (e: Loose) => {
        delete e.requestContext.http.method;
      },
      /method: required/,
    ],
    [
      'a relative rawPath',
      (e: Loose) => {
        e.rawPath = 'status';
      },
      /rawPath must start with \//,
    ],
    [
      'no requestId',
      (e: Loose) => {
        delete e.requestContext.requestId;
      },
      /requestId: required/,
    ],
    [
      'a numeric header',
      (e: Loose) => {
        e.headers['X-N'] = 1;
      },
      /headers/,
    ],
  ] as const) {
    it(`rejects ${what}`, () => {
      const e = structuredClone(sample('fc-http', 'get-status'));
      breakIt(e);
      assert.throws(() => parseEvent(e), reason);
      assert.throws(() => parseHttpTrigger(e), reason);
    });
  }

  it('parseHttpTrigger refuses other events', () => {
    assert.throws(
      () => parseHttpTrigger(sampleBytes('fc-timer', 'every-minute')),
      /not an FC HTTP trigger event/,
    );
  });
});
