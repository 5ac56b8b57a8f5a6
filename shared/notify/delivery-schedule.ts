/**
 * The DingTalk outbox's delivery rules as pure functions (no I/O, no clock: `now` is an argument): which
 * messages are due, how many of them fit the robot's per-minute budget, what a send's outcome does to a
 * message (delivered, retried after a backoff, undeliverable) and how long the robot is deferred after a
 * 130101. The Outbox (outbox.ts) is the shell that reads and commits the document around them.
 */
import { DINGTALK_THROTTLED } from './dingtalk-client';

/** DingTalk's window for the per-minute limit. */
export const RATE_WINDOW_MS = 60_000;

/** The delivery limits; the Outbox's options override them (tests shorten the timers). */
export interface DeliveryLimits {
  /** Sends per robot in any RATE_WINDOW_MS. */
  perMinute: number;
  /** How long the robot is left alone after DingTalk throttled it (130101). */
  deferMs: number;
  /** Failed attempts after which a message is `undeliverable` (kept and reported, never dropped). */
  maxAttempts: number;
  /** Backoff after the first failed attempt; it doubles with each further one. */
  backoffMs: number;
  /** How long a claim holds a message before another deliverer may take it over. */
  claimMs: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  perMinute: 20,
  deferMs: 600_000,
  maxAttempts: 8,
  backoffMs: 30_000,
  claimMs: 60_000,
};

/** One robot's recent sends (epoch ms) and the end of its deferral, as kept in the outbox. */
export interface RobotWindow {
  sent: number[];
  deferredUntil: number | null;
}

/** The fields of a message the schedule reads. */
export interface ScheduledMessage {
  robotId: string;
  state: 'pending' | 'sending' | 'undeliverable';
  attempts: number;
  partsSent: number;
  nextAttemptAt: number;
  claimUntil: number | null;
}

/**
 * The robot's window at `now`: sends older than RATE_WINDOW_MS forgotten, an ended deferral cleared.
 * `deferred` is true while the robot is still deferred (nothing may be sent; the window is then left as is).
 */
export function robotWindowAt(
  robot: RobotWindow | undefined,
  now: number,
): { window: RobotWindow; deferred: boolean } {
  const sent = (robot?.sent ?? []).filter((s) => s > now - RATE_WINDOW_MS);
  const deferredUntil = robot?.deferredUntil ?? null;
  if (deferredUntil !== null && deferredUntil > now)
    return { window: { sent, deferredUntil }, deferred: true };
  return { window: { sent, deferredUntil: null }, deferred: false };
}

/** A message to try now: pending and past its backoff, or claimed by a deliverer whose claim has expired. */
export function isDue(
  m: Pick<ScheduledMessage, 'state' | 'nextAttemptAt' | 'claimUntil'>,
  now: number,
): boolean {
  return (
    (m.state === 'pending' && m.nextAttemptAt <= now) || (m.state === 'sending' && (m.claimUntil ?? 0) < now)
  );
}

/**
 * The robot's due messages that fit the budget, in outbox order, each with the parts it still needs. The
 * first due message that does not fit stops the choice: a later message never overtakes an earlier one.
 */
export function chooseToSend<M extends ScheduledMessage>(
  messages: readonly M[],
  robotId: string,
  now: number,
  budget: number,
  partsOf: (m: M) => number,
): Array<{ message: M; parts: number }> {
  const chosen: Array<{ message: M; parts: number }> = [];
  let left = budget;
  for (const m of messages) {
    if (m.robotId !== robotId || !isDue(m, now)) continue;
    const parts = partsOf(m) - m.partsSent;
    if (parts > left) break;
    left -= parts;
    chosen.push({ message: m, parts });
  }
  return chosen;
}

/** The wait before the next attempt of a message that has failed `attempts` times (30 s, 60 s, 120 s, …). */
export function retryDelayMs(attempts: number, backoffMs: number): number {
  return backoffMs * 2 ** Math.max(0, attempts - 1);
}

/**
 * A failed send's effect on a message: one attempt used (a throttle, 130101, is DingTalk's rule and uses
 * none), `undeliverable` once the attempts are used up, otherwise pending until the backoff has passed.
 */
export function afterFailure(
  attempts: number,
  errorCode: string,
  now: number,
  limits: Pick<DeliveryLimits, 'maxAttempts' | 'backoffMs'>,
): { attempts: number; state: 'pending' | 'undeliverable'; nextAttemptAt: number } {
  const used = errorCode === DINGTALK_THROTTLED ? attempts : attempts + 1;
  return {
    attempts: used,
    state: used >= limits.maxAttempts ? 'undeliverable' : 'pending',
    nextAttemptAt: now + retryDelayMs(used, limits.backoffMs),
  };
}
