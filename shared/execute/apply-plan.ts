/**
 * The parts of a Plan that are not weights (RoutingStore.commitTransition writes the canaries): fence or
 * re-admit a cluster on the gateway, re-associate it with the Fleet. Returns what it did, for the answer.
 */
import type { Plan } from '../policy/types';
import type { Wiring } from '../runtime/wiring';

/** Applies the membership part of a committed Plan; returns human-readable actions. */
export async function applyMembership(w: Wiring, plan: Plan): Promise<string[]> {
  switch (plan.kind) {
    case 'fence':
      await (await w.membership()).fence(plan.cluster);
      return [`fenced ${plan.cluster} off the gateway`];
    case 'readmit':
      await (await w.membership()).readmit(plan.cluster);
      return [`re-admitted ${plan.cluster} to the gateway`];
    case 'reassociate':
      await w.fleet.attach([plan.cluster]);
      return [`asked the Fleet to re-associate ${plan.cluster}`];
    default:
      return [];
  }
}
