import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EventParseError } from '../../shared/errors';
import { parseEvent } from '../../shared/schemas/parse-event';
import { allSamples, sample } from './samples';

// Whatever arrives, parseEvent either returns events or throws EventParseError with one line: never a
// TypeError from deep inside a schema, which a handler would report as a bug instead of a bad event.
function onlyEventParseErrors(input: unknown): void {
  try {
    parseEvent(input);
  } catch (err) {
    assert.ok(err instanceof EventParseError, `${(err as Error).name}: ${(err as Error).message}`);
    assert.ok(!err.message.includes('\n'));
  }
}

describe('parseEvent on arbitrary input', () => {
  it('fails only with EventParseError on random JSON values, strings and bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array({ maxLength: 64 })), (v) => {
        onlyEventParseErrors(v instanceof Uint8Array ? Buffer.from(v) : v);
      }),
      { numRuns: 300 },
    );
  });

  it('fails only with EventParseError when a valid sample has one field replaced', () => {
    const valid = allSamples().filter((s) => s.valid);
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.jsonValue(), fc.nat(), (s, value, pick) => {
        const copy = structuredClone(sample<unknown>(s.source, s.variant));
        const target = (Array.isArray(copy) ? copy[0] : copy) as Record<string, unknown>;
        const keys = Object.keys(target);
        target[keys[pick % keys.length] ?? 'x'] = value;
        onlyEventParseErrors(copy);
      }),
      { numRuns: 300 },
    );
  });

  it('fails only with EventParseError on every prefix of a sample (truncation)', () => {
    const text = JSON.stringify(sample('eventbridge-cs', 'actiontrail-api-call'));
    for (let n = 0; n < text.length; n += 7) onlyEventParseErrors(Buffer.from(text.slice(0, n)));
  });
});
