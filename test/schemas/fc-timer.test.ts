import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimerEvent } from '../../shared/schemas/fc-timer';
import { parseEvent } from '../../shared/schemas/parse-event';
import { sample, sampleBytes } from './samples';

describe('FC timer trigger', () => {
  it('normalises the trigger name, time and payload', () => {
    const [e] = parseEvent(sampleBytes('fc-timer', 'json-payload')) as TimerEvent[];
    assert.equal(e?.kind, 'timer');
    assert.equal(e?.triggerName, 'reconcile');
    assert.equal(e?.time.toISOString(), '2025-06-01T08:16:00.000Z');
    assert.deepEqual(JSON.parse(e?.payload ?? ''), { task: 'reconcile', routes: ['web-demo'] });
  });

  it('accepts an empty or missing payload and a time with an offset', () => {
    const t = structuredClone(sample('fc-timer', 'every-minute'));
    delete t.payload;
    t.triggerTime = '2025-06-01T16:15:00+08:00';
    const [e] = parseEvent(t) as TimerEvent[];
    assert.equal(e?.payload, '');
    assert.equal(e?.time.toISOString(), '2025-06-01T08:15:00.000Z');
  });

  for (const [what, field, value, reason] of [
    ['a non-ISO time', 'triggerTime', 'yesterday', /triggerTime must be an RFC 3339/],
    ['an empty trigger name', 'triggerName', '', /triggerName must not be empty/],
    ['a non-string payload', 'payload', { task: 1 }, /payload/],
  ] as const) {
    it(`rejects ${what}`, () => {
      const t = structuredClone(sample('fc-timer', 'every-minute'));
      t[field] = value;
      assert.throws(() => parseEvent(t), reason);
    });
  }
});
