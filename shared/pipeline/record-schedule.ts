/**
 * When the routing outbox's records run, as pure functions (no clock: `now` is an argument). A record is due
 * unless a failure put it off (`notBefore` in the future); a failed one is retried at once (the next pass),
 * then after 5 s, 10 s, 20 s, … at most 5 min. finish-committed.ts carries the records out around them.
 */
import type { OutboxRecord } from '../decision/routing-state';

/** The longest wait between two tries of a record. */
export const MAX_RECORD_BACKOFF_MS = 300_000;

/** The wait before retrying a record that has failed `attempts` times before this failure (0: at once). */
export function recordBackoffMs(attempts: number): number {
  return attempts === 0 ? 0 : Math.min(MAX_RECORD_BACKOFF_MS, 5_000 * 2 ** (attempts - 1));
}

/** When a record that just failed (after `attempts` earlier failures) may be tried again, as ISO-8601. */
export function retryAt(attempts: number, now: number): string {
  return new Date(now + recordBackoffMs(attempts)).toISOString();
}

/** A record to carry out now: never put off, or its `notBefore` has come. */
export function isRecordDue(record: Pick<OutboxRecord, 'notBefore'>, now: number): boolean {
  return !(record.notBefore && Date.parse(record.notBefore) > now);
}

/** The records to carry out now, in outbox order. */
export function dueRecords<R extends Pick<OutboxRecord, 'notBefore'>>(
  records: readonly R[],
  now: number,
): R[] {
  return records.filter((r) => isRecordDue(r, now));
}
