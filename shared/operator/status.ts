/**
 * `GET /status` and `fleet-dr status`: the committed state on the Fleet, as an operator reads it. Built only
 * from what is stored (the routing state, the DingTalk outbox and the reported drift), never from a new
 * observation, so what it shows is exactly what the next decision starts from.
 */
import type { Policy } from '../config';
import type { RoutingState } from '../decision/routing-state';
import { currentRouteWeights } from '../decision/weights';

/** A mark on the state: who, when, why. */
export interface StatusMark {
  by: string;
  at: string;
  reason: string;
}

/** One cluster. */
export interface ClusterStatus {
  id: string;
  name: string;
  zone: string;
  type: string;
  /** The verdict the last decision committed (`unknown` before any). */
  verdict: string;
  since: string | null;
  upSince: string | null;
  fenced: StatusMark | null;
  detached: StatusMark | null;
  plannedShift: (StatusMark & { until: string }) | null;
  /**
   * The newest probe round fleet-dr counted for the cluster (the decision's probe samples): how many failed of
   * how many, as a percentage, and when; null before any.
   */
  probes: { failed: number; total: number; errorRatePercent: number; at: string } | null;
}

/** The whole status. */
export interface FleetStatus {
  /** When the function read the state. */
  readAt: string;
  revision: number;
  mode: RoutingState['mode'];
  paused: StatusMark | null;
  policy: { paused: boolean; dryRun: boolean; failbackSteps: number[]; minStableSeconds: number };
  clusters: ClusterStatus[];
  routes: Array<{ name: string; namespace: string; ingress: string; weights: Record<string, number> }>;
  /** False while the gateway's own split stands (fleet-dr has written no canary yet). */
  governsSplit: boolean;
  incident: RoutingState['incident'];
  failback: {
    cluster: string;
    /** 1-based. */
    step: number;
    of: number;
    weight: number;
    stepStartedAt: string;
    auto: StatusMark | null;
  } | null;
  lastTransition: RoutingState['lastTransition'];
  /** Side effects committed and not finished yet (the routing state's outbox). */
  outbox: { waiting: number; failing: number; oldest: string | null; byKind: Record<string, number> };
  /** The DingTalk outbox (null when it could not be read). */
  notifications: { pending: number; undeliverable: number } | null;
  /** Drift reported and not resolved (null when it could not be read). */
  drift: { reported: string[] } | null;
}

/** What the status adds to the routing state. */
export interface StatusExtras {
  notifications: FleetStatus['notifications'];
  drift: FleetStatus['drift'];
  readAt: string;
}

/** The error rate of a committed probe round. */
function probesOf(r: NonNullable<RoutingState['verdicts'][string]>['probeRound']): ClusterStatus['probes'] {
  if (!r) return null;
  return { ...r, errorRatePercent: Math.round((r.failed / r.total) * 100) };
}

/** The status of a fleet from its committed routing state. */
export function fleetStatus(policy: Policy, s: RoutingState, extras: StatusExtras): FleetStatus {
  const fb = s.failback;
  const firstRoute = policy.routes[0]!;
  const fbWeight = fb ? (currentRouteWeights(policy, firstRoute, s.weights)[fb.cluster] ?? 0) : 0;
  const byKind: Record<string, number> = {};
  for (const r of s.outbox) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  return {
    readAt: extras.readAt,
    revision: s.revision,
    mode: s.mode,
    paused: s.paused,
    policy: {
      paused: policy.paused,
      dryRun: policy.dryRun,
      failbackSteps: policy.failback.steps,
      minStableSeconds: policy.timing.minStableSecondsBeforeFailback,
    },
    clusters: policy.clusters.map((c) => {
      const v = s.verdicts[c.id];
      return {
        id: c.id,
        name: c.name,
        zone: c.zone,
        type: c.type,
        verdict: v?.verdict ?? 'unknown',
        since: v?.since ?? null,
        upSince: v?.upSince ?? null,
        fenced: s.fenced[c.id] ?? null,
        detached: s.detached[c.id] ?? null,
        plannedShift: s.plannedShifts?.[c.id] ?? null,
        probes: probesOf(v?.probeRound),
      };
    }),
    routes: policy.routes.map((r) => ({
      name: r.name,
      namespace: r.namespace,
      ingress: r.ingress,
      weights: currentRouteWeights(policy, r, s.weights),
    })),
    governsSplit: s.governsSplit,
    incident: s.incident,
    failback: fb
      ? {
          cluster: fb.cluster,
          step: fb.stepIndex + 1,
          of: policy.failback.steps.length,
          weight: fbWeight,
          stepStartedAt: fb.stepStartedAt,
          auto: fb.auto ?? null,
        }
      : null,
    lastTransition: s.lastTransition,
    outbox: {
      waiting: s.outbox.length,
      failing: s.outbox.filter((r) => r.lastError !== null).length,
      oldest: s.outbox.map((r) => r.createdAt).sort()[0] ?? null,
      byKind,
    },
    notifications: extras.notifications,
    drift: extras.drift,
  };
}
