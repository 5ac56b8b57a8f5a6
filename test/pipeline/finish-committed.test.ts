/**
 * finishCommitted() with in-memory stand-ins for the router, CloudMonitor, the Fleet and the DingTalk outbox:
 * the order of the steps, what waits for what, and how a failed record is kept and retried.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route } from '../../shared/config';
import {
  initialRoutingState,
  type OutboxRecord,
  type RoutingState,
} from '../../shared/decision/routing-state';
import type { Weights } from '../../shared/gateway/canary-weights';
import type { TrafficRouter } from '../../shared/gateway/router';
import { silentLogger } from '../../shared/log';
import { finishCommitted } from '../../shared/pipeline/finish-committed';
import type { RecordOutcome } from '../../shared/state/routing-store';
import { AZ1, AZ2, examplePolicy, t } from '../decision/fixtures';

const policy = examplePolicy();

class FakeRouter implements TrafficRouter {
  readonly name = 'fake';
  weights = new Map<string, Weights>();
  members_ = [AZ1, AZ2];
  failWeights = false;
  readonly log: string[] = [];
  async readWeights(route: Route) {
    return this.weights.get(route.name);
  }
  async setWeights(route: Route, w: Weights) {
    if (this.failWeights) throw new Error('ingress create: 500 InternalError');
    this.log.push(`weights ${route.name}`);
    this.weights.set(route.name, { ...w });
  }
  async fence(id: string) {
    this.log.push(`fence ${id}`);
    this.members_ = this.members_.filter((m) => m !== id);
  }
  async readmit(id: string) {
    this.log.push(`readmit ${id}`);
    if (!this.members_.includes(id)) this.members_.push(id);
  }
  async members() {
    return this.members_;
  }
}

/** A store that applies settle() to an in-memory state, as the ConfigMap store does. */
function memoryStore(state: RoutingState) {
  const box = { state };
  return {
    box,
    async settle(outcomes: RecordOutcome[]) {
      const by = new Map(outcomes.map((o) => [o.id, o]));
      box.state = {
        ...box.state,
        outbox: box.state.outbox.flatMap((r) => {
          const o = by.get(r.id);
          if (!o) return [r];
          if (o.done) return [];
          return [{ ...r, attempts: r.attempts + 1, lastError: o.error, notBefore: o.notBefore }];
        }),
      };
      return { committed: true, value: box.state, attempts: 1 };
    },
  };
}

const rec = (id: string, r: Record<string, unknown>): OutboxRecord =>
  ({ id, createdAt: t(0), attempts: 0, lastError: null, notBefore: null, ...r }) as OutboxRecord;

function failedOverState(): RoutingState {
  return {
    ...initialRoutingState(policy),
    revision: 1,
    mode: 'failed-over',
    governsSplit: true,
    weights: { 'web-demo': { [AZ1]: 0, [AZ2]: 100 } },
    outbox: [
      rec('r1-0', { kind: 'membership', op: 'fence', cluster: AZ1 }),
      rec('r1-1', { kind: 'audit', content: { decision: 'fence' } }),
    ],
  };
}

function deps(state: RoutingState, o: { cmsFails?: boolean; now?: number } = {}) {
  const router = new FakeRouter();
  const store = memoryStore(state);
  const audits: unknown[] = [];
  return {
    router,
    store,
    audits,
    d: {
      policy,
      store,
      router,
      fleet: { attach: async () => ({}) },
      cms: {
        putAuditEvent: async (ev: { content: unknown }) => {
          if (o.cmsFails) throw new Error('PutCustomEvent: 503 ServiceUnavailable');
          audits.push(ev.content);
        },
      },
      outbox: async () => ({ enqueue: async () => ({ id: 'x', coalesced: false, duplicate: false }) }),
      log: silentLogger,
      now: () => o.now ?? Date.parse(t(0)),
    },
  };
}

describe('finishCommitted', () => {
  it('writes the weights first, then the membership change, then the audit record, and empties the outbox', async () => {
    const f = deps(failedOverState());
    const r = await finishCommitted(f.d, f.store.box.state);
    assert.deepEqual(f.router.log, ['weights web-demo', `fence ${AZ1}`]);
    assert.equal(f.audits.length, 1);
    assert.deepEqual(f.store.box.state.outbox, []);
    assert.equal(r.pending, 0);
    assert.deepEqual(r.errors, []);
  });

  it('never fences while the weights could not be written; the fence waits in the outbox', async () => {
    const f = deps(failedOverState());
    f.router.failWeights = true;
    const r = await finishCommitted(f.d, f.store.box.state);
    assert.deepEqual(f.router.log, [], 'no fence');
    assert.deepEqual(
      f.store.box.state.outbox.map((x) => x.id),
      ['r1-0'],
      'the audit went out, the fence waits',
    );
    assert.match(r.errors[0] ?? '', /^weights: .*500/);
  });

  it('keeps a failed audit record with its error and retries it at once, then with backoff', async () => {
    const f = deps(failedOverState(), { cmsFails: true });
    await finishCommitted(f.d, f.store.box.state);
    const kept = f.store.box.state.outbox.find((x) => x.id === 'r1-1');
    assert.ok(kept);
    assert.equal(kept.attempts, 1);
    assert.match(kept.lastError ?? '', /503/);
    assert.equal(kept.notBefore, t(0), 'the first retry is due at once');
    await finishCommitted(f.d, f.store.box.state);
    const again = f.store.box.state.outbox.find((x) => x.id === 'r1-1');
    assert.equal(again?.attempts, 2);
    assert.equal(again?.notBefore, new Date(Date.parse(t(0)) + 5_000).toISOString(), 'then 5 s later');
    const later = deps(f.store.box.state, { now: Date.parse(t(0)) + 1_000 });
    await finishCommitted(later.d, later.store.box.state);
    assert.equal(later.audits.length, 0, 'not before its time');
    const due = deps(later.store.box.state, { now: Date.parse(t(0)) + 5_000 });
    await finishCommitted(due.d, due.store.box.state);
    assert.equal(due.audits.length, 1, 'written when due');
    assert.deepEqual(due.store.box.state.outbox, []);
  });

  it('leaves the gateway split alone while fleet-dr does not govern it', async () => {
    const f = deps({ ...initialRoutingState(policy), outbox: [] });
    const r = await finishCommitted(f.d, f.store.box.state);
    assert.deepEqual(r.weightsWritten, []);
    assert.deepEqual(f.router.log, []);
  });

  it('rewrites a route whose canary for a zero-weight cluster is missing', async () => {
    const s = { ...failedOverState(), outbox: [] };
    const f = deps(s);
    f.router.weights.set('web-demo', { [AZ2]: 100 });
    const r = await finishCommitted(f.d, s);
    assert.deepEqual(r.weightsWritten, ['web-demo']);
  });
});
