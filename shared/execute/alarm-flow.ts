/**
 * One alarm, start to end: gather the confirming signals, decide, commit (conditional write; a loser
 * re-reads and re-decides), write the canaries, apply membership, write the audit event, queue the message
 * and wake `notify`. Dry run decides on the committed state and writes nothing.
 */
import type { Logger } from '../log';
import { recoveredMessage, transitionMessage } from '../notify/messages';
import { gatherObservations } from '../observe/gather';
import { decide } from '../policy/decide';
import { ObservationsSchema, type Plan, type RoutingState } from '../policy/types';
import type { Wiring } from '../runtime/wiring';
import type { AlarmEvent } from '../schemas/cloudmonitor-alarm';
import { clusterOfAlarm, triggerOf } from './alarm-trigger';
import { type AlarmAnswer, answerOf } from './answer';
import { applyMembership } from './apply-plan';
import { queueMessage, writeAudit } from './record';
import { StepTimer } from './step-timer';

/** Options of one run. */
export interface AlarmFlowOptions {
  wiring: Wiring;
  alarm: AlarmEvent;
  log: Logger;
  /** The notify function to wake after queueing a message. */
  notifyFunction: string;
  probeSpacingMs?: number;
}

/** Runs the alarm flow and answers what was decided and done. */
export async function runAlarmFlow(o: AlarmFlowOptions): Promise<AlarmAnswer> {
  const { wiring: w, alarm, log } = o;
  const policy = w.policy;
  const t = new StepTimer();
  const clusterId = clusterOfAlarm(policy, alarm);
  if (!clusterId)
    return {
      decision: 'ignored',
      reason: `alarm ${alarm.alarmName} names no cluster of the policy (dimensions ${JSON.stringify(alarm.dimensions)})`,
      actions: [],
      timings: {},
      dryRun: policy.dryRun,
      errors: [],
    };
  const trigger = triggerOf(policy, alarm, clusterId);
  const routing = await w.routing();
  const actions: string[] = [];
  if (!policy.dryRun) {
    const repaired = await t.step('converge', () => routing.converge());
    if (repaired.length) actions.push(`re-applied committed weights of ${repaired.join(', ')}`);
  }
  const gathered = await t.step('signalsGathered', () =>
    gatherObservations(
      {
        policy,
        env: w.env,
        ack: w.ack,
        mse: w.mse,
        member: w.member,
        gatewayMembers: async () => (await w.membership()).members(),
        fleetMembers: async () => (await w.fleet.managedClusters()).map((c) => c.clusterId),
        probeSpacingMs: o.probeSpacingMs,
      },
      trigger,
    ),
  );
  const obs = ObservationsSchema.parse(gathered.observations);
  const now = new Date().toISOString();
  if (policy.dryRun) {
    const { value } = await routing.read();
    const plan = await t.step('decided', () => decide(policy, obs, value, now));
    return answerOf({
      plan,
      actions: ['dry run: nothing written'],
      timings: t.timings,
      dryRun: true,
      errors: gathered.errors,
      full: true,
    });
  }

  let plan: Plan | undefined;
  let before: RoutingState | undefined;
  let recovered = false;
  const decideStart = performance.now();
  const result = await routing.commitTransition(
    (cur) => {
      before = cur;
      plan = decide(policy, obs, cur, now);
      t.timings.decided = Math.round(performance.now() - decideStart);
      recovered = isRecovery(cur, trigger.clusterId, trigger.key, trigger.state);
      if (plan.kind === 'hold' && plan.rule === 'duplicate-alarm') return undefined;
      if (recovered)
        return {
          ...plan.nextState,
          handledAlarmKeys: [...plan.nextState.handledAlarmKeys, trigger.key].slice(-200),
        };
      return plan.nextState;
    },
    { maxAttempts: 20, afterCommit: () => t.mark('committed') },
  );
  if (!plan || !before) throw new Error('commitTransition did not decide');
  if (result.applied.length) {
    t.mark('canariesWritten');
    actions.push(`wrote canaries of ${result.applied.join(', ')}`);
  }
  const transition = result.committed && plan.kind !== 'hold';
  if (transition) actions.push(...(await t.step('membership', () => applyMembership(w, plan!))));
  const errors = [...gathered.errors];
  const record = { w, log, plan, actions, errors };
  await t.step('audited', () =>
    writeAudit(record, auditContent(plan!, trigger.key, clusterId, result.committed)),
  );
  const message =
    transition || (recovered && result.committed)
      ? (transition ? transitionMessage : recoveredMessage)({
          policy,
          plan,
          before,
          after: result.value,
          clusterId,
          timings: t.timings,
        })
      : undefined;
  if (message) await t.step('notificationQueued', () => queueMessage(record, message, o.notifyFunction));
  return answerOf({ plan, actions, timings: t.timings, dryRun: false, errors, committed: result.committed });
}

/** An OK alarm on the cluster of the open incident, not yet reported. */
function isRecovery(cur: RoutingState, clusterId: string, key: string, state: string): boolean {
  return state === 'OK' && cur.incident?.failedCluster === clusterId && !cur.handledAlarmKeys.includes(key);
}

function auditContent(
  plan: Plan,
  key: string,
  clusterId: string,
  committed: boolean,
): Record<string, unknown> {
  return {
    decision: plan.kind,
    rule: plan.kind === 'hold' ? plan.rule : undefined,
    reason: plan.reason,
    cluster: clusterId,
    alarmKey: key,
    committed,
    weights: 'weights' in plan ? plan.weights : undefined,
    verdicts: plan.verdicts,
    incident: plan.nextState.incident?.id,
  };
}
