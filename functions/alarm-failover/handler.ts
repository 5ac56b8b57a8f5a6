/**
 * alarm-failover: a CloudMonitor alarm (HTTP callback with ?token=, or an EventBridge CloudEvents envelope)
 * -> confirm -> decide -> shift Ingress weights -> record -> queue the DingTalk message. Answers JSON
 * { decision, reason, rule?, plan, actions, timings }. The policy is read once per cold start.
 */
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../shared/config';
import { loadPolicyFromEnv } from '../../shared/config-loader';
import { runAlarmFlow } from '../../shared/execute/alarm-flow';
import type { AlarmAnswer } from '../../shared/execute/answer';
import { createLogger } from '../../shared/log';
import { applyLogSetting, type FcContext, wire } from '../../shared/runtime/wiring';
import { httpJson, readEdge } from './edge';

let policy: Policy | undefined;
applyLogSetting();

/** The FC 3.0 handler. */
export async function handler(event: Buffer, context: FcContext) {
  const log = createLogger(context.requestId ?? 'local', { fn: 'alarm-failover' });
  policy ??= loadPolicyFromEnv(process.env, fileURLToPath(new URL('.', import.meta.url)));
  const edge = readEdge(event, policy, process.env);
  if (edge.kind === 'reject') {
    log.warn('event rejected', { status: edge.status, error: edge.error });
    return edge.http
      ? httpJson(edge.status, { error: edge.error })
      : { error: edge.error, status: edge.status };
  }
  const w = wire(policy, context);
  const answers: AlarmAnswer[] = [];
  for (const alarm of edge.alarms) {
    const a = await runAlarmFlow({
      wiring: w,
      alarm,
      log,
      notifyFunction: process.env.FLEET_DR_NOTIFY_FUNCTION ?? 'notify',
      probeSpacingMs: Number(process.env.FLEET_DR_PROBE_SPACING_MS ?? 150),
    });
    log.info('decision', { decision: a.decision, rule: a.rule, reason: a.reason, timings: a.timings });
    answers.push(a);
  }
  const body = answers.length === 1 ? answers[0] : { decisions: answers };
  return edge.http ? httpJson(200, body) : body;
}
