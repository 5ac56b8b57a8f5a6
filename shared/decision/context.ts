/** The inputs of one decision, worked out once, and helpers that build Plans from them. */
import type { Policy } from '../config';
import { type Assessment, explain } from './assess';
import type { ClusterVerdict, Observations } from './observations';
import type { HoldRule, Plan, PlanOf } from './plan';
import type { RoutingState, Signal } from './routing-state';
import { addSeconds, secondsBetween, secondsUntil } from './time';

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

/** The wait until the cooldown after the last transition ends; null when there is none left. */
export function cooldownWait(ctx: DecisionContext): Wait | null {
  const lt = ctx.base.lastTransition;
  if (!lt || cooldownLeft(ctx) <= 0) return null;
  return waitAfter(ctx, lt.at, ctx.policy.timing.cooldownSeconds);
}

/**
 * The wait until `id` has been up `minStableSecondsBeforeFailback` (from its `upSince`, else from now): when
 * a failback step, a re-admit or a re-association becomes possible.
 */
export function stableWait(ctx: DecisionContext, id: string): Wait {
  const since = ctx.base.verdicts[id]?.upSince ?? ctx.now;
  return waitAfter(ctx, since, ctx.policy.timing.minStableSecondsBeforeFailback);
}

/** Least time between two failback steps (manual or automatic). */
export const stepDwellSeconds = (policy: Policy): number =>
  policy.failback.stepDwellSeconds ?? policy.timing.minStableSecondsBeforeFailback;

/** Seconds a cluster has been continuously up (0 when it is not up). */
export function upForSeconds(ctx: DecisionContext, id: string): number {
  const since = ctx.base.verdicts[id]?.upSince;
  return since ? Math.max(0, secondsBetween(since, ctx.now)) : 0;
}

/** A short summary of every cluster's verdict, for reasons. */
export function summary(ctx: DecisionContext): string {
  return ctx.assessments.map((a) => explain(a, ctx.policy)).join('; ');
}

/** When a refused action becomes possible, for a refusal that depends on time. */
export interface Wait {
  /** The moment the action becomes possible (UTC ISO). */
  until: string;
  /** Whole seconds from now until then, rounded up (0 when it is already possible). */
  remainingSeconds: number;
}

/** The wait until `until` (any ISO time), seen from this decision's `now`. */
export function waitUntil(ctx: DecisionContext, until: string): Wait {
  const normalised = addSeconds(until, 0);
  return { until: normalised, remainingSeconds: secondsUntil(normalised, ctx.now) };
}

/** The wait until `seconds` after `from`, e.g. the end of a cooldown or a dwell. */
export const waitAfter = (ctx: DecisionContext, from: string, seconds: number): Wait =>
  waitUntil(ctx, addSeconds(from, seconds));

/** How a timed refusal says it in words: "42 s left; fail over possible from 2025-06-01T08:05:00.000Z". */
export const waitText = (w: Wait, action: string): string =>
  `${w.remainingSeconds} s left; ${action} possible from ${w.until}`;

/** Options of a hold: the state it commits (else the base state) and, for a timed refusal, the wait. */
export interface HoldOptions {
  nextState?: RoutingState;
  wait?: Wait;
}

/**
 * A hold that commits the base state (or `nextState`). A timed refusal passes its `wait`, which the Plan
 * carries as `until` and `remainingSeconds`. A RoutingState in place of the options is its `nextState`.
 */
export function hold(
  ctx: DecisionContext,
  rule: HoldRule,
  reason: string,
  options: HoldOptions | RoutingState = {},
): PlanOf<'hold'> {
  const o: HoldOptions = 'version' in options ? { nextState: options } : options;
  return {
    kind: 'hold',
    rule,
    ...(o.wait ? { until: o.wait.until, remainingSeconds: o.wait.remainingSeconds } : {}),
    reason,
    signals: ctx.signals,
    verdicts: ctx.verdicts,
    nextState: o.nextState ?? ctx.base,
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
