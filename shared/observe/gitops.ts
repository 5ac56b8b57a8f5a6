/**
 * The GitOps reading a failback step checks: for each policy cluster, the Argo CD Applications on the Fleet that
 * deploy one of the routes' namespaces to it (`destination.namespace`, cluster by shared/drift/applications.ts),
 * with their sync and health. Read only for a failback step; a list that failed is an error marker on every
 * cluster, so the decision refuses rather than stepping on a reading it does not have.
 */
import type { Policy } from '../config';
import type { GitopsObservation } from '../decision/observations';
import { destinationCluster } from '../drift/applications';
import type { ApplicationView } from '../drift/types';

/** The GitOps reading of `clusterId` from the Applications listed (or the reason they could not be listed). */
export function gitopsReading(
  policy: Policy,
  clusterId: string,
  listed: { applications: ApplicationView[] } | { error: string },
  at: string,
): GitopsObservation {
  if ('error' in listed) return { error: listed.error, at };
  const namespaces = new Set(policy.routes.map((r) => r.namespace));
  const applications = listed.applications
    .filter(
      (a) =>
        a.destination.namespace !== undefined &&
        namespaces.has(a.destination.namespace) &&
        destinationCluster(a, policy.clusters)?.id === clusterId,
    )
    .map((a) => ({ name: a.name, namespace: a.namespace, sync: a.sync, health: a.health }));
  return { applications, at };
}
