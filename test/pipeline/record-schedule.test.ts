/**
 * When the routing outbox's records run (shared/pipeline/record-schedule.ts): which are due, and the backoff
 * of a failed one. finish-committed.test.ts covers the same rules through finishCommitted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dueRecords,
  isRecordDue,
  MAX_RECORD_BACKOFF_MS,
  recordBackoffMs,
  retryAt,
} from '../../shared/pipeline/record-schedule';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('which records are due', () => {
  const cases: Array<[string, string | null, boolean]> = [
    ['never put off', null, true],
    ['put off until now', iso(NOW), true],
    ['put off until a moment ago', iso(NOW - 1), true],
    ['put off until later', iso(NOW + 1), false],
  ];
  for (const [name, notBefore, due] of cases)
    it(name, () => assert.equal(isRecordDue({ notBefore }, NOW), due));

  it('keeps the outbox order', () => {
    const records = [
      { id: 'a', notBefore: null },
      { id: 'b', notBefore: iso(NOW + 5_000) },
      { id: 'c', notBefore: iso(NOW - 5_000) },
    ];
    assert.deepEqual(
      dueRecords(records, NOW).map((r) => r.id),
      ['a', 'c'],
    );
  });
});

describe('the backoff of a failed record', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [6, 160_000],
    [7, MAX_RECORD_BACKOFF_MS],
    [30, MAX_RECORD_BACKOFF_MS],
  ];
  for (const [attempts, ms] of cases)
    it(`after ${attempts} earlier failure(s): ${ms} ms`, () => assert.equal(recordBackoffMs(attempts), ms));

  it('retryAt is now plus the backoff, as ISO-8601', () => {
    assert.equal(retryAt(0, NOW), iso(NOW));
    assert.equal(retryAt(2, NOW), iso(NOW + 10_000));
  });
});
