/**
 * Safe repairs, always through the decision pipeline (runDecision with a `drift-repair` trigger): its first
 * step carries the committed weights to the canaries again (a changed weight, a deleted canary), and decide()
 * re-associates a healthy cluster that lost the Fleet (never one an operator detached, never a down one, never
 * while paused), committing, applying, auditing and messaging as for any decision. A re-association starts a
 * task, so it is read back before the follow-up decision that finishes the membership.
 */
import type { Logger } from '../log';
import type { DecisionAnswer } from '../pipeline/answer';
import { runDecision } from '../pipeline/run-decision';
import type { Wiring } from '../runtime/wiring';
import { driftKey } from './compare';
import type { Difference } from './types';

/** Options of a repair. */
export interface RepairOptions {
  wiring: Wiring;
  log: Logger;
  notifyFunction?: string;
  /** Waits between read-backs of a re-association (the first is immediate). */
  readBackDelaysMs?: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the pipeline for the safe differences; returns its decisions. */
export async function repairThroughPipeline(
  options: RepairOptions,
  repairs: Difference[],
): Promise<DecisionAnswer[]> {
  const cause = repairs.map(driftKey).join('; ');
  const run = (why: string) =>
    runDecision({
      wiring: options.wiring,
      trigger: { kind: 'drift-repair', cause: why },
      log: options.log,
      notifyFunction: options.notifyFunction,
    });
  const decisions = [await run(cause)];
  const first = decisions[0]!;
  if (first.committed && first.decision === 'reassociate') {
    const cluster = first.plan?.cluster;
    for (const d of options.readBackDelaysMs ?? [0, 500, 1_000, 2_000]) {
      if (d > 0) await sleep(d);
      const members = await options.wiring.fleet.managedClusters().catch(() => []);
      if (members.some((m) => m.clusterId === cluster)) {
        decisions.push(await run(`follow-up after re-associating ${cluster}`));
        break;
      }
    }
  }
  return decisions;
}
