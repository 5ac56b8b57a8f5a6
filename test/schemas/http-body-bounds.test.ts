import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EventParseError } from '../../shared/errors';
import { httpBodyBytes, isBase64, MAX_HTTP_BODY_BYTES } from '../../shared/schemas/fc-http';
import { parseEvent, parseHttpTrigger } from '../../shared/schemas/parse-event';
import { sample } from './samples';

// The regular expression the parser used before: correct on small inputs, a stack overflow on a few MiB.
const OLD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** An FC HTTP trigger event (the failback sample) carrying `body` as base64. */
const withBody = (body: Buffer | string, isBase64Encoded = true) => {
  const e = structuredClone(sample('fc-http', 'post-json-base64'));
  e.body = isBase64Encoded ? Buffer.from(body).toString('base64') : String(body);
  e.isBase64Encoded = isBase64Encoded;
  return e;
};

/** The attack body: ~3.2 MiB of random binary data. */
const attackBody = () => randomBytes(Math.round(3.2 * 1024 * 1024));

describe('HTTP trigger bodies: bounded and checked in linear time', () => {
  it('refuses a 3.2 MiB base64 body with a clear parse error, not a stack overflow', () => {
    for (const parse of [parseEvent, parseHttpTrigger] as const)
      assert.throws(
        () => parse(Buffer.from(JSON.stringify(withBody(attackBody())))),
        (e: unknown) =>
          e instanceof EventParseError &&
          /body of \d+ bytes exceeds the 65536-byte limit/.test(e.message) &&
          !e.message.includes('\n'),
      );
  });

  it('refuses an oversized plain-text body the same way', () => {
    const text = `alertName=x&alertState=ALERT&pad=${'a'.repeat(MAX_HTTP_BODY_BYTES)}`;
    assert.throws(() => parseEvent(withBody(text, false)), /exceeds the 65536-byte limit/);
  });

  it('accepts a body of exactly the limit, and one byte more is refused', () => {
    const at = parseHttpTrigger(withBody(Buffer.alloc(MAX_HTTP_BODY_BYTES, 7)));
    assert.equal(at.body.length, MAX_HTTP_BODY_BYTES);
    assert.throws(() => parseHttpTrigger(withBody(Buffer.alloc(MAX_HTTP_BODY_BYTES + 1, 7))), /exceeds/);
  });

  it('checks base64 with a linear scan that agrees with the old regular expression', () => {
    const alphabet = 'ABCXYZabcxyz0189+/= \n-_.';
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((a) => a.join('')),
        (s) => {
          assert.equal(isBase64(s), OLD_BASE64.test(s.replace(/\s+/g, '')), JSON.stringify(s));
        },
      ),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        assert.ok(isBase64(b64));
        assert.ok(isBase64(b64.replace(/=+$/, '')), 'unpadded is accepted');
      }),
    );
    // The old expression overflows the stack on the attack's size; the scan just answers.
    const big = attackBody().toString('base64');
    assert.throws(() => OLD_BASE64.test(big), RangeError);
    assert.equal(isBase64(big), true);
    assert.equal(isBase64(`${big}!`), false);
  });

  it('measures the decoded size without decoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, unpadded) => {
        let b64 = Buffer.from(bytes).toString('base64');
        if (unpadded) b64 = b64.replace(/=+$/, '');
        assert.equal(httpBodyBytes(b64, true), bytes.length);
      }),
    );
    assert.equal(httpBodyBytes('héllo', false), 6, 'plain bodies count UTF-8 bytes');
  });

  it('still parses a form callback and an ordinary request body', () => {
    const [alarm] = parseEvent(
      withBody('alertName=a&alertState=OK&metricName=m&timestamp=1748765700000', false),
    );
    assert.equal(alarm?.kind, 'alarm');
    const [other] = parseEvent(withBody('{"hello":"alertName=x"}', false));
    assert.equal(other?.kind, 'http', 'alertName inside another field is not a callback');
  });
});
