/**
 * Capacity drift: can each zone take the traffic if the other one fails? Each cluster's ready replicas of a
 * route's workload against `drift.minCapacityShare` of the replicas all clusters are asked to run for it.
 */
import type { CompareInput, Difference } from './types';

/** The capacity differences of every route (only when every cluster's workload was read). */
export function compareCapacity({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  const share = policy.drift.minCapacityShare;
  if (share <= 0) return out;
  for (const route of policy.routes) {
    const r = snapshot.routes[route.name];
    if (!r) continue;
    const read = policy.clusters.map((c) => ({ c, wl: r.workloads[c.id] }));
    if (read.some((x) => !x.wl?.read)) continue;
    const total = read.reduce((n, x) => n + (x.wl?.read ? x.wl.desiredReplicas : 0), 0);
    if (total === 0) continue;
    const need = Math.max(1, Math.ceil(share * total));
    for (const { c, wl } of read) {
      if (!wl?.read || wl.readyReplicas >= need) continue;
      out.push({
        kind: 'capacity-low',
        object: `workload ${route.namespace}/${route.service} in ${c.id}`,
        expected: `at least ${need} ready replicas (${Math.round(share * 100)}% of the ${total} asked for across clusters)`,
        actual: `${wl.readyReplicas} ready`,
        cluster: c.id,
        safeToRepair: false,
        why: 'replicas are the workload\u2019s (GitOps, autoscaling); fleet-dr only reports',
      });
    }
  }
  return out;
}
