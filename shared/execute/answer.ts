/** The JSON the alarm function answers: the decision, its reason, what was done and how long each step took. */
import type { Plan } from '../policy/types';

/** The alarm function's answer. */
export interface AlarmAnswer {
  decision: Plan['kind'] | 'ignored';
  rule?: string;
  reason: string;
  plan?: { kind: string; cluster?: string; weights?: unknown; verdicts?: unknown; incident?: string | null };
  /** The whole Plan (dry run only). */
  fullPlan?: Plan;
  actions: string[];
  timings: Record<string, number>;
  dryRun: boolean;
  committed?: boolean;
  errors: string[];
}

/** Builds the answer from a Plan. */
export function answerOf(o: {
  plan: Plan;
  actions: string[];
  timings: Record<string, number>;
  dryRun: boolean;
  errors: string[];
  committed?: boolean;
  full?: boolean;
}): AlarmAnswer {
  const p = o.plan;
  return {
    decision: p.kind,
    ...(p.kind === 'hold' ? { rule: p.rule } : {}),
    reason: p.reason,
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
    errors: o.errors,
  };
}
