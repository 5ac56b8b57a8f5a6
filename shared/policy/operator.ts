/**
 * Operator requests (already authenticated by the caller). They are not automatic actions, so `paused` and the
 * cooldown do not stop them, but the minimum dwell before failback and the safety rules still apply.
 */
import { abortPlan, stepPlan } from './automation';
import {
  admittedUp,
  assessment,
  type DecisionContext,
  hold,
  plan,
  stableWait,
  upForSeconds,
  waitText,
} from './context';
import type { OperatorRequest, Plan, PlanOf, RoutingState } from './types';
import { shiftAway } from './weights';

/** The Plan for an operator request. */
export function decideForOperator(ctx: DecisionContext, req: OperatorRequest): Plan {
  const who = `operator ${req.by}`;
  const mark = { by: req.by, at: ctx.now, reason: req.reason ?? `${req.action} requested by ${req.by}` };
  if (req.action === 'pause')
    return hold(ctx, 'paused', `${who} paused automation`, {
      nextState: { ...ctx.base, paused: mark },
    });
  if (req.action === 'resume')
    return hold(ctx, 'steady', `${who} resumed automation`, {
      nextState: { ...ctx.base, paused: null },
    });
  if (req.action === 'failback-step') return failbackStep(ctx, req);
  if (req.action === 'failback-abort') {
    const fb = ctx.base.failback;
    if (ctx.base.mode !== 'failing-back' || !fb)
      return hold(ctx, 'invalid-request', `${who} asked to abort a failback, but none is in progress`);
    return abortPlan(ctx, fb.cluster, req.by, `${who} aborted the failback of ${fb.cluster}`);
  }
  const id = req.cluster;
  if (!id || !assessment(ctx, id))
    return hold(
      ctx,
      'invalid-request',
      `${who} asked to ${req.action} ${id ?? '(no cluster)'}, which is not in the policy`,
    );
  switch (req.action) {
    case 'detach':
      return hold(
        ctx,
        'operator-detached',
        `recorded: ${who} detached ${id}; fleet-dr will not re-associate it automatically`,
        { nextState: { ...ctx.base, detached: { ...ctx.base.detached, [id]: mark } } },
      );
    case 'reassociate': {
      const detached = { ...ctx.base.detached };
      delete detached[id];
      return plan<PlanOf<'reassociate'>>(ctx, {
        kind: 'reassociate',
        cluster: id,
        reason: `${who} re-associates ${id} with the Fleet`,
        nextState: { ...ctx.base, detached },
        by: req.by,
      });
    }
    case 'readmit': {
      if (!(id in ctx.base.fenced))
        return hold(ctx, 'invalid-request', `${who} asked to re-admit ${id}, which is not fenced`);
      const fenced = { ...ctx.base.fenced };
      delete fenced[id];
      return plan<PlanOf<'readmit'>>(ctx, {
        kind: 'readmit',
        cluster: id,
        reason: `${who} re-admits ${id} to the gateway at weight 0`,
        nextState: { ...ctx.base, fenced },
        by: req.by,
      });
    }
    default:
      return fence(ctx, req, id);
  }
}

function fence(ctx: DecisionContext, req: OperatorRequest, id: string): Plan {
  if (id in ctx.base.fenced) return hold(ctx, 'invalid-request', `${id} is already fenced`);
  const receivers = admittedUp(ctx);
  receivers.delete(id);
  const weights = shiftAway(ctx.policy, ctx.base.weights, new Set([id]), receivers);
  if (!weights)
    return hold(
      ctx,
      'no-healthy-target',
      `cannot fence ${id}: no other healthy cluster can take its traffic`,
    );
  const reason = `operator ${req.by} fences ${id} off the gateway${req.reason ? `: ${req.reason}` : ''}`;
  const nextState: RoutingState = {
    ...ctx.base,
    mode: ctx.base.mode === 'normal' ? 'failed-over' : ctx.base.mode,
    weights,
    fenced: { ...ctx.base.fenced, [id]: { by: req.by, at: ctx.now, reason } },
    incident: ctx.base.incident ?? {
      id: `op-${id}-${ctx.now}`,
      cause: reason,
      failedCluster: id,
      openedAt: ctx.now,
    },
    lastTransition: { at: ctx.now, by: 'operator', reason },
  };
  return plan<PlanOf<'fence'>>(ctx, { kind: 'fence', cluster: id, weights, reason, nextState, by: req.by });
}

function failbackStep(ctx: DecisionContext, req: OperatorRequest): Plan {
  const who = `operator ${req.by}`;
  const fb = ctx.base.failback;
  const inc = ctx.base.incident;
  const id =
    ctx.base.mode === 'failing-back' && fb
      ? fb.cluster
      : ctx.base.mode === 'failed-over'
        ? inc?.failedCluster
        : undefined;
  if (!id)
    return hold(ctx, 'invalid-request', `${who} asked for a failback step, but nothing is failed over`);
  const a = assessment(ctx, id);
  if (a?.verdict !== 'up')
    return hold(
      ctx,
      'failback-waiting',
      `${who} asked for a failback step, but ${id} is ${a?.verdict ?? 'unknown'}, not up`,
    );
  if (id in ctx.base.fenced)
    return hold(
      ctx,
      'operator-fenced',
      `${id} is fenced off the gateway: re-admit it before a failback step`,
    );
  if (id in ctx.base.detached || ctx.obs.clusters[id]?.membership?.attachedToFleet === false)
    return hold(
      ctx,
      'operator-detached',
      `${id} is not associated with the Fleet: re-associate it before a failback step`,
    );
  const minStable = ctx.policy.timing.minStableSecondsBeforeFailback;
  if (upForSeconds(ctx, id) < minStable) {
    const stable = stableWait(ctx, id);
    return hold(
      ctx,
      'min-dwell',
      `${who} asked for a failback step, but ${id} has been up ${Math.floor(upForSeconds(ctx, id))} s (since ${ctx.base.verdicts[id]?.upSince}); failback needs ${minStable} s of stability: ${waitText(stable, 'a failback step')}`,
      { wait: stable },
    );
  }
  const next = ctx.base.mode === 'failing-back' && fb ? fb.stepIndex + 1 : 0;
  return stepPlan(ctx, id, next, req.by, `${who} asked for the next failback step of ${id}`);
}
