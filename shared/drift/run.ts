/**
 * One run of the drift check: finish the messages an earlier run owes → claim the interval (the ledger on the
 * Fleet) → observe → compare → repair what is safe, through the pipeline (policy `drift.repair: safe`, never
 * while paused) and observe again → record on the ledger (each difference reported once when it appears and
 * once when it is gone) with the run's one message → hand it to the DingTalk outbox and wake `notify`.
 */
import type { Logger } from '../log';
import type { DecisionAnswer } from '../pipeline/answer';
import type { Wiring } from '../runtime/wiring';
import { chooseRepairs, compareAll, driftKey, fingerprint, kindOfKey, unjudgedKinds } from './compare';
import { DriftLedger } from './ledger';
import { observeDrift } from './observe';
import { repairThroughPipeline } from './repair';
import { type DriftFindings, driftNotification } from './report';
import type { Difference, DriftKind, DriftSnapshot } from './types';

/** Options of one run. */
export interface DriftRunOptions {
  wiring: Wiring;
  log: Logger;
  /** Run even when the interval has not passed (an operator's or a test's run). */
  force?: boolean;
  /** The function to wake when a message was queued. */
  notifyFunction?: string;
  now?: () => number;
  memberReadTimeoutMs?: number;
  readBackDelaysMs?: number[];
}

/** What a run answers. */
export interface DriftAnswer extends DriftFindings {
  ran: boolean;
  /** When the run was skipped: why, and when the next is due. */
  skipped?: string;
  at: string;
  repairMode: 'report' | 'safe';
  /** The pipeline's decisions of the repair, when there was one. */
  decisions: DecisionAnswer[];
  /** The run's message: its id, and whether it was handed to the DingTalk outbox. */
  message?: { id: string; queued: number };
  /** Sources that could not be read (not compared), and failures of this run's writes. */
  errors: string[];
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
const same = (a: Difference, b: Difference) =>
  driftKey(a) === driftKey(b) && fingerprint(a) === fingerprint(b);

/**
 * Repairs what is safe to repair through the decision pipeline, then observes again: what is left, and which
 * of the repairs took (their difference is gone). A failed repair is noted in `errors`.
 */
async function repairAndObserveAgain(
  options: DriftRunOptions,
  repairs: Difference[],
  observe: () => Promise<DriftSnapshot>,
  errors: string[],
): Promise<{
  snapshot: DriftSnapshot;
  differences: Difference[];
  decisions: DecisionAnswer[];
  repaired: Difference[];
}> {
  let decisions: DecisionAnswer[] = [];
  try {
    decisions = await repairThroughPipeline(
      {
        wiring: options.wiring,
        log: options.log,
        notifyFunction: options.notifyFunction,
        readBackDelaysMs: options.readBackDelaysMs,
      },
      repairs,
    );
  } catch (e) {
    errors.push(`repair: ${msg(e)}`);
  }
  const snapshot = await observe();
  const differences = compareAll({ policy: options.wiring.policy, snapshot });
  const repaired = repairs.filter((d) => !differences.some((x) => same(x, d)));
  return { snapshot, differences, decisions, repaired };
}

/** Wakes `notify` for the drift messages queued; its timer delivers them anyway if this fails. */
async function wakeNotify(options: DriftRunOptions): Promise<void> {
  if (!options.notifyFunction) return;
  try {
    await options.wiring.fc.invokeAsync(options.notifyFunction, { source: 'drift-check' });
  } catch (e) {
    options.log.warn('notify not invoked; its timer will deliver', { error: msg(e) });
  }
}

/** Runs the drift check once. */
export async function runDriftCheck(options: DriftRunOptions): Promise<DriftAnswer> {
  const { wiring } = options;
  const policy = wiring.policy;
  const now = options.now ?? Date.now;
  const start = now();
  const errors: string[] = [];
  const ledger = new DriftLedger(await wiring.fleetKube(), policy.fleet.stateNamespace);
  const outbox = () => wiring.outbox(now, options.log);
  const deliver = async (): Promise<number> => {
    try {
      const box = await outbox();
      return await ledger.finishPending(async (n, id) => {
        await box.enqueue(n, { id });
      });
    } catch (e) {
      errors.push(`drift message: ${msg(e)} (the next run hands it over)`);
      return 0;
    }
  };
  const leftover = await deliver();
  const base: DriftAnswer = {
    ran: false,
    at: new Date(start).toISOString(),
    repairMode: policy.drift.repair,
    differences: [],
    appeared: [],
    resolved: [],
    repaired: [],
    decisions: [],
    errors,
  };
  const claim = await ledger.claim(start, policy.drift.intervalSeconds * 1000, options.force);
  if (!claim.due) {
    const next = (claim.lastRunAt ?? start) + policy.drift.intervalSeconds * 1000;
    return {
      ...base,
      skipped: `the last run was at ${new Date(claim.lastRunAt ?? start).toISOString()}; the next is due at ${new Date(next).toISOString()}`,
    };
  }
  const observe = () => observeDrift(wiring, { memberReadTimeoutMs: options.memberReadTimeoutMs, now });
  let snapshot = await observe();
  let diffs = compareAll({ policy, snapshot });
  const choice = chooseRepairs(policy, snapshot, diffs);
  let decisions: DecisionAnswer[] = [];
  let repaired: Difference[] = [];
  if (choice.repairs.length) {
    const afterRepair = await repairAndObserveAgain(options, choice.repairs, observe, errors);
    ({ snapshot, decisions, repaired } = afterRepair);
    diffs = afterRepair.differences;
  }
  errors.push(...snapshot.errors);
  const findings = (r: { appeared: string[]; resolved: DriftFindings['resolved'] }): DriftFindings => ({
    differences: diffs,
    appeared: r.appeared,
    resolved: r.resolved,
    repaired,
    ...(choice.skipped ? { repairSkipped: choice.skipped } : {}),
  });
  const unjudged = unjudgedKinds(snapshot);
  const recorded = await ledger.record(
    diffs,
    now(),
    (r) => driftNotification(findings(r)),
    (key) => unjudged.has(kindOfKey(key) as DriftKind),
  );
  const queued = recorded.messageId ? await deliver() : 0;
  if (queued + leftover > 0) await wakeNotify(options);
  return {
    ...base,
    ran: true,
    ...findings(recorded),
    decisions,
    ...(recorded.messageId ? { message: { id: recorded.messageId, queued } } : {}),
  };
}
