/**
 * The one decision pipeline, for every trigger: finish what an earlier invocation left → observe → decide →
 * commit (one conditional write: the state with the outbox of side effects it calls for) → finish (weights,
 * membership, audit, messages) → wake `notify`. decide() owns every piece of bookkeeping; this module only
 * executes the Plan. A dry run decides on the committed state and writes nothing.
 */
import type { Logger } from '../log';
import { gatherObservations, type ProbeReadings } from '../observe/gather';
import { decide } from '../policy/decide';
import { ObservationsSchema, type Plan, type RoutingState } from '../policy/types';
import type { Wiring } from '../runtime/wiring';
import type { RoutingStore } from '../state/routing-store';
import { answerOf, type DecisionAnswer } from './answer';
import { type FinishDeps, finishCommitted } from './finish-committed';
import { StepTimer } from './step-timer';
import { decisionInputs, describeTrigger, type Trigger } from './trigger';

/** Options of one decision. */
export interface DecisionRun {
  wiring: Wiring;
  trigger: Trigger;
  log: Logger;
  /** The function to wake when messages were queued (undefined: the caller delivers them itself). */
  notifyFunction?: string;
  probeSpacingMs?: number;
  /** A health-check round's probe readings, used instead of probing again (gather.ts). */
  probeReadings?: Promise<ProbeReadings>;
  /** Deadline of each cluster's ready-replicas read (gather.ts; default 5000 ms). */
  memberReadTimeoutMs?: number;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What finishing a committed state needs, from the wiring. */
export async function finishDeps(w: Wiring, log: Logger): Promise<FinishDeps & { store: RoutingStore }> {
  return {
    policy: w.policy,
    store: await w.routing(),
    router: await w.router(),
    fleet: w.fleet,
    cms: w.cms,
    outbox: () => w.outbox(Date.now, log),
    log,
  };
}

/** Wakes `notify` after messages were queued; its timer delivers them anyway if this fails. */
async function wake(
  w: Wiring,
  fn: string,
  from: string,
  log: Logger,
): Promise<{ action?: string; error?: string }> {
  try {
    await w.fc.invokeAsync(fn, { source: from });
    return { action: `${fn} invoked` };
  } catch (e) {
    log.warn('notify not invoked; its timer will deliver', { error: msg(e) });
    return { error: `invoke ${fn}: ${msg(e)}` };
  }
}

/** Reads every signal decide() needs; the alarm of an alarm trigger is merged in by the policy. */
function observe(
  w: Wiring,
  trigger: Trigger,
  probeSpacingMs?: number,
  round?: Pick<DecisionRun, 'probeReadings' | 'memberReadTimeoutMs'>,
) {
  return gatherObservations(
    {
      policy: w.policy,
      env: w.env,
      ack: w.ack,
      mse: w.mse,
      member: w.member,
      gatewayMembers: async () => (await w.membership()).members(),
      fleetMembers: async () => (await w.fleet.managedClusters()).map((c) => c.clusterId),
      probeSpacingMs,
      probeReadings: round?.probeReadings,
      memberReadTimeoutMs: round?.memberReadTimeoutMs,
    },
    trigger.kind === 'alarm' ? trigger.alarm : null,
  );
}

/** Runs one decision for a trigger and answers what was decided and done. */
export async function runDecision(o: DecisionRun): Promise<DecisionAnswer> {
  const { wiring: w, log, trigger } = o;
  const policy = w.policy;
  const t = new StepTimer();
  const deps = await finishDeps(w, log);
  const errors: string[] = [];
  const actions: string[] = [];
  let queued = 0;
  if (!policy.dryRun) {
    // Whatever an earlier invocation committed and did not finish (a crash, a failed write) is done first.
    const leftover = await t.step('converge', async () =>
      finishCommitted(deps, (await deps.store.read()).value),
    );
    actions.push(...leftover.actions.map((a) => `earlier commit: ${a}`));
    errors.push(...leftover.errors);
    queued += leftover.messagesQueued;
  }
  const gathered = await t.step('signalsGathered', () => observe(w, trigger, o.probeSpacingMs, o));
  errors.push(...gathered.errors);
  const obs = ObservationsSchema.parse({ ...gathered.observations, ...decisionInputs(trigger) });
  const now = new Date().toISOString();
  const described = describeTrigger(trigger);
  if (policy.dryRun) {
    const { value } = await deps.store.read();
    const plan = await t.step('decided', () => decide(policy, obs, value, now));
    return answerOf({
      plan,
      trigger: described,
      actions: ['dry run: nothing written'],
      timings: t.timings,
      dryRun: true,
      errors,
      full: true,
    });
  }

  let plan: Plan | undefined;
  let before: RoutingState | undefined;
  const decideStart = performance.now();
  const result = await deps.store.commit(
    (cur) => {
      before = cur;
      plan = decide(policy, obs, cur, now);
      t.timings.decided = Math.round(performance.now() - decideStart);
      return JSON.stringify(plan.nextState) === JSON.stringify(cur) ? undefined : plan.nextState;
    },
    { maxAttempts: 20 },
  );
  t.mark('committed');
  if (!plan || !before) throw new Error('the routing store committed without deciding');
  let pending: number | undefined;
  if (result.committed) {
    const changed = policy.routes
      .map((r) => r.name)
      .filter((n) => JSON.stringify(before!.weights[n]) !== JSON.stringify(result.value.weights[n]));
    const done = await t.step('finished', () =>
      finishCommitted(deps, result.value, { routes: changed, timings: { ...t.timings } }),
    );
    if (done.weightsWritten.length) t.timings.canariesWritten = done.weightsMs;
    actions.push(...done.actions);
    errors.push(...done.errors);
    pending = done.pending;
    queued += done.messagesQueued;
  }
  if (queued > 0 && o.notifyFunction) {
    const woke = await wake(w, o.notifyFunction, trigger.kind, log);
    if (woke.action) actions.push(woke.action);
    if (woke.error) errors.push(woke.error);
  }
  return answerOf({
    plan,
    trigger: described,
    actions,
    timings: t.timings,
    dryRun: false,
    errors,
    committed: result.committed,
    pending,
  });
}

/**
 * Finishes what committed decisions left undone (weights, membership, audit records, messages), without
 * deciding anything: the notify timer runs this every minute, so nothing waits for the next alarm.
 */
export async function finishLeftovers(w: Wiring, log: Logger) {
  const deps = await finishDeps(w, log);
  return finishCommitted(deps, (await deps.store.read()).value);
}
