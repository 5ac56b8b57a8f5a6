/**
 * Finishing a committed state: make the traffic manager carry its weights, then carry out its outbox —
 * membership changes, audit records, messages — and take each finished record out. Every step is
 * idempotent, so any invocation may finish what an earlier one left half done (a crash, a failed write): a
 * record leaves the outbox only when its step succeeded, and a failed one is retried with backoff, never
 * dropped. The DingTalk outbox deduplicates messages by record id; an audit record may be written twice
 * if a crash falls between CloudMonitor's answer and the settle (at-least-once).
 */

import type { CmsClient } from '../clients/cms-client';
import type { FleetClient } from '../clients/fleet-client';
import type { Policy } from '../config';
import type { OutboxRecord, RoutingState } from '../decision/routing-state';
import type { TrafficRouter } from '../gateway/router';
import type { Logger } from '../log';
import { renderMessage, type Timings } from '../notify/messages';
import type { Outbox } from '../notify/outbox';
import type { Versioned } from '../state/config-map-document';
import type { RecordOutcome, RoutingStore } from '../state/routing-store';
import { dueRecords, retryAt } from './record-schedule';

/** What finishing needs. */
export interface FinishDeps {
  policy: Policy;
  store: Pick<RoutingStore, 'settle'>;
  router: TrafficRouter;
  fleet: Pick<FleetClient, 'attach'>;
  cms: Pick<CmsClient, 'putAuditEvent'>;
  outbox: () => Promise<Pick<Outbox, 'enqueue'>>;
  log: Logger;
  now?: () => number;
}

/** Options of one finishing pass. */
export interface FinishOptions {
  /** Only these routes' weights (they changed in this commit); default: read every route and repair. */
  routes?: string[];
  /** The invocation's step timings, quoted in the messages it queues. */
  timings?: Timings;
  /** The state with its version as this invocation read or committed it: the settle writes without a read. */
  current?: Versioned<RoutingState>;
  /** Called once, as soon as a message is in the DingTalk outbox (the caller wakes `notify`). */
  onQueued?: () => void;
}

/** What a finishing pass did. */
export interface FinishReport {
  /** Routes whose weights were written. */
  weightsWritten: string[];
  /** Human-readable actions, in order. */
  actions: string[];
  /** What failed (it stays in the outbox, or the weights are repaired by the next pass). */
  errors: string[];
  /** Messages newly handed to the DingTalk outbox. */
  messagesQueued: number;
  /** Records still waiting after this pass. */
  pending: number;
  /** How long writing the weights took (ms). */
  weightsMs: number;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Makes the router carry the committed weights; returns the routes it wrote. */
export async function applyWeights(
  deps: Pick<FinishDeps, 'policy' | 'router'>,
  state: RoutingState,
  routes?: string[],
): Promise<string[]> {
  // Before fleet-dr's first weight change the gateway's own split stands: nothing to carry.
  if (!state.governsSplit) return [];
  const written = await Promise.all(
    deps.policy.routes.map(async (rt) => {
      const want = state.weights[rt.name];
      if (!want) return undefined;
      if (routes) {
        if (!routes.includes(rt.name)) return undefined;
      } else {
        const have = await deps.router.readWeights(rt);
        // One canary per cluster, a missing one included: a canary lost to a failed create is written again.
        if (have && deps.policy.clusters.every((c) => have[c.id] === (want[c.id] ?? 0))) return undefined;
      }
      await deps.router.setWeights(rt, want, { revision: state.revision });
      return rt.name;
    }),
  );
  return written.filter((n): n is string => n !== undefined);
}

/** Carries out one outbox record. */
async function carryOut(deps: FinishDeps, r: OutboxRecord, timings?: Timings): Promise<string> {
  switch (r.kind) {
    case 'membership':
      if (r.op === 'fence') {
        await deps.router.fence(r.cluster);
        return `fenced ${r.cluster} off the gateway`;
      }
      if (r.op === 'readmit') {
        await deps.router.readmit(r.cluster);
        return `re-admitted ${r.cluster} to the gateway`;
      }
      await deps.fleet.attach([r.cluster]);
      return `asked the Fleet to re-associate ${r.cluster}`;
    case 'audit':
      await deps.cms.putAuditEvent({
        eventName: 'fleet-dr-decision',
        content: { ...r.content, record: r.id },
      });
      return 'audit event written';
    case 'message': {
      const outbox = await deps.outbox();
      const n = renderMessage(deps.policy, r.message, timings);
      const q = await outbox.enqueue(n, { id: r.id });
      return q.duplicate ? 'notification already queued' : 'notification queued';
    }
  }
}

/**
 * Finishes `state` (as committed): weights first, then the due outbox records in order. Membership changes
 * wait while the weights could not be written (a cluster is never fenced while it may still carry traffic).
 */
export async function finishCommitted(
  deps: FinishDeps,
  state: RoutingState,
  opts: FinishOptions = {},
): Promise<FinishReport> {
  const now = deps.now ?? Date.now;
  const report: FinishReport = {
    weightsWritten: [],
    actions: [],
    errors: [],
    messagesQueued: 0,
    pending: 0,
    weightsMs: 0,
  };
  const weightsOk = await writeWeights(deps, state, opts.routes, report);
  // Membership changes in order (and only once the weights are written); audit records and messages beside
  // them. Each message is queued in order, and the first one queued wakes `notify` at once.
  const due = dueRecords(state.outbox, now());
  const outcomes = new Map<string, RecordOutcome>();
  let woken = false;
  const attempt = async (r: OutboxRecord) => {
    try {
      const action = await carryOut(deps, r, opts.timings);
      report.actions.push(action);
      if (r.kind === 'message' && action === 'notification queued') {
        report.messagesQueued++;
        if (!woken && opts.onQueued) {
          woken = true;
          opts.onQueued();
        }
      }
      outcomes.set(r.id, { id: r.id, done: true });
    } catch (e) {
      report.errors.push(`${r.kind} ${r.id}: ${msg(e)}`);
      deps.log.error('outbox record failed; kept for the next try', {
        record: r.id,
        kind: r.kind,
        error: msg(e),
      });
      outcomes.set(r.id, {
        id: r.id,
        done: false,
        error: msg(e).slice(0, 500),
        notBefore: retryAt(r.attempts, now()),
      });
    }
  };
  const inOrder = async (records: OutboxRecord[]) => {
    for (const r of records) await attempt(r);
  };
  await Promise.all([
    inOrder(due.filter((r) => r.kind === 'membership' && weightsOk)),
    Promise.all(due.filter((r) => r.kind === 'audit').map(attempt)),
    inOrder(due.filter((r) => r.kind === 'message')),
  ]);
  report.pending = await settleOutcomes(deps, state, due, outcomes, opts.current, report);
  return report;
}

/**
 * The weights step of finishing: writes them (noting what was written, or the failure, in the report) and
 * answers whether they are in place, which membership changes wait for.
 */
async function writeWeights(
  deps: FinishDeps,
  state: RoutingState,
  routes: string[] | undefined,
  report: FinishReport,
): Promise<boolean> {
  let weightsOk = true;
  const started = performance.now();
  try {
    report.weightsWritten = await applyWeights(deps, state, routes);
    if (report.weightsWritten.length)
      report.actions.push(`wrote weights of ${report.weightsWritten.join(', ')}`);
  } catch (e) {
    weightsOk = false;
    report.errors.push(`weights: ${msg(e)}`);
    deps.log.error('committed weights not written; the next invocation repairs them', { error: msg(e) });
  }
  report.weightsMs = Math.round(performance.now() - started);
  return weightsOk;
}

/** Settles the records tried in one conditional write; answers how many records are left in the outbox. */
async function settleOutcomes(
  deps: FinishDeps,
  state: RoutingState,
  due: OutboxRecord[],
  outcomes: Map<string, RecordOutcome>,
  current: Versioned<RoutingState> | undefined,
  report: FinishReport,
): Promise<number> {
  let left = state.outbox.length;
  if (outcomes.size) {
    try {
      // In outbox order, whatever order they finished in.
      const inOutboxOrder = due.flatMap((r) => outcomes.get(r.id) ?? []);
      const settled = await deps.store.settle(inOutboxOrder, current);
      left = settled.value.outbox.length;
    } catch (e) {
      // Finished records stay in the outbox and are done again (idempotently) by the next pass.
      report.errors.push(`settle outbox: ${msg(e)}`);
      deps.log.error('outbox not settled; the next pass repeats finished records', { error: msg(e) });
    }
  }
  return left;
}
