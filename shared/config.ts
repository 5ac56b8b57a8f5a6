/**
 * The policy file: one YAML or JSON document that ships inside the code package. An environment variable
 * (FLEET_DR_POLICY) names its path, because Function Compute limits all of a function's environment
 * variables to 4 KB. Secrets are never inline: fields ending in `Env` name the environment variable that
 * holds the secret.
 *
 * This module owns the schema (zod) and its TypeScript types (z.infer). Cross-field checks (zones, network
 * blocks, weights) are in `config-checks.ts`, the loader in `config-loader.ts`; docs/policy.md documents
 * every field.
 */
import { z } from 'zod';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');
const cidr = z.cidrv4({ message: 'must be an IPv4 CIDR block such as 10.0.0.0/16' });
const percent = z.number().int().min(0).max(100);
const httpUrl = z.url({ protocol: /^https?$/, message: 'invalid URL (http or https)' });

/** An active probe against one cluster's application entry point (inside the VPC). */
export const ProbeSchema = z.strictObject({
  url: httpUrl,
  headers: z.record(z.string(), z.string()).default({}),
  /** Headers whose value is a secret: header name -> environment variable that holds the value. */
  secretHeadersEnv: z.record(z.string(), envName).default({}),
  expectedStatus: z.number().int().min(100).max(599).default(200),
  timeoutMs: z.number().int().positive().max(30_000).default(2_000),
});

/** A member cluster of the Fleet. */
export const ClusterSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  zone: z.string().min(1),
  /** `ack`: a managed ACK cluster; `registered`: an external cluster joined through the ACK One agent. */
  type: z.enum(['ack', 'registered']),
  role: z.enum(['primary', 'secondary']),
  vpcId: z.string().min(1),
  vSwitches: z.array(z.strictObject({ id: z.string().min(1), cidr })).default([]),
  podCidr: cidr.optional(),
  serviceCidr: cidr.optional(),
  /** A pod label of the team's own that identifies this cluster's pods; the pin when `gateway.pin` is `label`. */
  podLabel: z.strictObject({ key: z.string().min(1), value: z.string().min(1) }).optional(),
  probes: z.array(ProbeSchema).min(1),
});

/** A route fleet-dr governs: the base Ingress on the Fleet and the Service it sends to. */
export const RouteSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  ingress: z.string().min(1),
  service: z.string().min(1),
  servicePort: z.number().int().min(1).max(65535).default(80),
  /** Weights per cluster id in normal operation; they must sum to 100. */
  baselineWeights: z.record(z.string(), percent),
  /**
   * The traffic manager that carries this route: `mse-ingress` (canary Ingresses on the Fleet, the default) or
   * `asm` (the route's Istio DestinationRule on the ASM control plane; needs the policy's `asm` section).
   */
  router: z.enum(['mse-ingress', 'asm']).default('mse-ingress'),
  /** With `router: asm`: the DestinationRule to steer. Default: the route's Service, in the route's namespace. */
  destinationRule: z
    .strictObject({ name: z.string().min(1).optional(), namespace: z.string().min(1).optional() })
    .optional(),
});

/**
 * The ASM (Alibaba Cloud Service Mesh) instance whose control plane holds the DestinationRules of the routes with
 * `router: asm`. Each cluster's Istio locality is `<region>/<clusters[].zone>` (localityOf).
 */
export const AsmSchema = z.strictObject({
  /** The ASM instance id; its kubeconfig comes from the servicemesh API (DescribeServiceMeshKubeconfig). */
  serviceMeshId: z.string().min(1),
  /** The region the servicemesh API is asked in. Default: the policy's `region`. */
  regionId: z
    .string()
    .regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be a region id such as cn-hangzhou')
    .optional(),
  /** Ask for the control plane's internal-network (VPC) kubeconfig instead of the public one. */
  privateIpAddress: z.boolean().default(false),
});

/** The independent sources of health evidence fleet-dr can combine. */
export const SignalSourceSchema = z.enum(['alarm', 'probe', 'ackState', 'gatewayHealth', 'readyReplicas']);

/** How old a reading may be before it counts as unknown (seconds). */
const readingAge = z.number().int().min(1).max(86_400);

/**
 * A source that reads a level already debounced where it comes from (MSE's health checks, readiness probes, the
 * cluster's state): one fresh reading counts unless a team asks for more. The source model is in
 * shared/decision/sources.ts.
 */
const levelSource = {
  /** Consecutive agreeing readings (one per invocation) before the source changes its verdict; 1: the newest counts. */
  consecutiveReadings: z.number().int().min(1).max(10).default(1),
  /** Overrides `detection.maxReadingAgeSeconds` for this source. */
  maxReadingAgeSeconds: readingAge.optional(),
};

/** Per-source settings (docs/decision-rules.md, "Sources"). */
export const SourceSettingsSchema = z.strictObject({
  /** fleet-dr's probes: raw samples; their hysteresis is `detection.failuresToDown` / `successesToUp`. */
  probe: z.strictObject({ maxReadingAgeSeconds: readingAge.optional() }).prefault({}),
  /** MSE service `HealthStatus`, per cluster. */
  gatewayHealth: z.strictObject(levelSource).prefault({}),
  /** Ready replicas of the route's Deployment in the cluster. */
  readyReplicas: z
    .strictObject({
      ...levelSource,
      /**
       * Share of the desired replicas (0–1) that must be ready for the reading to be healthy; at least one
       * always must. 0 (default): down only when no replica is ready.
       */
      minReadyShare: z.number().min(0).max(1).default(0),
    })
    .prefault({}),
  /** The cluster's state (ACK `state`; for a registered cluster, its connection through the agent). */
  ackState: z.strictObject(levelSource).prefault({}),
});

/** The whole policy file; docs/policy.md documents every field. */
export const PolicySchema = z.strictObject({
  version: z.literal(1),
  region: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be a region id such as cn-hangzhou'),
  fleet: z.strictObject({
    id: z.string().min(1),
    /** Namespace on the Fleet where fleet-dr keeps its state (ConfigMaps). */
    stateNamespace: z.string().min(1).default('fleet-dr'),
    /** The MseIngressConfig whose `remote-clusters` annotation lists the clusters on the gateway. */
    mseIngressConfig: z.string().min(1),
    /** The MSE gateway id, for reading gateway and service health. */
    gatewayId: z.string().min(1).optional(),
  }),
  network: z.strictObject({
    vpc: z.strictObject({ id: z.string().min(1), cidr }),
    onPremisesCidrs: z.array(cidr).default([]),
  }),
  clusters: z.array(ClusterSchema).min(2),
  routes: z.array(RouteSchema).min(1),
  /** The ASM instance (required when a route has `router: asm`). */
  asm: AsmSchema.optional(),
  detection: z
    .strictObject({
      /**
       * Consecutive failed probe samples before the probe source reads down. Probes are the one raw sampled
       * source; levels (gateway health, ready replicas, cluster state) use `sources.<source>.consecutiveReadings`.
       */
      failuresToDown: z.number().int().min(1).default(3),
      /** Consecutive good probe samples before the probe source reads up again. */
      successesToUp: z.number().int().min(1).default(3),
      /** Independent sources that must agree with an alarm before an automatic failover (alarm + N). */
      confirmationsRequired: z.number().int().min(0).max(4).default(1),
      /** Which sources count as confirmation. */
      confirmingSources: z.array(SignalSourceSchema).default(['probe', 'gatewayHealth', 'readyReplicas']),
      /** Alarm metric names that are fleet-dr's own probe metric: such an alarm is the probe source, not a second one. */
      probeMetricNames: z.array(z.string()).default(['fleet_dr_probe_success']),
      /** How an INSUFFICIENT_DATA alarm is read: `unknown` (default, never healthy) or `alert`. */
      insufficientData: z.enum(['unknown', 'alert']).default('unknown'),
      /**
       * A gateway-health, ready-replicas, cluster-state or probe reading older than this counts as unknown, not
       * as its last verdict (a source may set its own in `sources.<source>.maxReadingAgeSeconds`). Above the
       * one-minute timer period, so one round's readings outlive the next round.
       */
      maxReadingAgeSeconds: readingAge.default(120),
      /** Per-source settings: consecutive readings of the level sources, their max ages, minReadyShare. */
      sources: SourceSettingsSchema.prefault({}),
      /**
       * The health-check function probes every cluster this often (seconds) within one invocation; each round
       * is one probe sample. Above the slowest probe timeout.
       */
      probeIntervalSeconds: z.number().min(1).max(300).default(10),
      /**
       * A health-check round fails a cluster when at least this share (0–1) of its probe requests failed: an
       * unexpected status (a 5xx), no answer within the probe timeout (too slow), a refused or reset connection.
       */
      probeFailureShare: z.number().gt(0).max(1).default(0.3),
    })
    .prefault({}),
  timing: z
    .strictObject({
      /** No new automatic transition within this many seconds of the last one. */
      cooldownSeconds: z.number().int().min(0).default(300),
      /** A recovered cluster must stay healthy this long before a failback step may start. */
      minStableSecondsBeforeFailback: z.number().int().min(0).default(600),
    })
    .default({ cooldownSeconds: 300, minStableSecondsBeforeFailback: 600 }),
  safety: z
    .strictObject({
      /** Least weight a healthy cluster keeps in a partial shift (not in a full failover away from a down one). */
      minHealthyWeight: percent.default(10),
    })
    .default({ minHealthyWeight: 10 }),
  failback: z
    .strictObject({
      automatic: z.boolean().default(false),
      /** Weight of the recovered cluster at each step; the last step restores the baseline. */
      steps: z.array(percent).min(1).default([10, 50, 100]),
      /**
       * Least time between two failback steps, manual or automatic, so each step's traffic is watched before
       * the next. Default: `timing.minStableSecondsBeforeFailback`.
       */
      stepDwellSeconds: z.number().int().min(0).max(86_400).optional(),
    })
    .default({ automatic: false, steps: [10, 50, 100] }),
  gateway: z
    .strictObject({
      /** Annotation keys, overridable because the MSE cluster-routing docs are unverified. */
      annotationPrefix: z.string().default('nginx.ingress.kubernetes.io'),
      msePrefix: z.string().default('mse.ingress.kubernetes.io'),
      remoteClustersAnnotation: z.string().default('mse.alibabacloud.com/remote-clusters'),
      /**
       * What pins each canary to its cluster (shared/gateway/pin.ts): `cluster-id` (topology.istio.io/cluster,
       * which the gateway sets itself), `zone` (the nodes' topology.kubernetes.io/zone) or `label` (podLabel).
       */
      pin: z.enum(['cluster-id', 'zone', 'label']).default('cluster-id'),
    })
    .default({
      annotationPrefix: 'nginx.ingress.kubernetes.io',
      msePrefix: 'mse.ingress.kubernetes.io',
      remoteClustersAnnotation: 'mse.alibabacloud.com/remote-clusters',
      pin: 'cluster-id',
    }),
  notify: z.strictObject({
    dingtalk: z.strictObject({
      /** Robot webhook base URL; the access token comes from `accessTokenEnv`. */
      url: httpUrl.default('https://oapi.dingtalk.com/robot/send'),
      accessTokenEnv: envName,
      secretEnv: envName.optional(),
      keywords: z.array(z.string()).default([]),
      atMobiles: z.array(z.string()).default([]),
      atUserIds: z.array(z.string()).default([]),
      isAtAll: z.boolean().default(false),
    }),
    /** The team's failback runbook: the button of every failover message links to it. */
    runbookUrl: httpUrl,
  }),
  secrets: z.strictObject({
    /** Token in the alarm callback URL (the HTTP trigger is anonymous for CloudMonitor). */
    callbackTokenEnv: envName,
    /** HMAC keys for signed operator requests (failback). */
    operatorHmacKeysEnv: envName,
  }),
  /** The drift check (functions/drift-check, docs/drift.md). */
  drift: z
    .strictObject({
      /** `report`: only tell people; `safe`: also repair what is safe, through the decision pipeline. */
      repair: z.enum(['report', 'safe']).default('report'),
      /** How often the check runs (its timer fires every minute and runs when this much time has passed). */
      intervalSeconds: z.number().int().min(60).max(86_400).default(300),
      /**
       * Capacity: the share (0–1) of a route's whole traffic each cluster must be able to take, read as its
       * ready replicas against this share of the replicas all clusters are asked to run.
       */
      minCapacityShare: z.number().min(0).max(1).default(0.5),
      /** fleet-dr itself: records waiting in its outboxes before that is drift. */
      maxOutboxBacklog: z.number().int().min(1).default(20),
      /** fleet-dr itself: the oldest waiting record's age (seconds) before that is drift. */
      maxOutboxAgeSeconds: z.number().int().min(1).default(900),
      /** fleet-dr itself: a failback step older than this (seconds) is a ramp stuck mid-way. */
      maxFailbackStepSeconds: z.number().int().min(1).default(3_600),
    })
    .prefault({}),
  dryRun: z.boolean().default(false),
  paused: z.boolean().default(false),
});

/** A probe with defaults filled in. */
export type Probe = z.infer<typeof ProbeSchema>;
/** A member cluster with defaults filled in. */
export type Cluster = z.infer<typeof ClusterSchema>;
/** A governed route with defaults filled in. */
export type Route = z.infer<typeof RouteSchema>;
/** One source of health evidence. */
export type SignalSource = z.infer<typeof SignalSourceSchema>;
/** The per-source settings with defaults filled in. */
export type SourceSettings = z.infer<typeof SourceSettingsSchema>;
/** A validated policy, with every default filled in. */
export type Policy = z.infer<typeof PolicySchema>;
/** The ASM settings with defaults filled in. */
export type AsmSettings = z.infer<typeof AsmSchema>;

/**
 * A cluster's Istio locality, `region/zone`: the policy's region and the cluster's zone, the values its nodes
 * carry as `topology.kubernetes.io/region` and `topology.kubernetes.io/zone`, from which Istio takes the locality
 * of every endpoint (and of every caller's sidecar).
 */
export function localityOf(policy: Pick<Policy, 'region'>, cluster: Pick<Cluster, 'zone'>): string {
  return `${policy.region}/${cluster.zone}`;
}

/** The DestinationRule a route with `router: asm` steers: its own setting, else the route's Service. */
export function destinationRuleOf(route: Pick<Route, 'service' | 'namespace' | 'destinationRule'>): {
  name: string;
  namespace: string;
} {
  return {
    name: route.destinationRule?.name ?? route.service,
    namespace: route.destinationRule?.namespace ?? route.namespace,
  };
}

/** The region the servicemesh API is asked in: `asm.regionId`, else the policy's region. */
export function asmRegionOf(policy: Pick<Policy, 'region' | 'asm'>): string {
  return policy.asm?.regionId ?? policy.region;
}
