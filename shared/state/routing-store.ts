/**
 * The routing state on the Fleet: fleet-dr's one commit point. It only stores: a conditional commit (the loser
 * of a race re-reads and decides again; the revision goes up by one on every commit) and the settling of the
 * outbox records the pipeline finished. Weights and membership are applied by the pipeline through a
 * TrafficRouter (shared/pipeline/finish-committed.ts), never from here.
 */
import type { KubeClient } from '../clients/kube-client';
import type { Policy } from '../config';
import { initialRoutingState, type RoutingState, RoutingStateSchema } from '../decision/routing-state';
import {
  type CommitOptions,
  type CommitResult,
  ConfigMapDocument,
  type Versioned,
} from './config-map-document';

/** ConfigMap names of fleet-dr's state documents. */
export const STATE_CONFIGMAPS = {
  routing: 'fleet-dr-routing-state',
  outbox: 'fleet-dr-outbox',
  drift: 'fleet-dr-drift',
  nonces: 'fleet-dr-nonces',
} as const;

/** The routing state document for a policy. */
export function routingDocument(fleetKube: KubeClient, policy: Policy): ConfigMapDocument<RoutingState> {
  return new ConfigMapDocument(
    fleetKube,
    policy.fleet.stateNamespace,
    STATE_CONFIGMAPS.routing,
    RoutingStateSchema,
    () => initialRoutingState(policy),
  );
}

/** What happened to one outbox record when the pipeline tried it. */
export type RecordOutcome =
  | { id: string; done: true }
  | { id: string; done: false; error: string; notBefore: string };

/** The routing state store. */
export class RoutingStore {
  readonly doc: ConfigMapDocument<RoutingState>;

  constructor(fleetKube: KubeClient, policy: Policy) {
    this.doc = routingDocument(fleetKube, policy);
  }

  /** The committed routing state (the initial state if none was committed yet). */
  read() {
    return this.doc.read();
  }

  /**
   * Commit the state `decide` returns for the current one (undefined = nothing to commit), conditionally on
   * the version read; a lost race re-reads and re-decides. The revision is the store's: current + 1.
   */
  commit(
    decide: (current: RoutingState) => RoutingState | undefined | Promise<RoutingState | undefined>,
    opts: CommitOptions<RoutingState> = {},
  ): Promise<CommitResult<RoutingState>> {
    return this.doc.commit(async (cur) => {
      const next = await decide(cur);
      return next && { ...next, revision: cur.revision + 1 };
    }, opts);
  }

  /**
   * Take finished records out of the outbox and note the failures (attempts, error, next try), in one
   * conditional write. Records another invocation settled meanwhile are simply no longer there. With
   * `current` (the state this invocation read or committed) the write is conditional on it, without a read.
   */
  async settle(
    outcomes: RecordOutcome[],
    current?: Versioned<RoutingState>,
  ): Promise<CommitResult<RoutingState>> {
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    return this.doc.commit(
      (cur) => {
        if (!cur.outbox.some((r) => byId.has(r.id))) return undefined;
        const outbox = cur.outbox.flatMap((r) => {
          const o = byId.get(r.id);
          if (!o) return [r];
          if (o.done) return [];
          return [{ ...r, attempts: r.attempts + 1, lastError: o.error, notBefore: o.notBefore }];
        });
        return { ...cur, outbox, revision: cur.revision + 1 };
      },
      { maxAttempts: 20, current },
    );
  }
}
