/**
 * drift-check (deployed as fleet-dr-drift-check): an FC timer every minute that runs the drift check when
 * `drift.intervalSeconds` (default 300) has passed since the last run, whichever instance ran it (the ledger on
 * the Fleet). It compares what should be (the committed routing state, the policy) with what is (canaries,
 * base Ingresses, pins, the Fleet association, remote-clusters, Argo CD Applications, Services, replicas,
 * fleet-dr's own backlog), reports each difference once when it appears and once when it is gone (one DingTalk
 * message per run, through the outbox), and with `drift.repair: safe` repairs the safe ones through the
 * decision pipeline. docs/drift.md describes every kind of difference.
 *
 * Event: FC's timer event (`{"triggerTime", "triggerName", "payload"}`) or a direct invocation; a payload (or
 * body) `{"force": true}` runs the check even when the interval has not passed. Answers the DriftAnswer.
 */
import { z } from 'zod';
import { runDriftCheck } from '../../shared/drift/run';
import { createHandler, deployedName, ok, refuse } from '../../shared/runtime/handler-shell';

const RunSchema = z.looseObject({ force: z.boolean().optional() });
const TimerSchema = z.looseObject({
  triggerTime: z.string(),
  triggerName: z.string(),
  payload: z.string().optional(),
});

/** Reads `force` from a timer event's payload or a direct invocation's body; an unreadable event is refused. */
export function parseDriftEvent(bytes: Buffer): { force: boolean } | { error: string } {
  const text = bytes.toString('utf8').trim();
  if (text === '') return { force: false };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: 'the event is not JSON' };
  }
  const timer = TimerSchema.safeParse(raw);
  if (timer.success) {
    if (!timer.data.payload) return { force: false };
    try {
      raw = JSON.parse(timer.data.payload);
    } catch {
      return { force: false };
    }
  }
  const r = RunSchema.safeParse(raw);
  if (!r.success) return { error: `the event does not parse: ${r.error.issues[0]?.message ?? 'invalid'}` };
  return { force: r.data.force ?? false };
}

/** The FC 3.0 handler. */
export const handler = createHandler({
  fn: 'drift-check',
  moduleUrl: import.meta.url,
  async run(inv) {
    const e = parseDriftEvent(inv.event);
    if ('error' in e) return refuse(400, e.error);
    const answer = await runDriftCheck({
      wiring: inv.wiring(),
      log: inv.log,
      force: e.force,
      notifyFunction: inv.env.FLEET_DR_NOTIFY_FUNCTION ?? deployedName('notify'),
    });
    inv.log.info('drift check', {
      ran: answer.ran,
      differences: answer.differences.length,
      appeared: answer.appeared.length,
      resolved: answer.resolved.length,
      repaired: answer.repaired.length,
      errors: answer.errors.length,
    });
    return ok(answer);
  },
});
