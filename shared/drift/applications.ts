/**
 * Application drift: the Argo CD Applications on the Fleet that deploy a route's namespace are Synced and
 * Healthy, one for each destination cluster; the route's Service exists under the same name and namespace in
 * every cluster, with ready endpoints. Nothing here is fleet-dr's to repair: GitOps owns the workloads.
 */
import type { Cluster } from '../config';
import type { ApplicationView, CompareInput, Difference } from './types';

const UNSAFE = { safeToRepair: false, why: 'GitOps owns the workloads; fleet-dr only reports' } as const;

/** The policy cluster an Application deploys to, by Argo CD's cluster name (`<name>` or `<id>-<name>`) or URL. */
export function destinationCluster(a: ApplicationView, clusters: Cluster[]): Cluster | undefined {
  const { name, server } = a.destination;
  return clusters.find(
    (c) =>
      (name !== undefined && [c.id, c.name, `${c.id}-${c.name}`].includes(name)) || server?.includes(c.id),
  );
}

/** The Application and Service differences. */
export function compareApplications({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  const apps = snapshot.applications;
  for (const route of policy.routes) {
    if (apps) {
      const mine = apps.filter((a) => a.destination.namespace === route.namespace);
      for (const a of mine) {
        const object = `application ${a.namespace}/${a.name}`;
        const cluster = destinationCluster(a, policy.clusters)?.id;
        if (a.sync !== 'Synced')
          out.push({
            kind: 'application-out-of-sync',
            object,
            expected: 'Synced',
            actual: a.sync || 'no status',
            ...(cluster ? { cluster } : {}),
            ...UNSAFE,
          });
        if (a.health !== 'Healthy')
          out.push({
            kind: 'application-unhealthy',
            object,
            expected: 'Healthy',
            actual: a.health || 'no status',
            ...(cluster ? { cluster } : {}),
            ...UNSAFE,
          });
      }
      for (const c of policy.clusters)
        if (!mine.some((a) => destinationCluster(a, [c])))
          out.push({
            kind: 'application-missing',
            object: `cluster ${c.id} namespace ${route.namespace}`,
            expected: `an Argo CD Application deploying ${route.namespace} to ${c.id}`,
            actual: 'none',
            cluster: c.id,
            ...UNSAFE,
          });
    }
    const r = snapshot.routes[route.name];
    if (!r) continue;
    for (const c of policy.clusters) {
      const wl = r.workloads[c.id];
      if (!wl?.read) continue;
      const object = `service ${route.namespace}/${route.service} in ${c.id}`;
      if (!wl.service)
        out.push({
          kind: 'service-missing',
          object,
          expected: 'exists',
          actual: 'missing',
          cluster: c.id,
          ...UNSAFE,
        });
      else if (wl.readyEndpoints === 0)
        out.push({
          kind: 'service-no-ready-endpoints',
          object,
          expected: 'ready endpoints',
          actual: 'none ready',
          cluster: c.id,
          ...UNSAFE,
        });
    }
  }
  return out;
}
