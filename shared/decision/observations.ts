/**
 * The decision's inputs: what the observer saw of each cluster (alarms, probes, ACK state, gateway health, ready
 * replicas, membership, GitOps), the alarm that triggered the decision and an operator request. Also the signal
 * sources and verdict vocabularies the decision reads them with. Every time is an ISO-8601 string so that the
 * data round-trips through JSON unchanged. Types come from the schemas (z.infer).
 *
 * Example observations: events/observations/*.json; the format is documented in docs/decision-rules.md.
 */
import { z } from 'zod';

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
