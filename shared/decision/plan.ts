/**
 * The decision's output: a Plan (what to do next, and the routing state to commit with it) and the hold
 * rules that explain a refusal. Data only; the function executes it (or prints it in dry run).
 */
import { z } from 'zod';
import { ClusterVerdictSchema, IsoTimeSchema } from './observations';
import { RoutingStateSchema, SignalSchema, WeightsSchema } from './routing-state';

/** Why a hold: the rule that stopped (or did not need) an action. Safety rules are prefixed `safety:`. */
export const HoldRuleSchema = z.enum([
  'steady',
  'unconfirmed',
  'insufficient-data',
  'agent-partition',
  'observer-guard',
  'cooldown',
  'min-dwell',
  'duplicate-alarm',
  'stale-alarm',
  'paused',
  'awaiting-operator',
  'operator-fenced',
  'operator-detached',
  'no-healthy-target',
  'already-handled',
  'failback-waiting',
  'invalid-request',
  /** An operator request that no longer fits the state (another operator stepped first). */
  'operator-conflict',
  /** A planned shift is in force (or was extended). */
  'planned-shift',
  'safety:weights-sum-100',
  'safety:no-traffic-to-down',
  'safety:weight-on-nothing',
  'safety:min-healthy-weight',
  'safety:no-readmit-down',
]);

const planBase = {
  reason: z.string().min(1),
  signals: z.array(SignalSchema),
  /** The overall verdict per cluster this Plan was decided on. */
  verdicts: z.record(z.string(), ClusterVerdictSchema),
  nextState: RoutingStateSchema,
  /** Who the action is for: automation, or the operator who asked. */
  by: z.string().min(1),
};

/** A Plan: data only; the function executes it (or prints it in dry run). */
export const PlanSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('shift'), weights: WeightsSchema, ...planBase }),
  z.strictObject({
    kind: z.literal('fence'),
    cluster: z.string().min(1),
    weights: WeightsSchema,
    ...planBase,
  }),
  z.strictObject({ kind: z.literal('readmit'), cluster: z.string().min(1), ...planBase }),
  z.strictObject({ kind: z.literal('reassociate'), cluster: z.string().min(1), ...planBase }),
  z.strictObject({
    kind: z.literal('failback-step'),
    cluster: z.string().min(1),
    stepIndex: z.number().int().min(0),
    weights: WeightsSchema,
    ...planBase,
  }),
  z.strictObject({
    kind: z.literal('failback-abort'),
    cluster: z.string().min(1),
    weights: WeightsSchema,
    ...planBase,
  }),
  z.strictObject({
    kind: z.literal('hold'),
    rule: HoldRuleSchema,
    /** For a refusal that depends on time: when the action becomes possible, and the seconds left until then. */
    until: IsoTimeSchema.optional(),
    remainingSeconds: z.number().min(0).optional(),
    ...planBase,
  }),
]);

export type HoldRule = z.infer<typeof HoldRuleSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type PlanKind = Plan['kind'];
/** A Plan of one kind, e.g. `PlanOf<'shift'>`. */
export type PlanOf<K extends PlanKind> = Extract<Plan, { kind: K }>;
