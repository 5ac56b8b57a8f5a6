/**
 * Safety rules checked on every Plan, separately from the rules that chose it: a Plan that breaks one is
 * replaced by a hold that names the rule. A hold changes nothing, so it never breaks a rule.
 */
import type { Policy } from '../config';
import type { ClusterVerdict } from './observations';
import type { HoldRule, Plan } from './plan';
import type { RoutingState, Weights } from './routing-state';
import { routeClusters } from './weights';

/** A broken safety rule and what broke it. */
export interface Violation {
  rule: HoldRule;
  detail: string;
}

/** The weights a Plan would set, if it sets any. */
export function planWeights(plan: Plan): Weights | null {
  return 'weights' in plan ? plan.weights : null;
}

/** Every safety rule the Plan breaks (empty when it is safe). */
export function checkSafety(
  policy: Policy,
  plan: Plan,
  verdicts: Record<string, ClusterVerdict>,
): Violation[] {
  const out: Violation[] = [];
  if ((plan.kind === 'readmit' || plan.kind === 'reassociate') && verdicts[plan.cluster] === 'down')
    out.push({ rule: 'safety:no-readmit-down', detail: `${plan.cluster} is down` });
  const weights = planWeights(plan);
  if (!weights) return out;
  const excluded = (id: string) => id in plan.nextState.fenced || id in plan.nextState.detached;
  const known = new Set(policy.clusters.map((c) => c.id));
  for (const route of policy.routes) {
    const w = weights[route.name];
    if (!w) {
      out.push({ rule: 'safety:weights-sum-100', detail: `route ${route.name} has no weights` });
      continue;
    }
    const entries = Object.entries(w);
    const sum = entries.reduce((s, [, x]) => s + x, 0);
    const bad = entries.filter(([, x]) => !Number.isInteger(x) || x < 0 || x > 100);
    if (sum !== 100 || bad.length > 0)
      out.push({ rule: 'safety:weights-sum-100', detail: `route ${route.name} weights sum to ${sum}` });
    const live = entries.filter(([id, x]) => x > 0 && known.has(id) && !excluded(id));
    if (live.length === 0)
      out.push({
        rule: 'safety:weight-on-nothing',
        detail: `route ${route.name} sends no weight to any admitted cluster`,
      });
    const ids = routeClusters(policy, route);
    const anyUp = ids.some((id) => verdicts[id] === 'up' && !excluded(id));
    for (const [id, x] of entries) {
      if (x > 0 && verdicts[id] === 'down' && anyUp)
        out.push({
          rule: 'safety:no-traffic-to-down',
          detail: `route ${route.name} sends ${x}% to ${id}, which is down, while another cluster is up`,
        });
    }
    for (const id of ids) {
      const x = w[id] ?? 0;
      const floor = Math.min(policy.safety.minHealthyWeight, route.baselineWeights[id] ?? 0);
      if (verdicts[id] === 'up' && !excluded(id) && x > 0 && x < floor)
        out.push({
          rule: 'safety:min-healthy-weight',
          detail: `route ${route.name} gives healthy ${id} ${x}%, below the minimum ${floor}% of a partial shift`,
        });
    }
  }
  return out;
}

/**
 * Returns the Plan unchanged when it is safe, else a hold naming the first broken rule; the hold commits
 * `heldState` (the state before the Plan, with this run's verdict history), not the Plan's nextState.
 */
export function enforceSafety(
  policy: Policy,
  plan: Plan,
  verdicts: Record<string, ClusterVerdict>,
  heldState: RoutingState,
): Plan {
  const violations = checkSafety(policy, plan, verdicts);
  const first = violations[0];
  if (!first) return plan;
  return {
    kind: 'hold',
    rule: first.rule,
    reason: `safety rule ${first.rule} blocked a ${plan.kind} plan (${violations.map((v) => v.detail).join('; ')}); it was: ${plan.reason}`,
    signals: plan.signals,
    verdicts: plan.verdicts,
    nextState: heldState,
    by: plan.by,
  };
}
