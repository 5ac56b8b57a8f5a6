/**
 * The operator function's timer (every minute): it walks what operators set going and left to time, with no
 * function ever sleeping. An automatic failback ramp whose dwell is over takes its next step; a planned shift
 * that expired starts the failback ramp of its cluster, as an automatic ramp by the operator who set the shift.
 * Each is an operator request to the one decision pipeline, by the operator who authorised it, so the decision
 * checks everything again (cluster up and stable, pause, regression, fences, safety) and may refuse; the next
 * tick tries again. A tick that finds nothing due reads the state once and decides nothing.
 */

import { stepDwellSeconds } from '../../shared/decision/context';
import type { OperatorRequest } from '../../shared/decision/observations';
import type { RoutingState } from '../../shared/decision/routing-state';
import { runDecision } from '../../shared/pipeline/run-decision';
import { type ActionDeps, nextStepIndex } from './actions';

/** What one tick did. */
export interface TickReport {
  now: string;
  /** One entry per request the tick sent to the decision: what and the decision's answer. */
  ran: Array<{ why: string; decision: string; rule?: string; reason: string; until?: string }>;
  /** Why nothing ran, when nothing did. */
  idle?: string;
}

/** The requests due at `now` (pure: from the committed state). */
export function dueRequests(
  s: RoutingState,
  dwellSeconds: number,
  policyPaused: boolean,
  now: Date,
): Array<{ why: string; request: OperatorRequest }> {
  if (policyPaused || s.paused) return [];
  const at = now.toISOString();
  const out: Array<{ why: string; request: OperatorRequest }> = [];
  const fb = s.failback;
  if (s.mode === 'failing-back' && fb?.auto) {
    const due = Date.parse(fb.stepStartedAt) + dwellSeconds * 1000;
    if (now.getTime() >= due)
      out.push({
        why: `automatic failback of ${fb.cluster}: step ${fb.stepIndex + 2}`,
        request: {
          action: 'failback-step',
          cluster: fb.cluster,
          by: fb.auto.by,
          at,
          id: `auto/${fb.cluster}/${fb.stepIndex + 1}/${at}`,
          reason: fb.auto.reason,
          stepIndex: nextStepIndex(s),
          auto: true,
        },
      });
  }
  for (const [cluster, shift] of Object.entries(s.plannedShifts ?? {})) {
    if (Date.parse(shift.until) > now.getTime()) continue;
    if (s.mode !== 'failed-over' || s.incident?.failedCluster !== cluster) continue;
    out.push({
      why: `planned shift off ${cluster} expired at ${shift.until}`,
      request: {
        action: 'failback-step',
        cluster,
        by: shift.by,
        at,
        id: `shift-expired/${cluster}/${at}`,
        reason: `the planned shift off ${cluster} expired at ${shift.until}; traffic returns along the failback ramp`,
        stepIndex: 0,
        auto: true,
      },
    });
  }
  return out;
}

/** One timer tick. */
export async function tick(deps: ActionDeps): Promise<TickReport> {
  const policy = deps.wiring.policy;
  const now = deps.now();
  const state = (await (await deps.wiring.routing()).read()).value;
  const due = dueRequests(state, stepDwellSeconds(policy), policy.paused, now);
  if (due.length === 0)
    return { now: now.toISOString(), ran: [], idle: 'no automatic ramp step or expired shift due' };
  const ran: TickReport['ran'] = [];
  // One at a time: each decides on what the one before committed.
  for (const { why, request } of due) {
    const a = await runDecision({
      wiring: deps.wiring,
      trigger: { kind: 'operator', request },
      log: deps.log,
      notifyFunction: deps.notifyFunction,
      probeSpacingMs: deps.probeSpacingMs,
    });
    deps.log.info('operator tick', { why, decision: a.decision, rule: a.rule, reason: a.reason });
    ran.push({
      why,
      decision: a.decision,
      ...(a.rule ? { rule: a.rule } : {}),
      reason: a.reason,
      ...(a.until ? { until: a.until } : {}),
    });
  }
  return { now: now.toISOString(), ran };
}
