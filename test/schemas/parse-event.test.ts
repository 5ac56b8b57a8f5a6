import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EventParseError } from '../../shared/errors';
import { parseEvent } from '../../shared/schemas/parse-event';
import { allSamples, sampleBytes } from './samples';

describe('parseEvent', () => {
  const samples = allSamples();

  it('has valid and invalid samples for every source', () => {
    for (const source of ['cloudmonitor-alarm', 'eventbridge-cs', 'fc-timer', 'fc-http']) {
      assert.ok(
        samples.some((s) => s.source === source && s.valid),
        `${source} valid`,
      );
      assert.ok(
        samples.some((s) => s.source === source && !s.valid),
        `${source} invalid`,
      );
    }
  });

  for (const s of samples) {
    it(`${s.valid ? 'accepts' : 'rejects'} ${s.source}/${s.variant} as Buffer, string and object`, () => {
      const bytes = readFileSync(s.path);
      if (s.valid) {
        const fromBuffer = parseEvent(bytes);
        assert.ok(fromBuffer.length >= 1);
        assert.deepEqual(parseEvent(bytes.toString('utf8')), fromBuffer);
        assert.deepEqual(parseEvent(JSON.parse(bytes.toString('utf8'))), fromBuffer);
      } else {
        assert.throws(
          () => parseEvent(bytes),
          (e: Error) => e instanceof EventParseError && e.message.length > 0 && !e.message.includes('\n'),
        );
      }
    });
  }

  it('wraps one object or a batch the same way', () => {
    const one = JSON.parse(sampleBytes('fc-timer', 'every-minute').toString('utf8'));
    assert.deepEqual(parseEvent([one, one]), [...parseEvent(one), ...parseEvent(one)]);
  });

  for (const [what, input, reason] of [
    ['an empty Buffer', Buffer.alloc(0), /empty event/],
    ['whitespace', ' \n\t', /empty event/],
    ['undefined', undefined, /empty event/],
    ['an empty array', [], /empty batch/],
    ['an empty object', {}, /unrecognised event: an empty object/],
    ['a number', 42, /unrecognised event: a number/],
    ['binary bytes', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]), /binary data/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), /not UTF-8/],
    ['truncated JSON', '{"triggerTime":"2025-06-01T08:15:00Z","trigg', /truncated JSON/],
    ['malformed JSON', '{"a":1,,}', /malformed JSON/],
    ['HTML', '<html>oops</html>', /not JSON and not a form body/],
    ['a form without alarm fields', 'a=1&b=2', /unrecognised form body/],
    [
      'a CloudEvent from another source',
      {
        specversion: '1.0',
        id: '1',
        source: 'acs.oss',
        type: 'oss:Put',
        time: '2025-06-01T00:00:00Z',
        data: {},
      },
      /unrecognised CloudEvents event/,
    ],
  ] as const) {
    it(`rejects ${what} with a one-line reason`, () => {
      assert.throws(
        () => parseEvent(input),
        (e: Error) => e instanceof EventParseError && reason.test(e.message) && !e.message.includes('\n'),
      );
    });
  }
});
