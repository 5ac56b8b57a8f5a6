/**
 * Runs every preflight check in order (identity, rbac, gateway, signals, clusters) with the clients the
 * functions would get (shared/runtime/wiring.ts) and returns the rows. Read-only: Kubernetes sees GETs, LISTs
 * and SelfSubjectAccessReview creates (which store nothing); the cloud APIs see Describe/List calls only.
 */
import type { ClusterDetail } from '../clients/ack-client';
import { resolveCredentials } from '../clients/credentials';
import { initialRoutingState } from '../decision/routing-state';
import { observeDrift } from '../drift/observe';
import type { DriftSnapshot } from '../drift/types';
import type { Wiring } from '../runtime/wiring';
import { judgeClusters } from './clusters';
import { judgeGateway } from './gateway';
import { checkIdentity } from './identity';
import { checkRbac } from './rbac';
import { checkSignals } from './signals';
import { messageOf, type PreflightCheck } from './types';

/** A snapshot in which nothing could be read (the Fleet's kubeconfig was refused, say). */
export function unreadSnapshot(
  wiring: Pick<Wiring, 'policy'>,
  error: string,
  at = Date.now(),
): DriftSnapshot {
  return {
    at,
    state: null,
    routes: Object.fromEntries(wiring.policy.routes.map((r) => [r.name, null])),
    fleetMembers: null,
    gateway: null,
    applications: null,
    clusterStates: {},
    backlog: null,
    errors: [error],
  };
}

/**
 * The snapshot the comparisons judge. When the routing state could not be read it is taken as the initial
 * state (nothing fenced, nothing detached): before automation is turned on that is what it is.
 */
export function forJudging(wiring: Pick<Wiring, 'policy'>, s: DriftSnapshot): DriftSnapshot {
  return s.state ? s : { ...s, state: { ok: true, value: initialRoutingState(wiring.policy) } };
}

/** Runs every check; never throws for what it finds (a failed read is a WARN row). */
export async function runPreflight(wiring: Wiring): Promise<PreflightCheck[]> {
  const { policy, env } = wiring;
  const identity = await checkIdentity({
    policy,
    env,
    credentials: resolveCredentials({ env }),
    ack: wiring.ack,
    fleet: wiring.fleet,
    mse: wiring.mse,
  });
  const rbac = await checkRbac({
    policy,
    fleetKubeconfig: () => wiring.fleet.hubKubeconfig(),
    memberKubeconfig: (id) => wiring.ack.memberKubeconfig(id),
  });
  const [snapshot, signals, details] = await Promise.all([
    observeDrift(wiring).catch((e) => unreadSnapshot(wiring, `Fleet: ${messageOf(e)}`)),
    checkSignals(policy, env),
    Promise.all(
      policy.clusters.map(async (c) => {
        try {
          return [c.id, await wiring.ack.clusterDetail(c.id)] as const;
        } catch (e) {
          return [c.id, { error: messageOf(e).slice(0, 120) }] as const;
        }
      }),
    ),
  ]);
  const judged = forJudging(wiring, snapshot);
  return [
    ...identity,
    ...rbac,
    ...judgeGateway(policy, judged),
    ...signals,
    ...judgeClusters(
      policy,
      judged,
      Object.fromEntries(details) as Record<string, ClusterDetail | { error: string }>,
    ),
  ];
}
