/**
 * What the drift check reads (a DriftSnapshot, gathered by observe.ts) and what it finds (Differences). The
 * comparisons (one file per kind of difference) are pure: the snapshot and the policy in, differences out, no
 * clock and no I/O, so they are table-tested and a real Fleet and the sandbox are compared the same way.
 */
import type { Policy } from '../config';
import type { RoutingState } from '../decision/routing-state';
import type { DestinationRuleSpec } from '../gateway/asm-distribute';

/** The kinds of difference, grouped as docs/drift.md groups them. */
export const DRIFT_KINDS = [
  // routing
  'canary-missing',
  'canary-weight',
  'canary-revision',
  'canary-pin',
  'pin-selects-nothing',
  'foreign-canary',
  'mesh-rule-missing',
  'mesh-rule-weights',
  'mesh-rule-foreign-edit',
  'mesh-outlier-missing',
  // GitOps ownership
  'canary-gitops-tracked',
  'base-ingress-missing',
  'base-ingress-mismatch',
  // membership
  'fleet-association',
  'gateway-membership',
  'gateway-not-listening',
  // applications
  'application-out-of-sync',
  'application-unhealthy',
  'application-missing',
  'service-missing',
  'service-no-ready-endpoints',
  // capacity
  'capacity-low',
  // fleet-dr itself
  'outbox-backlog',
  'failback-stuck',
  'state-unparseable',
] as const;

/** One kind of difference. */
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** How the pipeline repairs a difference that is safe to repair. */
export type RepairKind = 'weights' | 'reassociate' | 'readmit';

/** One difference between what should be and what is. */
export interface Difference {
  kind: DriftKind;
  /** The object it is about: `ingress web-demo/web-demo-fleet-dr-c1`, `cluster c1`, `application argocd/x`. */
  object: string;
  /** What should be, in words a person reads (`weight 100`). */
  expected: string;
  /** What is. */
  actual: string;
  /** What changes from run to run (counts, ages): shown, never part of the fingerprint. */
  detail?: string;
  /** Whether `drift.repair: safe` repairs it (through the pipeline); `why` says why not, when not. */
  safeToRepair: boolean;
  /** The repair (when safe), or why it is left alone. */
  repair?: RepairKind;
  why?: string;
  /** The cluster the difference concerns, when one does. */
  cluster?: string;
}

/** One path of an Ingress rule: what the gateway matches and where it sends. */
export interface IngressPath {
  host: string;
  path: string;
  service: string;
  port: string;
}

/** An Ingress as the drift check reads it. */
export interface IngressView {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  paths: IngressPath[];
}

/** One route's workload in one member cluster. */
export type WorkloadView =
  | {
      read: true;
      /** The route's Service exists in the cluster. */
      service: boolean;
      /** Ready pods the Service selects (its ready endpoints). */
      readyEndpoints: number;
      /**
       * The pin check the weight writer makes (shared/gateway/pin-check.ts judgePin): whether the cluster's pin
       * selects the Service's endpoints there and no other cluster's; null when there is no Service to pin.
       */
      pin: { ok: true } | { ok: false; reason: string } | null;
      /** Ready and desired replicas of the Deployments the Service selects. */
      readyReplicas: number;
      desiredReplicas: number;
    }
  | { read: false; error: string };

/** An Argo CD Application as the drift check reads it. */
export interface ApplicationView {
  name: string;
  namespace: string;
  destination: { name?: string; server?: string; namespace?: string };
  sync: string;
  health: string;
  /** The objects Argo CD tracks for it (status.resources). */
  resources: Array<{ kind: string; name: string; namespace?: string }>;
}

/** The locality load-balancing setting of a DestinationRule (`trafficPolicy.loadBalancer.localityLbSetting`). */
export type LocalityLbSettingView = NonNullable<
  NonNullable<NonNullable<DestinationRuleSpec['trafficPolicy']>['loadBalancer']>['localityLbSetting']
>;

/** A route's Istio DestinationRule on the ASM control plane (`router: asm`), as the drift check reads it. */
export type DestinationRuleView =
  | { found: false; namespace: string; name: string }
  | {
      found: true;
      namespace: string;
      name: string;
      annotations: Record<string, string>;
      /** `trafficPolicy.loadBalancer.localityLbSetting`, null when absent. */
      localityLbSetting: LocalityLbSettingView | null;
      /** `trafficPolicy.outlierDetection`, null when absent. */
      outlierDetection: Record<string, unknown> | null;
    };

/** fleet-dr's own backlog: the routing state's outbox and the DingTalk outbox. */
export interface BacklogView {
  /** Records waiting in the routing state's outbox, and the oldest one's creation (ms). */
  routing: { waiting: number; oldestAt: number | null };
  /** Messages waiting in the DingTalk outbox, and the oldest one's creation (ms); null: not read. */
  dingtalk: { waiting: number; oldestAt: number | null } | null;
}

/** Everything one run of the drift check read; a part that could not be read is null, with its error. */
export interface DriftSnapshot {
  /** When the snapshot was taken (ms). */
  at: number;
  /** The committed routing state, or why it does not parse. */
  state: { ok: true; value: RoutingState } | { ok: false; error: string } | null;
  /** Per route: the base Ingress, every Ingress in its namespace, and each cluster's workload. */
  routes: Record<
    string,
    { base: IngressView | null; ingresses: IngressView[]; workloads: Record<string, WorkloadView> } | null
  >;
  /**
   * Per route with `router: asm`: its DestinationRule (`found: false` when it does not exist), or null when it
   * could not be read (named in `errors`). Absent when no route uses the ASM router (nothing is read).
   */
  destinationRules?: Record<string, DestinationRuleView | null>;
  /** Clusters DescribeManagedClusters lists. */
  fleetMembers: string[] | null;
  /** Clusters the MseIngressConfig's remote-clusters lists, and its status. */
  gateway: { members: string[]; status: string | null } | null;
  /** The Argo CD Applications in `argocd`. */
  applications: ApplicationView[] | null;
  /** ACK's state of each cluster (`running`, `unavailable`, …), when read. */
  clusterStates: Record<string, string>;
  backlog: BacklogView | null;
  /** Parts that could not be read. */
  errors: string[];
}

/** What the comparisons get besides the snapshot. */
export interface CompareInput {
  policy: Policy;
  snapshot: DriftSnapshot;
}
