/**
 * The routing state: what fleet-dr committed last time (mode, weights, incident, fences, failback, verdict
 * memory, the transactional outbox). It is PERSISTED as JSON on the Fleet by the state store
 * (shared/state/routing-store.ts) and read back by every later invocation, possibly of an older or newer
 * deployment: this file is a storage format. Its `version` field names the format; a change that an older
 * reader or an older document would not survive (renaming or removing a field, a new required field, a
 * narrower type) needs a new `version` and a migration in the store. A new field must be optional or
 * defaulted so that documents written before it still load (see test/state/routing-state-compat.test.ts).
 * The objects are strict: a reader refuses a field it does not know, so an older deployment (a rollback)
 * cannot read a document a newer one wrote with a new field; plan such rollouts accordingly.
 *
 * Example states: events/state/*.json; the format is documented in docs/decision-rules.md.
 */
import { z } from 'zod';
import type { Policy } from '../config';
import { ClusterVerdictSchema, IsoTimeSchema, SourceSchema, SourceVerdictSchema } from './observations';

/** Weights per route name per cluster id (integers 0..100, each route sums to 100). */
export const WeightsSchema = z.record(z.string(), z.record(z.string(), z.number().int().min(0).max(100)));

const actorSchema = z.enum(['automation', 'operator']);
const markSchema = z.strictObject({
  by: z.string().min(1),
  at: IsoTimeSchema,
  reason: z.string().default(''),
});

/** Hysteresis memory for one source of one cluster. */
export const SourceHistorySchema = z.strictObject({
  verdict: SourceVerdictSchema,
  failures: z.number().int().min(0),
  successes: z.number().int().min(0),
  /** The newest sample already counted; older or equal samples are ignored (no double counting). */
  lastSampleAt: IsoTimeSchema.nullable(),
  since: IsoTimeSchema.nullable(),
});

/** Verdict memory for one cluster; `upSince` is the start of the current continuous `up` stretch. */
export const ClusterHistorySchema = z.strictObject({
  verdict: ClusterVerdictSchema,
  since: IsoTimeSchema.nullable(),
  upSince: IsoTimeSchema.nullable(),
  sources: z.partialRecord(SourceSchema, SourceHistorySchema),
  /**
   * The newest probe round fleet-dr counted (the samples of one decision that probed): how many failed of how
   * many, and the newest sample's time. The error rate `status` and `failback --auto` show; absent before any.
   */
  probeRound: z
    .strictObject({ failed: z.number().int().min(0), total: z.number().int().min(1), at: IsoTimeSchema })
    .optional(),
});

/** What fleet-dr committed: persisted as JSON on the Fleet by the state store. */
export const RoutingStateSchema = z.strictObject({
  version: z.literal(1),
  /**
   * Incremented by the state store on every commit (the policy carries it through unchanged). Canaries are
   * stamped with it, so a slow writer never overwrites the weights of a newer commit.
   */
  revision: z.number().int().min(0).default(0),
  mode: z.enum(['normal', 'failed-over', 'failing-back']),
  weights: WeightsSchema,
  incident: z
    .strictObject({
      id: z.string().min(1),
      cause: z.string(),
      failedCluster: z.string().min(1),
      openedAt: IsoTimeSchema,
      /** When fleet-dr said that the failed cluster looks healthy again (once per recovery). */
      recoveryAnnounced: IsoTimeSchema.optional(),
    })
    .nullable(),
  lastTransition: z.strictObject({ at: IsoTimeSchema, by: actorSchema, reason: z.string() }).nullable(),
  /** Clusters taken off the gateway; `by` is 'automation' or the operator's name. */
  fenced: z.record(z.string(), markSchema),
  /** Clusters an operator detached from the Fleet on purpose: never re-associated automatically. */
  detached: z.record(z.string(), markSchema),
  failback: z
    .strictObject({
      cluster: z.string().min(1),
      stepIndex: z.number().int().min(0),
      stepStartedAt: IsoTimeSchema,
      /** An automatic ramp an operator authorised (`failback --auto`, or a planned shift that expired). */
      auto: markSchema.optional(),
    })
    .nullable(),
  verdicts: z.record(z.string(), ClusterHistorySchema),
  /**
   * The triggers already handled, for deduplication, newest last, bounded: alarm occurrence keys (the
   * trigger's `key`) AND operator request ids, stored as `op:<id>`. The name predates the operator requests;
   * it is a persisted field, so it keeps its name (renaming it would need a new `version` and a migration).
   */
  handledAlarmKeys: z.array(z.string()),
  /** An operator pause (in addition to policy.paused). */
  paused: markSchema.nullable(),
  /**
   * True once fleet-dr has committed a weight change. Before that the gateway's own split stands: no canary
   * is written, not even at the baseline, so a hold never takes over the split.
   */
  governsSplit: z.boolean().default(false),
  /** The newest alarm time processed per alarm rule and cluster (`<rule>/<cluster>`): older deliveries are stale. */
  alarmsSeen: z.record(z.string(), IsoTimeSchema).default({}),
  /** The loud hold already announced (one message per incident), until a decision that is not one. */
  holdAlert: z
    .strictObject({ rule: z.string().min(1), id: z.string().min(1), since: IsoTimeSchema })
    .nullable()
    .default(null),
  /**
   * The transactional outbox: side effects a commit calls for (membership changes, audit records, messages),
   * committed in the same conditional write as the state. Drained after the commit; any later invocation
   * finishes what an earlier one left.
   */
  outbox: z.array(z.lazy(() => OutboxRecordSchema)).default([]),
  /**
   * Planned shifts away from a cluster (maintenance), by cluster id: they end by themselves at `until` (the
   * operator function's timer starts the failback ramp then) or when an operator fails the cluster back.
   */
  plannedShifts: z.record(z.string(), markSchema.extend({ until: IsoTimeSchema })).optional(),
});

/** One piece of evidence behind a Plan. */
export const SignalSchema = z.strictObject({
  cluster: z.string(),
  source: z.union([SourceSchema, z.literal('operator'), z.literal('trigger')]),
  verdict: SourceVerdictSchema,
  detail: z.string(),
  at: IsoTimeSchema.nullable(),
});

/** The facts of a message fleet-dr owes the people on call; the words are written when it is queued. */
export const MessageFactsSchema = z.strictObject({
  /** transition: something moved; recovered: the failed cluster looks healthy; hold: traffic could not move. */
  template: z.enum(['transition', 'recovered', 'hold']),
  planKind: z.string().min(1),
  rule: z.string().optional(),
  reason: z.string(),
  /** The cluster the message is about. */
  cluster: z.string().min(1),
  incidentId: z.string().nullable(),
  weightsBefore: WeightsSchema,
  weightsAfter: WeightsSchema,
  signals: z.array(SignalSchema),
  /** recovered: the cluster keeps no traffic until the earliest failback step (its stable window ends). */
  heldAway: z.strictObject({ until: IsoTimeSchema, remainingSeconds: z.number().min(0) }).optional(),
});

const outboxBase = {
  /** Unique per record: `r<revision>-<n>` of the commit that called for it. */
  id: z.string().min(1),
  createdAt: IsoTimeSchema,
  attempts: z.number().int().min(0).default(0),
  lastError: z.string().nullable().default(null),
  /** Not retried before this time (backoff after a failure). */
  notBefore: IsoTimeSchema.nullable().default(null),
};

/** One side effect a commit calls for, kept in the routing state until it is done (transactional outbox). */
export const OutboxRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('membership'),
    op: z.enum(['fence', 'readmit', 'reassociate']),
    cluster: z.string().min(1),
    ...outboxBase,
  }),
  z.strictObject({ kind: z.literal('audit'), content: z.record(z.string(), z.unknown()), ...outboxBase }),
  z.strictObject({ kind: z.literal('message'), message: MessageFactsSchema, ...outboxBase }),
]);

export type Weights = z.infer<typeof WeightsSchema>;
export type SourceHistory = z.infer<typeof SourceHistorySchema>;
export type ClusterHistory = z.infer<typeof ClusterHistorySchema>;
export type RoutingState = z.infer<typeof RoutingStateSchema>;
export type Signal = z.infer<typeof SignalSchema>;
export type OutboxRecord = z.infer<typeof OutboxRecordSchema>;
export type MessageFacts = z.infer<typeof MessageFactsSchema>;

/** The state before fleet-dr has done anything: normal mode, baseline weights, no history. */
export function initialRoutingState(policy: Policy): RoutingState {
  const weights: Weights = {};
  for (const route of policy.routes) weights[route.name] = { ...route.baselineWeights };
  return {
    version: 1,
    revision: 0,
    mode: 'normal',
    weights,
    incident: null,
    lastTransition: null,
    fenced: {},
    detached: {},
    failback: null,
    verdicts: {},
    handledAlarmKeys: [],
    paused: null,
    governsSplit: false,
    alarmsSeen: {},
    holdAlert: null,
    outbox: [],
  };
}
