/**
 * One check prompted by cluster events: the decision pipeline with a `cluster-event` trigger, and when it
 * re-associates a cluster, the read-back that confirms it and the follow-up decisions that finish the
 * membership (a cluster fenced while it was down is re-admitted to the gateway at weight 0 by the next rule).
 */
import type { Logger } from '../../shared/log';
import type { DecisionAnswer } from '../../shared/pipeline/answer';
import { runDecision } from '../../shared/pipeline/run-decision';
import type { Wiring } from '../../shared/runtime/wiring';

/** How a re-association was confirmed by reading it back. */
export interface Reassociation {
  cluster: string;
  /** DescribeManagedClusters lists it again. */
  onFleet: boolean;
  /** The gateway's remote-clusters lists it (after the follow-up re-admit, when there was one). */
  onGateway: boolean | null;
  /** Reads of DescribeManagedClusters it took. */
  reads: number;
  error?: string;
}

/** The decisions of one check and what was confirmed. */
export interface CheckReport {
  decisions: DecisionAnswer[];
  reassociation?: Reassociation;
}

/** Options of one check. */
export interface CheckOptions {
  wiring: Wiring;
  log: Logger;
  clusterId: string;
  cause: string;
  notifyFunction: string;
  probeSpacingMs?: number;
  /** Waits between read-backs of the Fleet membership (the first read is immediate). */
  readBackDelaysMs?: number[];
}

const DEFAULT_READ_BACK_MS = [0, 500, 1_000, 2_000, 4_000];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Reads DescribeManagedClusters until it lists `cluster` or the delays run out. */
async function readBackFleet(wiring: Wiring, cluster: string, delays: number[]): Promise<Reassociation> {
  let reads = 0;
  let error: string | undefined;
  for (const d of delays) {
    if (d > 0) await sleep(d);
    reads++;
    try {
      const members = await wiring.fleet.managedClusters();
      if (members.some((m) => m.clusterId === cluster))
        return { cluster, onFleet: true, onGateway: null, reads };
      error = undefined;
    } catch (e) {
      error = `DescribeManagedClusters: ${msg(e)}`;
    }
  }
  return { cluster, onFleet: false, onGateway: null, reads, ...(error ? { error } : {}) };
}

/** Runs the check and, after a committed re-association, confirms it and finishes the membership. */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const run = (cause: string) =>
    runDecision({
      wiring: options.wiring,
      trigger: { kind: 'cluster-event', clusterId: options.clusterId, cause },
      log: options.log,
      notifyFunction: options.notifyFunction,
      probeSpacingMs: options.probeSpacingMs,
    });
  const decisions = [await run(options.cause)];
  let reassociation: Reassociation | undefined;
  const first = decisions[0]!;
  if (first.committed && first.decision === 'reassociate') {
    const cluster = first.plan?.cluster ?? options.clusterId;
    // AttachClusterToHub starts a task: only a read-back says the cluster is on the Fleet again. Without it the
    // next decision would see it still off the Fleet and ask again.
    reassociation = await readBackFleet(
      options.wiring,
      cluster,
      options.readBackDelaysMs ?? DEFAULT_READ_BACK_MS,
    );
    options.log.info('re-association read back', { ...reassociation });
    // The next rule finishes the membership: a cluster fenced while it was down is re-admitted at weight 0.
    if (reassociation.onFleet) decisions.push(await run(`follow-up after re-associating ${cluster}`));
  }
  if (reassociation?.onFleet) {
    try {
      const members = await (await options.wiring.membership()).members();
      reassociation.onGateway = members.includes(reassociation.cluster);
    } catch (e) {
      reassociation.error = `gateway membership: ${msg(e)}`;
    }
  }
  return { decisions, ...(reassociation ? { reassociation } : {}) };
}
