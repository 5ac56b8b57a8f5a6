/**
 * What fleet-dr does on its own, in priority order: abort a failback that regressed, the observer guard,
 * fail over from a confirmed-down cluster, fence it, repair membership, start or advance failback, else hold.
 */
import {
  admittedUp,
  assessment,
  cooldownWait,
  type DecisionContext,
  hold,
  plan,
  stableWait,
  summary,
  upForSeconds,
  waitAfter,
  waitText,
  waitUntil,
} from './context';
import type { Plan, PlanOf } from './plan';
import type { RoutingState } from './routing-state';
import { currentRouteWeights, failbackWeights, shiftAway } from './weights';

/** The automatic decision (before `paused` and the safety rules are applied). */
export function decideAutomatically(ctx: DecisionContext): Plan {
  return (
    failingBack(ctx) ??
    observerGuard(ctx) ??
    failover(ctx) ??
    fenceFailed(ctx) ??
    repairMembership(ctx) ??
    failbackStart(ctx) ??
    steady(ctx)
  );
}

/** Weights that take all traffic off `cluster`, to the other healthy admitted clusters (null: none can). */
export function weightsOff(ctx: DecisionContext, cluster: string) {
  const receivers = admittedUp(ctx);
  receivers.delete(cluster);
  return shiftAway(ctx.policy, ctx.base.weights, new Set([cluster]), receivers);
}

/** The Plan that takes all traffic off a failing-back `cluster`. */
export function abortPlan(ctx: DecisionContext, cluster: string, by: string, why: string): Plan {
  const weights = weightsOff(ctx, cluster);
  if (!weights)
    return hold(
      ctx,
      'no-healthy-target',
      `cannot abort failback of ${cluster}: no healthy cluster to take its traffic; ${summary(ctx)}`,
    );
  const nextState: RoutingState = {
    ...ctx.base,
    mode: 'failed-over',
    weights,
    failback: null,
    lastTransition: { at: ctx.now, by: by === 'automation' ? 'automation' : 'operator', reason: why },
  };
  return plan<PlanOf<'failback-abort'>>(ctx, {
    kind: 'failback-abort',
    cluster,
    weights,
    reason: why,
    nextState,
    by,
  });
}

/** Advances (or starts) the failback ramp of `cluster` to `stepIndex`. */
export function stepPlan(
  ctx: DecisionContext,
  cluster: string,
  stepIndex: number,
  by: string,
  why: string,
): Plan {
  const steps = ctx.policy.failback.steps;
  const others = admittedUp(ctx);
  others.delete(cluster);
  const weights = failbackWeights(ctx.policy, cluster, stepIndex, others);
  if (!weights)
    return hold(
      ctx,
      'no-healthy-target',
      `cannot fail back ${cluster}: no other healthy cluster to keep the rest of the traffic`,
    );
  const last = stepIndex >= steps.length - 1;
  const transition = {
    at: ctx.now,
    by: by === 'automation' ? ('automation' as const) : ('operator' as const),
    reason: why,
  };
  const nextState: RoutingState = last
    ? { ...ctx.base, mode: 'normal', weights, incident: null, failback: null, lastTransition: transition }
    : {
        ...ctx.base,
        mode: 'failing-back',
        weights,
        failback: { cluster, stepIndex, stepStartedAt: ctx.now },
        lastTransition: transition,
      };
  return plan<PlanOf<'failback-step'>>(ctx, {
    kind: 'failback-step',
    cluster,
    stepIndex,
    weights,
    reason: `${why}: step ${stepIndex + 1} of ${steps.length}${last ? ' (restores the baseline, closes the incident)' : ''}`,
    nextState,
    by,
  });
}

/** True when some route currently sends weight to `id`. */
const hasTraffic = (ctx: DecisionContext, id: string): boolean =>
  ctx.policy.routes.some((r) => (currentRouteWeights(ctx.policy, r, ctx.base.weights)[id] ?? 0) > 0);

function failingBack(ctx: DecisionContext): Plan | null {
  const fb = ctx.base.failback;
  if (ctx.base.mode !== 'failing-back' || !fb) return null;
  const a = assessment(ctx, fb.cluster);
  // Another cluster failing during a failback is a new failover, handled by the rules after this one.
  const otherDown = ctx.assessments.some(
    (o) => o.cluster.id !== fb.cluster && o.verdict === 'down' && hasTraffic(ctx, o.cluster.id),
  );
  if (!a || otherDown) return null;
  if (a.verdict === 'down' || (a.verdict === 'suspect' && !a.partition))
    return abortPlan(
      ctx,
      fb.cluster,
      'automation',
      `failback of ${fb.cluster} regressed at step ${fb.stepIndex + 1}: ${summary(ctx)}`,
    );
  const steps = ctx.policy.failback.steps;
  // An operator may authorise one ramp to run by itself (`failback --auto`, or a planned shift that expired).
  if (!ctx.policy.failback.automatic && !fb.auto)
    return hold(
      ctx,
      'awaiting-operator',
      `failback of ${fb.cluster} holds at step ${fb.stepIndex + 1} of ${steps.length}; an operator sends failback-step to continue or failback-abort to stop`,
    );
  const minStable = ctx.policy.timing.minStableSecondsBeforeFailback;
  const dwell = waitAfter(ctx, fb.stepStartedAt, minStable);
  if (dwell.remainingSeconds > 0)
    return hold(
      ctx,
      'min-dwell',
      `failback of ${fb.cluster} at step ${fb.stepIndex + 1} of ${steps.length} since ${fb.stepStartedAt}; each step dwells ${minStable} s: ${waitText(dwell, 'the next step')}`,
      { wait: dwell },
    );
  return stepPlan(
    ctx,
    fb.cluster,
    fb.stepIndex + 1,
    'automation',
    `${fb.cluster} stayed healthy through step ${fb.stepIndex + 1}`,
  );
}

function observerGuard(ctx: DecisionContext): Plan | null {
  if (ctx.assessments.length < 2 || !ctx.assessments.every((a) => a.looksDown)) return null;
  return hold(
    ctx,
    'observer-guard',
    `every cluster looks down at once; the observer may be the one cut off, so nothing moves: ${summary(ctx)}`,
  );
}

function failover(ctx: DecisionContext): Plan | null {
  const { policy, base } = ctx;
  const down = ctx.assessments.filter((a) => a.verdict === 'down' && hasTraffic(ctx, a.cluster.id));
  const first = down[0];
  if (!first) return null;
  const ids = down.map((a) => a.cluster.id);
  const cooling = cooldownWait(ctx);
  if (cooling)
    return hold(
      ctx,
      'cooldown',
      `${ids.join(', ')} down, but the last transition was ${base.lastTransition?.at}; cooldown has ${waitText(cooling, 'fail over')}: ${summary(ctx)}`,
      { wait: cooling },
    );
  const weights = shiftAway(policy, base.weights, new Set(ids), admittedUp(ctx));
  if (!weights)
    return hold(
      ctx,
      'no-healthy-target',
      `${ids.join(', ')} down, but no healthy admitted cluster can take the traffic: ${summary(ctx)}`,
    );
  const cause = summary(ctx);
  const reason = `fail over from ${ids.join(', ')}: ${cause}`;
  const nextState: RoutingState = {
    ...base,
    mode: 'failed-over',
    weights,
    incident:
      base.incident && ids.includes(base.incident.failedCluster)
        ? base.incident
        : {
            id: `inc-${first.cluster.id}-${ctx.now}`,
            cause,
            failedCluster: first.cluster.id,
            openedAt: ctx.now,
          },
    failback: null,
    lastTransition: { at: ctx.now, by: 'automation', reason },
  };
  return plan<PlanOf<'shift'>>(ctx, { kind: 'shift', weights, reason, nextState });
}

function fenceFailed(ctx: DecisionContext): Plan | null {
  const inc = ctx.base.incident;
  if (ctx.base.mode !== 'failed-over' || !inc) return null;
  const a = assessment(ctx, inc.failedCluster);
  if (a?.verdict !== 'down' || inc.failedCluster in ctx.base.fenced) return null;
  const reason = `fence ${inc.failedCluster} off the gateway while it is down (its weight is already 0)`;
  const nextState: RoutingState = {
    ...ctx.base,
    fenced: { ...ctx.base.fenced, [inc.failedCluster]: { by: 'automation', at: ctx.now, reason } },
  };
  return plan<PlanOf<'fence'>>(ctx, {
    kind: 'fence',
    cluster: inc.failedCluster,
    weights: ctx.base.weights,
    reason,
    nextState,
  });
}

function repairMembership(ctx: DecisionContext): Plan | null {
  const minStable = ctx.policy.timing.minStableSecondsBeforeFailback;
  for (const a of ctx.assessments) {
    const id = a.cluster.id;
    if (a.verdict !== 'up' || upForSeconds(ctx, id) < minStable) continue;
    const m = ctx.obs.clusters[id]?.membership;
    if (m && !m.attachedToFleet && !(id in ctx.base.detached)) {
      const reason = `re-associate ${id} with the Fleet: it is healthy again (up since ${ctx.base.verdicts[id]?.upSince})`;
      return plan<PlanOf<'reassociate'>>(ctx, {
        kind: 'reassociate',
        cluster: id,
        reason,
        nextState: ctx.base,
      });
    }
    // Off the gateway although nobody fenced it (someone edited remote-clusters): only a drift repair re-adds it.
    if (ctx.obs.driftRepair && m?.attachedToFleet && !m.onGateway && !(id in ctx.base.fenced)) {
      if (id in ctx.base.detached) continue;
      return plan<PlanOf<'readmit'>>(ctx, {
        kind: 'readmit',
        cluster: id,
        reason: `re-add ${id} to the gateway's remote-clusters, its weights as committed (drift repair: ${ctx.obs.driftRepair.cause}): it is healthy (up since ${ctx.base.verdicts[id]?.upSince}), on the Fleet and not fenced, but missing from remote-clusters`,
        nextState: ctx.base,
      });
    }
    const f = ctx.base.fenced[id];
    if (f && f.by === 'automation') {
      const reason = `re-admit ${id} to the gateway at weight 0: it is healthy again (up since ${ctx.base.verdicts[id]?.upSince})`;
      const fenced = { ...ctx.base.fenced };
      delete fenced[id];
      return plan<PlanOf<'readmit'>>(ctx, {
        kind: 'readmit',
        cluster: id,
        reason,
        nextState: { ...ctx.base, fenced },
      });
    }
  }
  return null;
}

function failbackStart(ctx: DecisionContext): Plan | null {
  const inc = ctx.base.incident;
  if (ctx.base.mode !== 'failed-over' || !inc) return null;
  const id = inc.failedCluster;
  const a = assessment(ctx, id);
  if (a?.verdict !== 'up')
    return hold(
      ctx,
      'already-handled',
      `incident ${inc.id}: traffic is already off ${id}, which is ${a?.verdict ?? 'unknown'}: ${summary(ctx)}`,
    );
  const minStable = ctx.policy.timing.minStableSecondsBeforeFailback;
  const upSince = ctx.base.verdicts[id]?.upSince ?? ctx.now;
  const stable = stableWait(ctx, id);
  const f = ctx.base.fenced[id];
  // Reached only before the dwell is over: once it is, repairMembership re-admits the cluster first.
  if (f?.by === 'automation')
    return hold(
      ctx,
      'min-dwell',
      `${id} is healthy (up since ${upSince}) but was fenced while down; it is re-admitted after ${minStable} s of stability: ${waitText(stable, 're-admit')}`,
      { wait: stable },
    );
  if (f)
    return hold(
      ctx,
      'operator-fenced',
      `${id} is healthy but ${f.by} fenced it at ${f.at}; only an operator re-admits it`,
    );
  const d = ctx.base.detached[id];
  if (d)
    return hold(
      ctx,
      'operator-detached',
      `${id} is healthy but ${d.by} detached it at ${d.at}; only an operator re-associates it`,
    );
  if (upForSeconds(ctx, id) < minStable)
    return hold(
      ctx,
      'min-dwell',
      `${id} is up since ${upSince}; failback needs ${minStable} s of stability: ${waitText(stable, 'a failback step')}`,
      { wait: stable },
    );
  const shift = ctx.base.plannedShifts?.[id];
  if (shift && Date.parse(shift.until) > Date.parse(ctx.now)) {
    const wait = waitUntil(ctx, shift.until);
    return hold(
      ctx,
      'planned-shift',
      `${id} is healthy, but ${shift.by} shifted traffic away from it (${shift.reason}); the shift expires in ${waitText(wait, 'failback')}`,
      { wait },
    );
  }
  if (!ctx.policy.failback.automatic)
    return hold(
      ctx,
      'awaiting-operator',
      `${id} is healthy and stable; failback is manual (failback.automatic is false): send a failback-step request`,
    );
  const cooling = cooldownWait(ctx);
  if (cooling)
    return hold(
      ctx,
      'cooldown',
      `${id} is ready for failback; cooldown has ${waitText(cooling, 'automatic failback')}`,
      { wait: cooling },
    );
  return stepPlan(ctx, id, 0, 'automation', `${id} healthy for ${minStable} s or more; automatic failback`);
}

function steady(ctx: DecisionContext): Plan {
  const s = summary(ctx);
  const as = ctx.assessments;
  if (as.some((a) => a.partition))
    return hold(ctx, 'agent-partition', `agent partition, not a zone failure: nothing moves; ${s}`);
  if (as.some((a) => a.alarmFiredOn && a.verdict !== 'down'))
    return hold(ctx, 'unconfirmed', `an alarm without the required confirmation: nothing moves; ${s}`);
  if (as.some((a) => a.insufficientData)) return hold(ctx, 'insufficient-data', `nothing moves; ${s}`);
  if (as.some((a) => a.verdict === 'suspect'))
    return hold(ctx, 'unconfirmed', `no alarm, nothing moves; ${s}`);
  return hold(ctx, 'steady', `nothing to do; ${s}`);
}
