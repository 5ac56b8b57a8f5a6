/**
 * The one decision pipeline, for every trigger: read the routing state once (a repeat ends there) → observe,
 * with what applying weights needs read beside it → decide → commit (one conditional write on the version read:
 * the state with the outbox of side effects it calls for) → finish (weights, then membership, audit, messages,
 * this commit's and what an earlier invocation left) → wake `notify`. decide() owns every piece of bookkeeping;
 * this module only executes the Plan. A dry run decides on the committed state and writes nothing.
 */
import { listApplications } from '../drift/argocd-applications';
import type { Logger } from '../log';
import { gatherObservations, type ProbeReadings } from '../observe/gather';
import { changesNothing } from '../policy/bookkeeping';
import { decide } from '../policy/decide';
import { ObservationsSchema, type Plan, type RoutingState } from '../policy/types';
import type { Wiring } from '../runtime/wiring';
import type { CommitResult } from '../state/config-map-document';
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
    // The message is in the DingTalk outbox already and this invocation settles its own records: the woken
    // notify only delivers (its minute timer finishes what invocations leave).
    await w.fc.invokeAsync(fn, { source: from, deliverOnly: true });
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
      // The GitOps precondition of a failback step (manual or an automatic ramp's tick); nothing else reads
      // Argo CD, so an alarm or a probe round costs no request for it.
      applications: failbackStep(trigger) ? async () => listApplications(await w.fleetKube()) : undefined,
    },
    trigger.kind === 'alarm' ? trigger.alarm : null,
  );
}

/** True for an operator's failback step: the only decision that checks the Argo CD Applications. */
const failbackStep = (t: Trigger) => t.kind === 'operator' && t.request.action === 'failback-step';

/** Observations that observed nothing: what decide() sees of a trigger before any signal was read. */
function unobserved(w: Wiring, trigger: Trigger, now: string) {
  return ObservationsSchema.parse({
    observedAt: now,
    clusters: Object.fromEntries(w.policy.clusters.map((c) => [c.id, {}])),
    ...decisionInputs(trigger),
  });
}

/** Outbox records due now: an earlier commit left work to finish. */
const dueRecords = (s: RoutingState, now = Date.now()) =>
  s.outbox.some((r) => !r.notBefore || Date.parse(r.notBefore) <= now);

/**
 * Runs one decision for a trigger and answers what was decided and done. The sequential path: ONE read of the
 * routing state (a repeat ends there) → the gathering, with the route's objects, the pin checks and the member
 * kubeconfigs read beside it → decide → ONE conditional write (on the version read; a lost race reads again)
 * → the canaries, written conditionally without a read → audit and messages side by side (notify woken as soon
 * as a message is queued) → one settle.
 */
export async function runDecision(o: DecisionRun): Promise<DecisionAnswer> {
  const { wiring: w, log, trigger } = o;
  const policy = w.policy;
  const t = new StepTimer();
  const deps = await finishDeps(w, log);
  const errors: string[] = [];
  const actions: string[] = [];
  const described = describeTrigger(trigger);
  const read = await t.step('stateRead', () => deps.store.read());

  // A trigger the state already answers (a repeat, an out-of-order alarm, an operator request handled before)
  // changes nothing whatever the signals say: it ends after that one read, unless an earlier commit left work.
  const at = new Date().toISOString();
  const early = decide(policy, unobserved(w, trigger, at), read.value, at);
  if (changesNothing(early) && (policy.dryRun || !dueRecords(read.value)))
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
    : await t.step('signalsGathered', () => observe(w, trigger, o.probeSpacingMs, o));
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
    const decideStart = performance.now();
    result = await deps.store.commit(
      (cur) => {
        plan = decide(policy, obs, cur, now);
        t.timings.decided = Math.round(performance.now() - decideStart);
        return JSON.stringify(plan.nextState) === JSON.stringify(cur) ? undefined : plan.nextState;
      },
      { maxAttempts: 20, current: read },
    );
    t.mark('committed');
  }

  // Finish what the state calls for: its weights (read beside the gathering, written only where the canaries
  // differ), then its due outbox records, this decision's and those an earlier invocation left. When another
  // invocation committed meanwhile (this one lost the race and then changed nothing), what it committed is its
  // own to finish: only the records already left when this invocation read the state are finished here.
  let pending: number | undefined;
  let queued = 0;
  let woke: Promise<{ action?: string; error?: string }> | undefined;
  const ours = result.committed;
  const undisturbed = result.value.revision === read.value.revision;
  const left = new Set(read.value.outbox.map((r) => r.id));
  const state =
    ours || undisturbed
      ? result.value
      : { ...result.value, outbox: result.value.outbox.filter((r) => left.has(r.id)) };
  if (ours || (undisturbed && state.governsSplit) || dueRecords(state)) {
    const done = await t.step('finished', () =>
      finishCommitted(deps, state, {
        ...(ours || undisturbed ? {} : { routes: [] }),
        timings: { ...t.timings },
        current: { value: result.value, resourceVersion: result.resourceVersion },
        onQueued: () => {
          if (o.notifyFunction) woke = wake(w, o.notifyFunction, trigger.kind, log);
        },
      }),
    );
    if (done.weightsWritten.length) t.timings.canariesWritten = done.weightsMs;
    actions.push(...done.actions.map((a) => (ours ? a : `earlier commit: ${a}`)));
    errors.push(...done.errors);
    pending = done.pending;
    queued = done.messagesQueued;
  }
  if (woke) {
    const r = await woke;
    if (r.action) actions.push(r.action);
    if (r.error) errors.push(r.error);
  } else if (queued > 0 && o.notifyFunction) {
    const r = await wake(w, o.notifyFunction, trigger.kind, log);
    if (r.action) actions.push(r.action);
    if (r.error) errors.push(r.error);
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
