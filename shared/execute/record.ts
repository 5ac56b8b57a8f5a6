/**
 * Recording a decision: the audit event (CloudMonitor PutCustomEvent, one per decision, holds included) and
 * the DingTalk message (outbox, then an async wake-up of `notify`). A failure here is reported in the answer
 * and logged, never thrown: the routing change is already committed, and throwing would make CloudMonitor
 * retry an alarm that is now a duplicate.
 */
import type { Logger } from '../log';
import type { Notification } from '../notify/dingtalk';
import type { Plan } from '../policy/types';
import type { Wiring } from '../runtime/wiring';

/** Where a record step reports. */
export interface RecordContext {
  w: Wiring;
  log: Logger;
  plan: Plan;
  actions: string[];
  errors: string[];
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Writes the audit event of a decision. */
export async function writeAudit(r: RecordContext, content: Record<string, unknown>): Promise<void> {
  try {
    await r.w.cms.putAuditEvent({ eventName: 'fleet-dr-decision', content });
    r.actions.push('audit event written');
  } catch (e) {
    r.errors.push(`audit event: ${msg(e)}`);
    r.log.error('audit event not written', { error: msg(e) });
  }
}

/** Queues the message in the outbox and wakes `notify` (its timer drains the outbox anyway). */
export async function queueMessage(r: RecordContext, n: Notification, notifyFunction: string): Promise<void> {
  try {
    const outbox = await r.w.outbox(Date.now, r.log);
    await outbox.enqueue(n);
    r.actions.push('notification queued');
  } catch (e) {
    r.errors.push(`notification not queued: ${msg(e)}`);
    r.log.error('notification not queued', { error: msg(e), title: n.title });
    return;
  }
  try {
    await r.w.fc.invokeAsync(notifyFunction, { source: 'alarm-failover', incidentId: n.incidentId ?? null });
    r.actions.push(`${notifyFunction} invoked`);
  } catch (e) {
    // A failed wake-up delays the message until the next timer tick; it does not lose it.
    r.errors.push(`invoke ${notifyFunction}: ${msg(e)}`);
    r.log.warn('notify not invoked; the timer will deliver', { error: msg(e) });
  }
}
