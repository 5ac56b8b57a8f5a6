/** The inputs of one decision, worked out once, and helpers that build Plans from them. */
import type { Policy } from '../config';
import { type Assessment, explain } from './assess';
import { secondsBetween } from './time';
import type { ClusterVerdict, HoldRule, Observations, Plan, PlanOf, RoutingState, Signal } from './types';

/** One decision's inputs and derived facts. */
export interface DecisionContext {
  policy: Policy;
  obs: Observations;
  /** The state as committed before this decision. */
  prior: RoutingState;
  /** The prior state plus this run's verdict history: what a hold commits. */
  base: RoutingState;
  now: string;
  assessments: Assessment[];
  verdicts: Record<string, ClusterVerdict>;
  signals: Signal[];
}

/** The assessment of one cluster (every policy cluster has one). */
export function assessment(ctx: DecisionContext, id: string): Assessment | undefined {
  return ctx.assessments.find((a) => a.cluster.id === id);
}

/** Seconds left in the cooldown after the last transition (0 when none). */
export function cooldownLeft(ctx: DecisionContext): number {
  const lt = ctx.base.lastTransition;
  if (!lt) return 0;
  return Math.max(0, ctx.policy.timing.cooldownSeconds - secondsBetween(lt.at, ctx.now));
}

/** Seconds a cluster has been continuously up (0 when it is not up). */
export function upForSeconds(ctx: DecisionContext, id: string): number {
  const since = ctx.base.verdicts[id]?.upSince;
  return since ? Math.max(0, secondsBetween(since, ctx.now)) : 0;
}

/** A short summary of every cluster's verdict, for reasons. */
export function summary(ctx: DecisionContext): string {
  return ctx.assessments.map((a) => explain(a, ctx.policy)).join('; ');
}

/** A hold that commits the base state (or `nextState`). */
export function hold(
  ctx: DecisionContext,
  rule: HoldRule,
  reason: string,
  nextState?: RoutingState,
): PlanOf<'hold'> {
  return {
    kind: 'hold',
    rule,
    reason,
    signals: ctx.signals,
    verdicts: ctx.verdicts,
    nextState: nextState ?? ctx.base,
    by: 'automation',
  };
}

/** Fills in the parts every Plan shares. */
export function plan<P extends Plan>(
  ctx: DecisionContext,
  p: Omit<P, 'signals' | 'verdicts' | 'by'> & { by?: string },
): P {
  return { ...p, signals: ctx.signals, verdicts: ctx.verdicts, by: p.by ?? 'automation' } as P;
}

/** The ids of the policy's clusters whose verdict is `up` and that are neither fenced nor detached. */
export function admittedUp(ctx: DecisionContext, state: RoutingState = ctx.base): Set<string> {
  return new Set(
    ctx.assessments
      .filter(
        (a) => a.verdict === 'up' && !(a.cluster.id in state.fenced) && !(a.cluster.id in state.detached),
      )
      .map((a) => a.cluster.id),
  );
}
