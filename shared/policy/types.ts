/**
 * The data the decision policy reads and writes: Observations (what the observer saw), RoutingState (what
 * fleet-dr committed last time, persisted as JSON on the Fleet) and Plan (what to do next). Every time is an
 * ISO-8601 string so that the state round-trips through JSON unchanged. Types come from the schemas (z.infer).
 *
 * Example observations: events/observations/*.json; example states: events/state/*.json;
 * the formats are documented in docs/decision-rules.md.
 */
import { z } from 'zod';
import type { Policy } from '../config';

/** An ISO-8601 instant with a zone (`Z` or `+08:00`). */
export const IsoTimeSchema = z.iso.datetime({ offset: true });

/** The signal sources a verdict is built from; an alarm on the probe metric counts as `probe`. */
export const SourceSchema = z.enum(['alarm', 'probe', 'ackState', 'gatewayHealth', 'readyReplicas']);

/** A per-source verdict. `unknown` is never healthy. */
export const SourceVerdictSchema = z.enum(['up', 'down', 'unknown']);

/**
 * A cluster's overall verdict: `down` only when the agreement rule holds; `suspect` when some source says
 * down without enough agreement (or an agent partition); `unknown` when nothing says anything.
 */
export const ClusterVerdictSchema = z.enum(['up', 'down', 'suspect', 'unknown']);

/** CloudMonitor alarm states; INSUFFICIENT_DATA is read per policy.detection.insufficientData. */
export const AlarmStateSchema = z.enum(['OK', 'ALERT', 'INSUFFICIENT_DATA']);

/** One alarm as seen by the observer (latest state of the rule). */
export const AlarmObservationSchema = z.strictObject({
  name: z.string().min(1),
  metricName: z.string().min(1),
  state: AlarmStateSchema,
  at: IsoTimeSchema,
  /** True when the alarm is on fleet-dr's own probe metric; also inferred from policy.detection.probeMetricNames. */
  onProbeMetric: z.boolean().default(false),
});

/** One active probe result. */
export const ProbeResultSchema = z.strictObject({
  at: IsoTimeSchema,
  ok: z.boolean(),
  status: z.number().int().optional(),
  latencyMs: z.number().min(0).optional(),
  error: z.string().optional(),
});

/** One Argo CD Application deploying a route's namespace to a cluster, with its sync and health status. */
export const GitopsApplicationSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  /** Argo CD's `status.sync.status` (Synced, OutOfSync, Unknown; '' when there is none). */
  sync: z.string(),
  /** Argo CD's `status.health.status` (Healthy, Progressing, Degraded, ...; '' when there is none). */
  health: z.string(),
});

/**
 * The GitOps reading of one cluster, gathered for a failback step only: the Argo CD Applications that deploy the
 * routes' namespaces to it, or `error` when they could not be read (a failback step then refuses: fail closed).
 * Example: `{ applications: [{ name: 'web-demo-ack-az1', namespace: 'argocd', sync: 'Synced', health: 'Healthy' }], at }`.
 */
export const GitopsObservationSchema = z.union([
  z.strictObject({ applications: z.array(GitopsApplicationSchema), at: IsoTimeSchema }),
  z.strictObject({ error: z.string().min(1), at: IsoTimeSchema }),
]);

/** Everything observed about one cluster; a missing part is "not observed", never "healthy". */
export const ClusterObservationSchema = z.strictObject({
  alarms: z.array(AlarmObservationSchema).default([]),
  probes: z.array(ProbeResultSchema).default([]),
  /** ACK/ACK One cluster state (describeClusterDetail `state`: running, unavailable, disconnected, ...). */
  ackState: z
    .strictObject({ state: z.string().min(1), at: IsoTimeSchema })
    .nullable()
    .default(null),
  /** MSE gateway service health (ListGatewayService `HealthStatus`). */
  gatewayHealth: z
    .strictObject({ status: z.enum(['Health', 'Unhealthy', 'Unknown']), at: IsoTimeSchema })
    .nullable()
    .default(null),
  readyReplicas: z
    .strictObject({ ready: z.number().int().min(0), desired: z.number().int().min(0), at: IsoTimeSchema })
    .nullable()
    .default(null),
  /** Whether the cluster is associated with the Fleet and listed on the gateway, when known. */
  membership: z
    .strictObject({ attachedToFleet: z.boolean(), onGateway: z.boolean(), at: IsoTimeSchema })
    .nullable()
    .default(null),
  /** Argo CD's view of the cluster's workloads; null: not gathered (only a failback step reads it). */
  gitops: GitopsObservationSchema.nullable().default(null),
});

/** The alarm that triggered this decision, if any; `key` identifies one alarm occurrence for dedup. */
export const TriggerAlarmSchema = z.strictObject({
  key: z.string().min(1),
  /** The alarm rule's id, when the event names one; with clusterId it identifies the rule's stream of states. */
  ruleId: z.string().min(1).optional(),
  clusterId: z.string().min(1),
  name: z.string().min(1),
  metricName: z.string().min(1),
  state: AlarmStateSchema,
  at: IsoTimeSchema,
  onProbeMetric: z.boolean().default(false),
});

/** Operator actions a (signed, already verified) operator request may ask for. */
export const OperatorActionSchema = z.enum([
  'failback-step',
  'failback-abort',
  'fence',
  'readmit',
  'reassociate',
  'detach',
  'pause',
  'resume',
  /** A planned shift away from a healthy cluster (maintenance) until `until`; again on the same cluster extends it. */
  'shift',
]);

/** An operator request, already authenticated by the caller; `id` (if any) is deduplicated. */
export const OperatorRequestSchema = z.strictObject({
  action: OperatorActionSchema,
  /** Required for fence, readmit, reassociate and detach. */
  cluster: z.string().min(1).optional(),
  by: z.string().min(1),
  at: IsoTimeSchema,
  id: z.string().min(1).optional(),
  reason: z.string().optional(),
  /**
   * failback-step: the ramp step (0-based) the operator means to move to. When it is not the next step (another
   * operator stepped first), the request is refused (`operator-conflict`): two operators stepping at once
   * give one step.
   */
  stepIndex: z.number().int().min(0).optional(),
  /**
   * failback-step: an automatic ramp the operator authorised. Each step waits out the dwell
   * (`minStableSecondsBeforeFailback` after the previous step); the authorisation is kept with the failback.
   */
  auto: z.boolean().optional(),
  /** shift: when the planned shift expires by itself. */
  until: IsoTimeSchema.optional(),
});

/** The observer's input to decide(); clusters are keyed by cluster id. */
export const ObservationsSchema = z.strictObject({
  observedAt: IsoTimeSchema,
  clusters: z.record(z.string(), ClusterObservationSchema),
  trigger: TriggerAlarmSchema.nullable().default(null),
  operatorRequest: OperatorRequestSchema.optional(),
  /** The drift check asked for this decision (policy `drift.repair: safe`): what it found to repair. */
  driftRepair: z.strictObject({ cause: z.string().min(1) }).optional(),
});

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
  /** Recently handled alarm keys (and `op:<id>` operator request ids), newest last, bounded. */
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

export type Source = z.infer<typeof SourceSchema>;
export type SourceVerdict = z.infer<typeof SourceVerdictSchema>;
export type ClusterVerdict = z.infer<typeof ClusterVerdictSchema>;
export type AlarmState = z.infer<typeof AlarmStateSchema>;
export type AlarmObservation = z.infer<typeof AlarmObservationSchema>;
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
export type ClusterObservation = z.infer<typeof ClusterObservationSchema>;
export type GitopsObservation = z.infer<typeof GitopsObservationSchema>;
export type TriggerAlarm = z.infer<typeof TriggerAlarmSchema>;
export type OperatorAction = z.infer<typeof OperatorActionSchema>;
export type OperatorRequest = z.infer<typeof OperatorRequestSchema>;
/** Parsed observations (defaults filled in). */
export type Observations = z.infer<typeof ObservationsSchema>;
/** Observations as a producer may write them (defaulted fields optional). */
export type ObservationsInput = z.input<typeof ObservationsSchema>;
export type Weights = z.infer<typeof WeightsSchema>;
export type SourceHistory = z.infer<typeof SourceHistorySchema>;
export type ClusterHistory = z.infer<typeof ClusterHistorySchema>;
export type RoutingState = z.infer<typeof RoutingStateSchema>;
export type Signal = z.infer<typeof SignalSchema>;
export type HoldRule = z.infer<typeof HoldRuleSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type OutboxRecord = z.infer<typeof OutboxRecordSchema>;
export type MessageFacts = z.infer<typeof MessageFactsSchema>;
export type PlanKind = Plan['kind'];
/** A Plan of one kind, e.g. `PlanOf<'shift'>`. */
export type PlanOf<K extends PlanKind> = Extract<Plan, { kind: K }>;

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
