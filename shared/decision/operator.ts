/**
 * Operator requests (already authenticated by the caller). They are not automatic actions, so the cooldown
 * does not stop them, but the minimum dwell before failback, the GitOps precondition (a failback step waits for
 * the cluster's Argo CD Applications to be Synced and Healthy) and the safety rules still apply, and a pause
 * stops failback steps (moving traffic back is what a pause is for holding); fences, aborts and planned
 * shifts, which move traffic away, still go through.
 */
import { abortPlan, stepPlan, weightsOff } from './automation';
import {
  assessment,
  type DecisionContext,
  hold,
  plan,
  stableWait,
  stepDwellSeconds,
  summary,
  upForSeconds,
  waitAfter,
  waitText,
} from './context';
import type { ClusterVerdict, OperatorRequest } from './observations';
import type { Plan, PlanOf } from './plan';
import type { RoutingState } from './routing-state';

/** The Plan for an operator request. */
export function decideForOperator(ctx: DecisionContext, req: OperatorRequest): Plan {
  const who = `operator ${req.by}`;
  const mark = { by: req.by, at: ctx.now, reason: req.reason ?? `${req.action} requested by ${req.by}` };
  if (req.action === 'pause')
    return hold(ctx, 'paused', `${who} paused automation${req.reason ? `: ${req.reason}` : ''}`, {
      nextState: { ...ctx.base, paused: mark },
    });
  if (req.action === 'resume')
    return hold(ctx, 'steady', `${who} resumed automation${req.reason ? `: ${req.reason}` : ''}`, {
      nextState: { ...ctx.base, paused: null },
    });
  if (req.action === 'failback-step') return failbackStep(ctx, req);
  if (req.action === 'failback-abort') {
    const fb = ctx.base.failback;
    if (ctx.base.mode !== 'failing-back' || !fb)
      return hold(ctx, 'invalid-request', `${who} asked to abort a failback, but none is in progress`);
    if (req.cluster && req.cluster !== fb.cluster)
      return hold(
        ctx,
        'invalid-request',
        `${who} asked to abort the failback of ${req.cluster}, but the failback in progress is of ${fb.cluster}`,
      );
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
    case 'shift':
      return plannedShift(ctx, req, id);
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
  const weights = weightsOff(ctx, id);
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

/**
 * The cluster a failback step is for (the one failing back, or the one failed over), or the refusal: nothing
 * to fail back, another cluster named, or fleet-dr paused.
 */
function failbackTarget(ctx: DecisionContext, req: OperatorRequest, who: string): string | Plan {
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
  if (req.cluster && req.cluster !== id)
    return hold(
      ctx,
      'invalid-request',
      `${who} asked for a failback step of ${req.cluster}, but the cluster to fail back is ${id}`,
    );
  const paused = ctx.policy.paused
    ? 'the policy (paused: true)'
    : ctx.base.paused
      ? `${ctx.base.paused.by} at ${ctx.base.paused.at}`
      : null;
  if (paused)
    return hold(
      ctx,
      'paused',
      `${who} asked for a failback step of ${id}, but fleet-dr is paused by ${paused}`,
    );
  return id;
}

/**
 * Why the cluster may not take the next failback step yet, in the order they are checked: not up, GitOps not
 * converged, fenced, detached, not stable long enough, the current step still dwelling. Undefined: it may.
 */
function failbackNotReady(
  ctx: DecisionContext,
  id: string,
  who: string,
  verdict: ClusterVerdict | undefined,
): Plan | undefined {
  const fb = ctx.base.failback;
  if (verdict !== 'up')
    return hold(
      ctx,
      'failback-waiting',
      `${who} asked for a failback step, but ${id} is ${verdict ?? 'unknown'}, not up`,
    );
  const gitops = gitopsNotConverged(ctx, id);
  if (gitops)
    return hold(ctx, 'failback-waiting', `${who} asked for a failback step of ${id}, but ${gitops}`);
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
  if (fb && ctx.base.mode === 'failing-back') {
    const steps = ctx.policy.failback.steps;
    const seconds = stepDwellSeconds(ctx.policy);
    const dwell = waitAfter(ctx, fb.stepStartedAt, seconds);
    if (dwell.remainingSeconds > 0)
      return hold(
        ctx,
        'min-dwell',
        `${who} asked for the next failback step of ${id}, at step ${fb.stepIndex + 1} of ${steps.length} since ${fb.stepStartedAt}; each step dwells ${seconds} s so its traffic is watched: ${waitText(dwell, 'the next step')}`,
        { wait: dwell },
      );
  }
  return undefined;
}

function failbackStep(ctx: DecisionContext, req: OperatorRequest): Plan {
  const who = `operator ${req.by}`;
  const target = failbackTarget(ctx, req, who);
  if (typeof target !== 'string') return target;
  const id = target;
  const fb = ctx.base.failback;
  const a = assessment(ctx, id);
  // A ramp in progress whose cluster regressed is aborted, whoever asks for the next step.
  if (
    ctx.base.mode === 'failing-back' &&
    fb &&
    (a?.verdict === 'down' || (a?.verdict === 'suspect' && !a.partition))
  )
    return abortPlan(
      ctx,
      id,
      'automation',
      `failback of ${id} regressed at step ${fb.stepIndex + 1}: ${summary(ctx)}`,
    );
  const next = ctx.base.mode === 'failing-back' && fb ? fb.stepIndex + 1 : 0;
  const steps = ctx.policy.failback.steps;
  if (req.stepIndex !== undefined && req.stepIndex !== next)
    return hold(
      ctx,
      'operator-conflict',
      `${who} asked for failback step ${req.stepIndex + 1} of ${id}, but the next step is ${next + 1} of ${steps.length}: the ramp moved on (another operator stepped first)`,
    );
  const notReady = failbackNotReady(ctx, id, who, a?.verdict);
  if (notReady) return notReady;
  const p = stepPlan(
    ctx,
    id,
    next,
    req.by,
    `${who} asked for the ${req.auto ? 'automatic ' : ''}next failback step of ${id}${req.reason ? ` (${req.reason})` : ''}`,
  );
  return p.kind === 'failback-step' ? withRampBookkeeping(ctx, req, p) : p;
}

/**
 * Why the cluster's GitOps has not converged (its Argo CD Applications for the routes' namespaces are not all
 * Synced and Healthy), or undefined when it has or was not gathered. An unreadable reading, or no Application
 * at all, refuses too: a step is never taken on GitOps state fleet-dr could not see.
 */
function gitopsNotConverged(ctx: DecisionContext, id: string): string | undefined {
  const g = ctx.obs.clusters[id]?.gitops;
  if (!g) return undefined;
  const waits = 'failback waits until GitOps has converged';
  if ('error' in g) return `${g.error}: ${waits} (fail closed)`;
  if (g.applications.length === 0) {
    const namespaces = [...new Set(ctx.policy.routes.map((r) => r.namespace))].join(', ');
    return `no Argo CD Application deploys ${namespaces} to ${id}: ${waits}`;
  }
  const behind = g.applications.filter((x) => x.sync !== 'Synced' || x.health !== 'Healthy');
  if (behind.length === 0) return undefined;
  const each = behind.map(
    (x) =>
      `Argo CD Application ${x.namespace}/${x.name} is ${x.sync || 'without sync status'}, ${x.health || 'without health status'}`,
  );
  return `${each.join('; ')}: ${waits}`;
}

/**
 * A failback step ends a planned shift of its cluster, and carries an automatic ramp's authorisation to the
 * next step (a manual step takes the ramp over: the authorisation is not carried).
 */
function withRampBookkeeping(ctx: DecisionContext, req: OperatorRequest, p: PlanOf<'failback-step'>): Plan {
  const nextState: RoutingState = { ...p.nextState };
  const shifts = nextState.plannedShifts;
  if (shifts && p.cluster in shifts) {
    const rest = { ...shifts };
    delete rest[p.cluster];
    nextState.plannedShifts = rest;
  }
  if (req.auto && nextState.failback) {
    const reason = req.reason ?? `automatic failback authorised by ${req.by}`;
    const auto = ctx.base.failback?.auto ?? { by: req.by, at: ctx.now, reason };
    nextState.failback = { ...nextState.failback, auto };
  }
  return { ...p, nextState };
}

/**
 * A planned shift away from a healthy cluster until `req.until`, as an incident opened by the operator (so the
 * failback rules bring the traffic back); again on a cluster already shifted, it moves the expiry. Never toward a
 * cluster that is not up, and never while another incident or a failback is open.
 */
function plannedShift(ctx: DecisionContext, req: OperatorRequest, id: string): Plan {
  const who = `operator ${req.by}`;
  const until = req.until;
  if (!until || Date.parse(until) <= Date.parse(ctx.now))
    return hold(
      ctx,
      'invalid-request',
      `${who} asked to shift traffic off ${id} without an expiry in the future`,
    );
  const reason = `${who} shifts traffic off ${id} until ${until}${req.reason ? `: ${req.reason}` : ''}`;
  const mark = { by: req.by, at: ctx.now, reason, until };
  const current = ctx.base.plannedShifts?.[id];
  if (current && ctx.base.mode === 'failed-over' && ctx.base.incident?.failedCluster === id)
    return hold(
      ctx,
      'planned-shift',
      `${who} extends the planned shift off ${id} (was until ${current.until}) until ${until}`,
      {
        nextState: {
          ...ctx.base,
          plannedShifts: { ...ctx.base.plannedShifts, [id]: { ...mark, at: current.at } },
        },
      },
    );
  if (ctx.base.mode !== 'normal' || ctx.base.incident)
    return hold(
      ctx,
      'operator-conflict',
      `${who} asked to shift traffic off ${id}, but fleet-dr is ${ctx.base.mode}${ctx.base.incident ? ` (incident ${ctx.base.incident.id} on ${ctx.base.incident.failedCluster})` : ''}: finish or abort that first`,
    );
  const weights = weightsOff(ctx, id);
  if (!weights)
    return hold(
      ctx,
      'no-healthy-target',
      `cannot shift traffic off ${id}: no other healthy cluster can take it; ${summary(ctx)}`,
    );
  const nextState: RoutingState = {
    ...ctx.base,
    mode: 'failed-over',
    weights,
    incident: { id: `shift-${id}-${ctx.now}`, cause: reason, failedCluster: id, openedAt: ctx.now },
    failback: null,
    plannedShifts: { ...ctx.base.plannedShifts, [id]: mark },
    lastTransition: { at: ctx.now, by: 'operator', reason },
  };
  return plan<PlanOf<'shift'>>(ctx, { kind: 'shift', weights, reason, nextState, by: req.by });
}
