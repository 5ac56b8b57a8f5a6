/** The JSON a decision answers: the decision, its reason, what was done and how long each step took. */
import type { Plan } from '../decision/plan';

/** The answer of one decision (every function that decides answers this). */
export interface DecisionAnswer {
  decision: Plan['kind'] | 'ignored';
  rule?: string;
  reason: string;
  /** For a refusal that depends on time: when the action becomes possible and the seconds left. */
  until?: string;
  remainingSeconds?: number;
  /** What started the decision (`alarm … on …`, `probe round`, …). */
  trigger?: string;
  plan?: { kind: string; cluster?: string; weights?: unknown; verdicts?: unknown; incident?: string | null };
  /** The whole Plan (dry run only). */
  fullPlan?: Plan;
  actions: string[];
  timings: Record<string, number>;
  dryRun: boolean;
  committed?: boolean;
  /** Outbox records (membership, audit, messages) still waiting after this invocation. */
  pending?: number;
  errors: string[];
}

/** The alarm function's answer (the same shape). */
export type AlarmAnswer = DecisionAnswer;

/** Builds the answer from a Plan. */
export function answerOf(o: {
  plan: Plan;
  trigger?: string;
  actions: string[];
  timings: Record<string, number>;
  dryRun: boolean;
  errors: string[];
  committed?: boolean;
  pending?: number;
  full?: boolean;
}): DecisionAnswer {
  const p = o.plan;
  return {
    decision: p.kind,
    ...(p.kind === 'hold' ? { rule: p.rule } : {}),
    reason: p.reason,
    ...(p.kind === 'hold' && p.until ? { until: p.until, remainingSeconds: p.remainingSeconds } : {}),
    ...(o.trigger ? { trigger: o.trigger } : {}),
    plan: {
      kind: p.kind,
      ...('cluster' in p ? { cluster: p.cluster } : {}),
      ...('weights' in p ? { weights: p.weights } : {}),
      verdicts: p.verdicts,
      incident: p.nextState.incident?.id ?? null,
    },
    ...(o.full ? { fullPlan: p } : {}),
    actions: o.actions,
    timings: o.timings,
    dryRun: o.dryRun,
    ...(o.committed !== undefined ? { committed: o.committed } : {}),
    ...(o.pending !== undefined ? { pending: o.pending } : {}),
    errors: o.errors,
  };
}
