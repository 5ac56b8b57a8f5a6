/**
 * notify: drains the DingTalk outbox. Invoked asynchronously by alarm-failover after a decision and by a
 * timer every minute, so deferred messages go out when DingTalk allows. `now` is the timer's triggerTime
 * (Date.now() for an async invocation). Undeliverable messages are reported, never dropped.
 */
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../shared/config';
import { loadPolicyFromEnv } from '../../shared/config-loader';
import { createLogger } from '../../shared/log';
import { applyLogSetting, type FcContext, wire } from '../../shared/runtime/wiring';
import { parseEvent } from '../../shared/schemas/parse-event';

let policy: Policy | undefined;
applyLogSetting();

/** The clock of this invocation: the timer's triggerTime, else the wall clock. */
export function invocationTime(event: Buffer): number {
  try {
    const timer = parseEvent(event).find((e) => e.kind === 'timer');
    if (timer && timer.kind === 'timer') return timer.time.getTime();
  } catch {
    // An async wake-up from alarm-failover is plain JSON, not a trigger event: use the wall clock.
  }
  return Date.now();
}

/** The FC 3.0 handler. */
export async function handler(event: Buffer, context: FcContext) {
  const log = createLogger(context.requestId ?? 'local', { fn: 'notify' });
  policy ??= loadPolicyFromEnv(process.env, fileURLToPath(new URL('.', import.meta.url)));
  const now = invocationTime(event);
  const outbox = await wire(policy, context).outbox(() => now, log);
  const report = await outbox.deliver();
  log.info('outbox drained', {
    delivered: report.delivered.length,
    pending: report.pending.length,
    undeliverable: report.undeliverable,
    deferredUntil: report.deferredUntil,
  });
  return { now: new Date(now).toISOString(), ...report };
}
