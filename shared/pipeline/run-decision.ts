/**
 * The one decision pipeline, for every trigger: read the routing state once (a repeat ends there) → observe,
 * with what applying weights needs read beside it → decide → commit (one conditional write on the version read:
 * the state with the outbox of side effects it calls for) → finish (weights, then membership, audit, messages,
 * this commit's and what an earlier invocation left) → wake `notify`. decide() owns every piece of bookkeeping;
 * this module only executes the Plan. A dry run decides on the committed state and writes nothing.
 */
import type { Policy } from '../config';
import { changesNothing } from '../decision/bookkeeping';
import { decide } from '../decision/decide';
import { type Observations, ObservationsSchema } from '../decision/observations';
import type { Plan } from '../decision/plan';
import type { RoutingState } from '../decision/routing-state';
import { listApplications } from '../drift/argocd-applications';
import type { Logger } from '../log';
import { gatherObservations, type ProbeReadings } from '../observe/gather';
import type { Wiring } from '../runtime/wiring';
import type { CommitResult, Versioned } from '../state/config-map-document';
import type { RoutingStore } from '../state/routing-store';
import { answerOf, type DecisionAnswer } from './answer';
import { type FinishDeps, finishCommitted } from './finish-committed';
import { isRecordDue } from './record-schedule';
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
export async function finishDeps(wiring: Wiring, log: Logger): Promise<FinishDeps & { store: RoutingStore }> {
  return {
    policy: wiring.policy,
    store: await wiring.routing(),
    router: await wiring.router(),
    fleet: wiring.fleet,
    cms: wiring.cms,
    outbox: () => wiring.outbox(Date.now, log),
    log,
  };
}

/** Wakes `notify` after messages were queued; its timer delivers them anyway if this fails. */
async function wake(
  wiring: Wiring,
  fn: string,
  from: string,
  log: Logger,
): Promise<{ action?: string; error?: string }> {
  try {
    // The message is in the DingTalk outbox already and this invocation settles its own records: the woken
    // notify only delivers (its minute timer finishes what invocations leave).
    await wiring.fc.invokeAsync(fn, { source: from, deliverOnly: true });
    return { action: `${fn} invoked` };
  } catch (e) {
    log.warn('notify not invoked; its timer will deliver', { error: msg(e) });
    return { error: `invoke ${fn}: ${msg(e)}` };
  }
}

/** Reads every signal decide() needs; the alarm of an alarm trigger is merged in by the policy. */
function observe(
  wiring: Wiring,
  trigger: Trigger,
  probeSpacingMs?: number,
  round?: Pick<DecisionRun, 'probeReadings' | 'memberReadTimeoutMs'>,
) {
  return gatherObservations(
    {
      policy: wiring.policy,
      env: wiring.env,
      ack: wiring.ack,
      mse: wiring.mse,
      memberKube: wiring.memberKube,
      gatewayMembers: async () => (await wiring.membership()).members(),
      fleetMembers: async () => (await wiring.fleet.managedClusters()).map((c) => c.clusterId),
      probeSpacingMs,
      probeReadings: round?.probeReadings,
      memberReadTimeoutMs: round?.memberReadTimeoutMs,
      // The GitOps precondition of a failback step (manual or an automatic ramp's tick); nothing else reads
      // Argo CD, so an alarm or a probe round costs no request for it.
      applications: failbackStep(trigger)
        ? async () => listApplications(await wiring.fleetKube())
        : undefined,
    },
    trigger.kind === 'alarm' ? trigger.alarm : null,
  );
}

/** True for an operator's failback step: the only decision that checks the Argo CD Applications. */
const failbackStep = (t: Trigger) => t.kind === 'operator' && t.request.action === 'failback-step';

/** Observations that observed nothing: what decide() sees of a trigger before any signal was read. */
function unobserved(wiring: Wiring, trigger: Trigger, now: string) {
  return ObservationsSchema.parse({
    observedAt: now,
    clusters: Object.fromEntries(wiring.policy.clusters.map((c) => [c.id, {}])),
    ...decisionInputs(trigger),
  });
}

/** Outbox records due now: an earlier commit left work to finish. */
const hasDueRecords = (s: RoutingState, now = Date.now()) => s.outbox.some((r) => isRecordDue(r, now));

/**
 * Decides on the gathered observations and commits the next state, conditionally on the version read (a lost
 * race decides again on the state that won). Nothing is written when the next state is the current one.
 */
async function decideAndCommit(
  store: RoutingStore,
  policy: Policy,
  obs: Observations,
  read: Versioned<RoutingState>,
  now: string,
  timer: StepTimer,
): Promise<{ plan: Plan | undefined; result: CommitResult<RoutingState> }> {
  let plan: Plan | undefined;
  const decideStart = performance.now();
  const result = await store.commit(
    (cur) => {
      const decided = decide(policy, obs, cur, now);
      plan = decided;
      timer.timings.decided = Math.round(performance.now() - decideStart);
      return JSON.stringify(decided.nextState) === JSON.stringify(cur) ? undefined : decided.nextState;
    },
    { maxAttempts: 20, current: read },
  );
  timer.mark('committed');
  return { plan, result };
}

/**
 * The committed state this invocation finishes. When another invocation committed meanwhile (this one lost
 * the race and then changed nothing), what it committed is its own to finish: only the records already left
 * when this invocation read the state are finished here.
 */
function stateToFinish(
  read: Versioned<RoutingState>,
  result: CommitResult<RoutingState>,
): { ours: boolean; undisturbed: boolean; state: RoutingState } {
  const ours = result.committed;
  const undisturbed = result.value.revision === read.value.revision;
  const left = new Set(read.value.outbox.map((r) => r.id));
  const state =
    ours || undisturbed
      ? result.value
      : { ...result.value, outbox: result.value.outbox.filter((r) => left.has(r.id)) };
  return { ours, undisturbed, state };
}

/**
 * Finishes what the committed state calls for: its weights (read beside the gathering, written only where the
 * canaries differ), then its due outbox records, this decision's and those an earlier invocation left; then
 * wakes `notify` if messages were queued. Adds to `out`; answers the records still pending (undefined: none
 * were tried).
 */
async function finishAndWake(
  run: DecisionRun,
  deps: FinishDeps,
  read: Versioned<RoutingState>,
  result: CommitResult<RoutingState>,
  timer: StepTimer,
  out: { actions: string[]; errors: string[] },
): Promise<number | undefined> {
  const { wiring, log, trigger } = run;
  const { actions, errors } = out;
  // Finish what the state calls for: its weights (read beside the gathering, written only where the canaries
  // differ), then its due outbox records, this decision's and those an earlier invocation left.
  let pending: number | undefined;
  let queued = 0;
  let woke: Promise<{ action?: string; error?: string }> | undefined;
  const { ours, undisturbed, state } = stateToFinish(read, result);
  if (ours || (undisturbed && state.governsSplit) || hasDueRecords(state)) {
    const done = await timer.step('finished', () =>
      finishCommitted(deps, state, {
        ...(ours || undisturbed ? {} : { routes: [] }),
        timings: { ...timer.timings },
        current: { value: result.value, resourceVersion: result.resourceVersion },
        onQueued: () => {
          if (run.notifyFunction) woke = wake(wiring, run.notifyFunction, trigger.kind, log);
        },
      }),
    );
    if (done.weightsWritten.length) timer.timings.canariesWritten = done.weightsMs;
    actions.push(...done.actions.map((a) => (ours ? a : `earlier commit: ${a}`)));
    errors.push(...done.errors);
    pending = done.pending;
    queued = done.messagesQueued;
  }
  // notify is woken once: as soon as the first message was queued, or (should that have been missed) now.
  const woken =
    woke ??
    (queued > 0 && run.notifyFunction ? wake(wiring, run.notifyFunction, trigger.kind, log) : undefined);
  if (woken) {
    const r = await woken;
    if (r.action) actions.push(r.action);
    if (r.error) errors.push(r.error);
  }
  return pending;
}

/**
 * Runs one decision for a trigger and answers what was decided and done. The sequential path: ONE read of the
 * routing state (a repeat ends there) → the gathering, with the route's objects, the pin checks and the member
 * kubeconfigs read beside it → decide → ONE conditional write (on the version read; a lost race reads again)
 * → the canaries, written conditionally without a read → audit and messages side by side (notify woken as soon
 * as a message is queued) → one settle.
 */
export async function runDecision(run: DecisionRun): Promise<DecisionAnswer> {
  const { wiring, log, trigger } = run;
  const policy = wiring.policy;
  const t = new StepTimer();
  const deps = await finishDeps(wiring, log);
  const errors: string[] = [];
  const actions: string[] = [];
  const described = describeTrigger(trigger);
  const read = await t.step('stateRead', () => deps.store.read());

  // A trigger the state already answers (a repeat, an out-of-order alarm, an operator request handled before)
  // changes nothing whatever the signals say: it ends after that one read, unless an earlier commit left work.
  const at = new Date().toISOString();
  const early = decide(policy, unobserved(wiring, trigger, at), read.value, at);
  if (changesNothing(early) && (policy.dryRun || !hasDueRecords(read.value)))
    return answerOf({
      plan: early,
      trigger: described,
      actions: policy.dryRun ? ['dry run: nothing written'] : [],
      timings: t.timings,
      dryRun: policy.dryRun,
      errors,
      ...(policy.dryRun ? { full: true } : { committed: false, pending: read.value.outbox.length }),
    });

  // Beside the gathering: what writing weights needs (the routes' objects, each cluster's pin check).
  if (!policy.dryRun && !changesNothing(early)) for (const r of policy.routes) deps.router.prepare?.(r);
  const gathered = changesNothing(early)
    ? undefined
    : await t.step('signalsGathered', () => observe(wiring, trigger, run.probeSpacingMs, run));
  errors.push(...(gathered?.errors ?? []));
  const now = new Date().toISOString();
  if (policy.dryRun) {
    const obs = ObservationsSchema.parse({ ...gathered!.observations, ...decisionInputs(trigger) });
    const plan = await t.step('decided', () => decide(policy, obs, read.value, now));
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

  let plan: Plan = early;
  let result: CommitResult<RoutingState> = {
    committed: false,
    value: read.value,
    resourceVersion: read.resourceVersion,
    attempts: 0,
  };
  if (gathered) {
    const obs = ObservationsSchema.parse({ ...gathered.observations, ...decisionInputs(trigger) });
    const committed = await decideAndCommit(deps.store, policy, obs, read, now, t);
    plan = committed.plan ?? plan;
    result = committed.result;
  }

  const pending = await finishAndWake(run, deps, read, result, t, { actions, errors });
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
export async function finishLeftovers(wiring: Wiring, log: Logger) {
  const deps = await finishDeps(wiring, log);
  return finishCommitted(deps, (await deps.store.read()).value);
}
