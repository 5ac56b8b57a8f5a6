/**
 * The routing state on the Fleet and the transition protocol: read -> decide -> conditional commit (the
 * loser of a race re-reads and decides again) -> write the canaries with bounded parallelism. Because the
 * intent is committed before the canaries change, a crash in between leaves a committed state that
 * `converge()` (run at the start of every invocation) re-applies.
 */
import pLimit from 'p-limit';
import type { KubeClient } from '../clients/kube-client';
import type { Policy } from '../config';
import type { WeightWriter } from '../gateway/weight-writer';
import { initialRoutingState, type RoutingState, RoutingStateSchema } from '../policy/types';
import { type CommitOptions, type CommitResult, ConfigMapDocument } from './config-map-document';

/** ConfigMap names of fleet-dr's state documents. */
export const STATE_CONFIGMAPS = {
  routing: 'fleet-dr-routing-state',
  outbox: 'fleet-dr-outbox',
  drift: 'fleet-dr-drift',
  nonces: 'fleet-dr-nonces',
} as const;

/** The routing state document for a policy. */
export function routingDocument(fleet: KubeClient, policy: Policy): ConfigMapDocument<RoutingState> {
  return new ConfigMapDocument(
    fleet,
    policy.fleet.stateNamespace,
    STATE_CONFIGMAPS.routing,
    RoutingStateSchema,
    () => initialRoutingState(policy),
  );
}

/** Outcome of commitTransition. */
export interface TransitionResult extends CommitResult<RoutingState> {
  /** Routes whose canaries were written after the commit. */
  applied: string[];
}

/** Options of commitTransition. */
export interface TransitionOptions extends CommitOptions {
  /** Called between the commit and the canary writes (crash injection in tests). */
  afterCommit?: (r: CommitResult<RoutingState>) => Promise<void> | void;
}

/** Routing state + weight writer: the one commit point of fleet-dr. */
export class RoutingStore {
  readonly doc: ConfigMapDocument<RoutingState>;

  constructor(
    fleet: KubeClient,
    private readonly policy: Policy,
    private readonly writer: WeightWriter,
    private readonly concurrency = 4,
  ) {
    this.doc = routingDocument(fleet, policy);
  }

  /** The committed routing state (the initial state if none was committed yet). */
  read() {
    return this.doc.read();
  }

  /**
   * Commit a transition decided by `decide` (undefined = nothing to do), then write the canaries of every
   * route whose weights changed. A lost race re-reads and re-decides.
   */
  async commitTransition(
    decide: (current: RoutingState) => RoutingState | undefined | Promise<RoutingState | undefined>,
    opts: TransitionOptions = {},
  ): Promise<TransitionResult> {
    let before: RoutingState | undefined;
    const r = await this.doc.commit(async (cur) => {
      before = structuredClone(cur);
      const next = await decide(cur);
      return next && { ...next, revision: cur.revision + 1 };
    }, opts);
    if (!r.committed) return { ...r, applied: [] };
    await opts.afterCommit?.(r);
    const changed = this.policy.routes
      .map((rt) => rt.name)
      .filter((n) => JSON.stringify(before?.weights[n]) !== JSON.stringify(r.value.weights[n]));
    await this.applyRoutes(r.value, changed);
    return { ...r, applied: changed };
  }

  /**
   * Make the canaries carry the committed weights: repairs a crash between commit and canaries, and
   * an edit made behind fleet-dr's back. Returns the routes it had to write.
   */
  async converge(): Promise<string[]> {
    const { value, resourceVersion } = await this.doc.read();
    if (resourceVersion === undefined) return []; // nothing committed yet: fleet-dr does not govern the split
    const limit = pLimit(this.concurrency);
    const stale = await Promise.all(
      this.policy.routes.map((rt) =>
        limit(async () => {
          const want = value.weights[rt.name];
          if (!want) return undefined;
          const have = await this.writer.read(rt);
          const same = have && this.policy.clusters.every((c) => (have[c.id] ?? 0) === (want[c.id] ?? 0));
          return same ? undefined : rt.name;
        }),
      ),
    );
    const names = stale.filter((n): n is string => n !== undefined);
    await this.applyRoutes(value, names);
    return names;
  }

  private async applyRoutes(state: RoutingState, names: string[]): Promise<void> {
    const revision = state.revision;
    const limit = pLimit(this.concurrency);
    await Promise.all(
      this.policy.routes
        .filter((rt) => names.includes(rt.name) && state.weights[rt.name])
        .map((rt) => limit(() => this.writer.apply(rt, state.weights[rt.name]!, { revision }))),
    );
  }
}
