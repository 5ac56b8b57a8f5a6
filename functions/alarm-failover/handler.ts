/**
 * alarm-failover (deployed as fleet-dr-alarm-failover): a CloudMonitor alarm (HTTP callback with ?token=,
 * or an EventBridge CloudEvents envelope) -> confirm -> decide -> shift Ingress weights -> record -> queue
 * the DingTalk message. Answers JSON { decision, reason, rule?, plan, actions, timings }. The handler shell
 * (shared/runtime/handler-shell.ts) caches the policy per instance, logs with the request id, wires the
 * clients and maps errors to answers; this file is the alarm's edge and the call of the alarm flow.
 */
import { runAlarmFlow } from '../../shared/execute/alarm-flow';
import type { AlarmAnswer } from '../../shared/pipeline/answer';
import { createHandler, deployedName, ok, refuse } from '../../shared/runtime/handler-shell';
import { readEdge } from './edge';

/** The FC 3.0 handler. */
export const handler = createHandler({
  fn: 'alarm-failover',
  moduleUrl: import.meta.url,
  async run(inv) {
    const { policy, env, log } = inv;
    const edge = readEdge(inv.input, policy, env, inv.http);
    if (edge.kind === 'reject') return refuse(edge.status, edge.error);
    const w = inv.wiring();
    const answers: AlarmAnswer[] = [];
    for (const alarm of edge.alarms) {
      const a = await runAlarmFlow({
        wiring: w,
        alarm,
        log,
        notifyFunction: env.FLEET_DR_NOTIFY_FUNCTION ?? deployedName('notify'),
        probeSpacingMs: Number(env.FLEET_DR_PROBE_SPACING_MS ?? 150),
      });
      log.info('decision', { decision: a.decision, rule: a.rule, reason: a.reason, timings: a.timings });
      answers.push(a);
    }
    return ok(answers.length === 1 ? answers[0] : { decisions: answers });
  },
});
