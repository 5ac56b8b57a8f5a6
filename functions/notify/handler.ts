/**
 * notify (deployed as fleet-dr-notify): finishes what committed decisions left in the routing state's outbox
 * (pipeline/finish-committed.ts), then drains the DingTalk outbox. Invoked by a timer every minute, so
 * deferred messages go out when DingTalk allows, and asynchronously by a decision as soon as it queued a message
 * (`deliverOnly`: that run only delivers). Undeliverable messages are reported, never dropped. An empty outbox
 * costs reads and writes nothing.
 *
 * The clock is the system clock, always. A timer event's `triggerTime` is only information (logged and
 * echoed in the answer): the outbox stamps sends, retries and DingTalk's throttle window with the time it is
 * given, and the robot checks the signature's timestamp against its own clock, so one event dated 2099 would
 * otherwise park the outbox in the future for good.
 */
import { finishLeftovers } from '../../shared/pipeline/run-decision';
import { createHandler, ok } from '../../shared/runtime/handler-shell';
import { parseEvent } from '../../shared/schemas/parse-event';

/** How far a timer's triggerTime may be from the system clock before the log says so. */
const CLOCK_SKEW_WARN_MS = 5 * 60_000;

/** The timer's triggerTime, when the event is a timer event (information only; never the clock). */
export function triggerTimeOf(input: unknown): Date | undefined {
  try {
    const timer = parseEvent(input).find((e) => e.kind === 'timer');
    if (timer && timer.kind === 'timer') return timer.time;
  } catch {
    // An async wake-up from alarm-failover is plain JSON, not a trigger event: it carries no time.
  }
  return undefined;
}

/**
 * A wake-up from a function that just queued a message (`{ deliverOnly: true }`): that function finishes its
 * own outbox records, so this run only delivers; the minute timer finishes what invocations leave.
 */
export function deliverOnly(input: unknown): boolean {
  try {
    const text = Buffer.isBuffer(input) ? input.toString('utf8') : typeof input === 'string' ? input : '';
    const v = text ? (JSON.parse(text) as { deliverOnly?: unknown }) : input;
    return typeof v === 'object' && v !== null && (v as { deliverOnly?: unknown }).deliverOnly === true;
  } catch {
    return false;
  }
}

/** The FC 3.0 handler. */
export const handler = createHandler({
  fn: 'notify',
  moduleUrl: import.meta.url,
  async run(inv) {
    const { log } = inv;
    const triggerTime = triggerTimeOf(inv.input);
    const now = Date.now();
    if (triggerTime && Math.abs(triggerTime.getTime() - now) > CLOCK_SKEW_WARN_MS)
      log.warn('timer triggerTime is far from the system clock; using the system clock', {
        triggerTime: triggerTime.toISOString(),
        now: new Date(now).toISOString(),
      });
    // First finish what committed decisions left undone (a failed audit write, a message not yet handed to
    // the DingTalk outbox, weights or membership a crash interrupted), then deliver.
    const finished = deliverOnly(inv.input)
      ? { actions: [], errors: [], pending: undefined }
      : await finishLeftovers(inv.wiring(), log);
    const outbox = await inv.wiring().outbox(Date.now, log);
    const report = await outbox.deliver();
    log.info('outbox drained', {
      delivered: report.delivered.length,
      pending: report.pending.length,
      undeliverable: report.undeliverable,
      deferredUntil: report.deferredUntil,
    });
    return ok({
      now: new Date(now).toISOString(),
      ...(triggerTime ? { triggerTime: triggerTime.toISOString() } : {}),
      ...report,
      finished: { actions: finished.actions, errors: finished.errors, pending: finished.pending },
    });
  },
});
