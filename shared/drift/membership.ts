/**
 * Membership drift: every policy cluster is associated with the Fleet (DescribeManagedClusters) unless an
 * operator detached it, and listed in the gateway's remote-clusters unless it is fenced (the state says so);
 * the MseIngressConfig is Listening. Re-associating is safe only toward a cluster that is up, running, and
 * neither fenced nor detached by an operator.
 */
import { repairBlocker, stateOf } from './safety';
import type { CompareInput, Difference } from './types';

/** The membership differences. */
export function compareMembership({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  const state = stateOf(snapshot);
  if (!state) return out;
  const fleet = snapshot.fleetMembers;
  const gw = snapshot.gateway;
  for (const c of policy.clusters) {
    const object = `cluster ${c.id}`;
    const detached = state.detached[c.id];
    const blocker = repairBlocker(snapshot, c.id);
    if (fleet) {
      const attached = fleet.includes(c.id);
      if (!detached && !attached)
        out.push({
          kind: 'fleet-association',
          object,
          expected: 'associated with the Fleet',
          actual: 'not listed by DescribeManagedClusters',
          cluster: c.id,
          ...(blocker
            ? { safeToRepair: false, why: blocker }
            : { safeToRepair: true, repair: 'reassociate' }),
        });
      if (detached && attached)
        out.push({
          kind: 'fleet-association',
          object,
          expected: `detached (by ${detached.by} at ${detached.at})`,
          actual: 'associated with the Fleet',
          cluster: c.id,
          safeToRepair: false,
          why: 'an operator detached it on purpose: only an operator changes that',
        });
    }
    if (gw) {
      const on = gw.members.includes(c.id);
      const fenced = state.fenced[c.id];
      const offFleet = fleet ? !fleet.includes(c.id) : false;
      if (!fenced && !on)
        out.push({
          kind: 'gateway-membership',
          object,
          expected: "listed in the gateway's remote-clusters",
          actual: 'not listed',
          cluster: c.id,
          ...(blocker
            ? { safeToRepair: false, why: blocker }
            : offFleet
              ? {
                  safeToRepair: false,
                  why: `${c.id} is not associated with the Fleet: re-associate it first`,
                }
              : // decide() re-admits it at weight 0 on a drift repair (automation.ts repairMembership).
                { safeToRepair: true, repair: 'readmit' as const }),
        });
      if (fenced && on)
        out.push({
          kind: 'gateway-membership',
          object,
          expected: `off the gateway (fenced by ${fenced.by} at ${fenced.at})`,
          actual: "listed in the gateway's remote-clusters",
          cluster: c.id,
          safeToRepair: false,
          why: 'a fence is taken back only by a decision (re-admit) or an operator',
        });
    }
  }
  if (gw && gw.status !== 'Listening')
    out.push({
      kind: 'gateway-not-listening',
      object: `mseingressconfig ${policy.fleet.mseIngressConfig}`,
      expected: 'Listening',
      actual: gw.status ?? 'no status',
      safeToRepair: false,
      why: 'the MSE gateway is MSE\u2019s to bring up',
    });
  return out;
}
