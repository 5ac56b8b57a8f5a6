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
import type { TrafficRouter } from '../gateway/router';
import type { Logger } from '../log';
import { renderMessage, type Timings } from '../notify/messages';
import type { Outbox } from '../notify/outbox';
import type { OutboxRecord, RoutingState } from '../policy/types';
import type { Versioned } from '../state/config-map-document';
import type { RecordOutcome, RoutingStore } from '../state/routing-store';

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
/** Backoff of a failed record: the first retry at once (the next pass), then 5 s, 10 s, … at most 5 min. */
const backoffMs = (attempts: number) => (attempts === 0 ? 0 : Math.min(300_000, 5_000 * 2 ** (attempts - 1)));

/** Makes the router carry the committed weights; returns the routes it wrote. */
export async function applyWeights(
  d: Pick<FinishDeps, 'policy' | 'router'>,
  state: RoutingState,
  routes?: string[],
): Promise<string[]> {
  // Before fleet-dr's first weight change the gateway's own split stands: nothing to carry.
  if (!state.governsSplit) return [];
  const written = await Promise.all(
    d.policy.routes.map(async (rt) => {
      const want = state.weights[rt.name];
      if (!want) return undefined;
      if (routes) {
        if (!routes.includes(rt.name)) return undefined;
      } else {
        const have = await d.router.readWeights(rt);
        // One canary per cluster, a missing one included: a canary lost to a failed create is written again.
        if (have && d.policy.clusters.every((c) => have[c.id] === (want[c.id] ?? 0))) return undefined;
      }
      await d.router.setWeights(rt, want, { revision: state.revision });
      return rt.name;
    }),
  );
  return written.filter((n): n is string => n !== undefined);
}

/** Carries out one outbox record. */
async function carryOut(d: FinishDeps, r: OutboxRecord, timings?: Timings): Promise<string> {
  switch (r.kind) {
    case 'membership':
      if (r.op === 'fence') {
        await d.router.fence(r.cluster);
        return `fenced ${r.cluster} off the gateway`;
      }
      if (r.op === 'readmit') {
        await d.router.readmit(r.cluster);
        return `re-admitted ${r.cluster} to the gateway`;
      }
      await d.fleet.attach([r.cluster]);
      return `asked the Fleet to re-associate ${r.cluster}`;
    case 'audit':
      await d.cms.putAuditEvent({ eventName: 'fleet-dr-decision', content: { ...r.content, record: r.id } });
      return 'audit event written';
    case 'message': {
      const outbox = await d.outbox();
      const n = renderMessage(d.policy, r.message, timings);
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
  d: FinishDeps,
  state: RoutingState,
  opts: FinishOptions = {},
): Promise<FinishReport> {
  const now = d.now ?? Date.now;
  const report: FinishReport = {
    weightsWritten: [],
    actions: [],
    errors: [],
    messagesQueued: 0,
    pending: 0,
    weightsMs: 0,
  };
  let weightsOk = true;
  const started = performance.now();
  try {
    report.weightsWritten = await applyWeights(d, state, opts.routes);
    if (report.weightsWritten.length)
      report.actions.push(`wrote weights of ${report.weightsWritten.join(', ')}`);
  } catch (e) {
    weightsOk = false;
    report.errors.push(`weights: ${msg(e)}`);
    d.log.error('committed weights not written; the next invocation repairs them', { error: msg(e) });
  }
  report.weightsMs = Math.round(performance.now() - started);
  // Membership changes in order (and only once the weights are written); audit records and messages beside
  // them. Each message is queued in order, and the first one queued wakes `notify` at once.
  const due = state.outbox.filter((r) => !(r.notBefore && Date.parse(r.notBefore) > now()));
  const outcomes = new Map<string, RecordOutcome>();
  let woken = false;
  const attempt = async (r: OutboxRecord) => {
    try {
      const action = await carryOut(d, r, opts.timings);
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
      d.log.error('outbox record failed; kept for the next try', {
        record: r.id,
        kind: r.kind,
        error: msg(e),
      });
      outcomes.set(r.id, {
        id: r.id,
        done: false,
        error: msg(e).slice(0, 500),
        notBefore: new Date(now() + backoffMs(r.attempts)).toISOString(),
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
  let left = state.outbox.length;
  if (outcomes.size) {
    try {
      // In outbox order, whatever order they finished in.
      const inOutboxOrder = due.flatMap((r) => outcomes.get(r.id) ?? []);
      const settled = await d.store.settle(inOutboxOrder, opts.current);
      left = settled.value.outbox.length;
    } catch (e) {
      // Finished records stay in the outbox and are done again (idempotently) by the next pass.
      report.errors.push(`settle outbox: ${msg(e)}`);
      d.log.error('outbox not settled; the next pass repeats finished records', { error: msg(e) });
    }
  }
  report.pending = left;
  return report;
}
