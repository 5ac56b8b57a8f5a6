/**
 * decide(): the pure decision. Same inputs, same Plan; no I/O and no clock. Order: verdicts (with hysteresis),
 * operator request, alarm dedup, automatic rules, `paused`, then the safety rules on whatever came out.
 */
import type { Policy } from '../config';
import { assessAll } from './assess';
import { decideAutomatically } from './automation';
import { alarmStream, keepBooks } from './bookkeeping';
import { type DecisionContext, hold } from './context';
import type { ClusterVerdict, Observations } from './observations';
import { decideForOperator } from './operator';
import type { Plan } from './plan';
import type { RoutingState, Signal } from './routing-state';
import { enforceSafety } from './safety';
import { ms } from './time';

/** Builds the decision context: every cluster assessed, the new verdict history folded into `base`. */
export function buildContext(
  policy: Policy,
  obs: Observations,
  state: RoutingState,
  now: string,
): DecisionContext {
  const assessments = assessAll(policy, obs, state.verdicts, now);
  const histories = { ...state.verdicts };
  const verdicts: Record<string, ClusterVerdict> = {};
  const signals: Signal[] = [];
  const t = obs.trigger;
  if (t)
    signals.push({
      cluster: t.clusterId,
      source: 'trigger',
      verdict: t.state === 'OK' ? 'up' : t.state === 'ALERT' ? 'down' : 'unknown',
      detail: `triggered by alarm ${t.name} (${t.metricName}) ${t.state}, key ${t.key}`,
      at: t.at,
    });
  const r = obs.operatorRequest;
  if (r)
    signals.push({
      cluster: r.cluster ?? '*',
      source: 'operator',
      verdict: 'unknown',
      detail: `operator ${r.by} requested ${r.action}${r.cluster ? ` on ${r.cluster}` : ''}`,
      at: r.at,
    });
  for (const a of assessments) {
    histories[a.cluster.id] = a.history;
    verdicts[a.cluster.id] = a.verdict;
    signals.push(...a.signals);
  }
  const base: RoutingState = { ...state, verdicts: histories };
  return { policy, obs, prior: state, base, now, assessments, verdicts, signals };
}

/**
 * A hold when the triggering alarm was handled already, or is older than what is already known: a newer
 * state of the same alarm rule on the same cluster, or the last transition. Such a hold changes nothing.
 */
function dedup(ctx: DecisionContext): Plan | null {
  const t = ctx.obs.trigger;
  if (!t) return null;
  if (ctx.prior.handledAlarmKeys.includes(t.key))
    return hold(
      ctx,
      'duplicate-alarm',
      `alarm ${t.name} (key ${t.key}) was already handled; a repeat changes nothing`,
    );
  const seen = ctx.prior.alarmsSeen[alarmStream(t)];
  if (seen && ms(t.at) < ms(seen))
    return hold(
      ctx,
      'stale-alarm',
      `alarm ${t.name} ${t.state} at ${t.at} is older than the state of the same alarm on ${t.clusterId} already processed (at ${seen}); out-of-order alarms change nothing`,
    );
  const lt = ctx.prior.lastTransition;
  if (lt && ms(t.at) < ms(lt.at))
    return hold(
      ctx,
      'stale-alarm',
      `alarm ${t.name} at ${t.at} is older than the last transition at ${lt.at}; out-of-order alarms change nothing`,
    );
  return null;
}

/** Turns an automatic action into a hold when automation is paused (by policy or by an operator). */
function applyPause(ctx: DecisionContext, p: Plan): Plan {
  const paused = ctx.policy.paused
    ? 'the policy (paused: true)'
    : ctx.base.paused
      ? `${ctx.base.paused.by} at ${ctx.base.paused.at}`
      : null;
  if (!paused || p.kind === 'hold') return p;
  return hold(ctx, 'paused', `automation is paused by ${paused}; it would have done ${p.kind}: ${p.reason}`);
}

/**
 * The decision: a Plan with its reason, the signals behind it and the state to commit if it is applied. The
 * state to commit carries the bookkeeping and the outbox of side effects the Plan calls for (bookkeeping.ts).
 */
export function decide(
  policy: Policy,
  observations: Observations,
  routingState: RoutingState,
  now: string,
): Plan {
  const ctx = buildContext(policy, observations, routingState, now);
  const req = observations.operatorRequest;
  let p: Plan;
  if (req?.id && routingState.handledAlarmKeys.includes(`op:${req.id}`))
    p = hold(ctx, 'duplicate-alarm', `operator request ${req.id} was already handled`);
  else if (req) p = decideForOperator(ctx, req);
  else p = dedup(ctx) ?? applyPause(ctx, decideAutomatically(ctx));
  return keepBooks(ctx, enforceSafety(policy, p, ctx.verdicts, ctx.base));
}
