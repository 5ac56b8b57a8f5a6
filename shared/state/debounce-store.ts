/**
 * When each cluster was last checked because of a cluster event, kept on the Fleet: Function Compute instances
 * share no memory, so a burst of events spread over many instances must agree on one window through the Fleet.
 * A claim is one conditional write (resourceVersion) of every cluster it wins, so of two invocations racing for
 * the same window exactly one gets the check; the loser re-reads, sees the claim and is debounced. A debounced
 * event writes nothing (a burst of hundreds costs reads, not writes).
 */
import { z } from 'zod';
import type { KubeClient } from '../clients/kube-client';
import { ConfigMapDocument } from './config-map-document';

/** The ConfigMap (in the state namespace) that holds the windows. */
export const DEBOUNCE_CONFIGMAP = 'fleet-dr-event-debounce';

const WindowSchema = z.strictObject({
  /** When the last check began (ms since the epoch). */
  checkedAt: z.number().int().min(0),
  /** What prompted it. */
  cause: z.string(),
  /** Checks claimed for this cluster so far (a counter for reports and tests). */
  checks: z.number().int().min(0),
});

const DebounceSchema = z.strictObject({ clusters: z.record(z.string(), WindowSchema) });

/** The stored windows, per cluster id. */
export type DebounceWindows = z.infer<typeof DebounceSchema>;

/** The outcome of a claim for one cluster. */
export type DebounceClaim =
  | { clusterId: string; claimed: true; at: number; checks: number }
  | {
      clusterId: string;
      claimed: false;
      /** When the check that owns the window began, and what prompted it. */
      lastCheckAt: number;
      lastCause: string;
      /** The first moment a new event may claim a check. */
      nextCheckAfter: number;
    };

/** Windows older than this are dropped on every write (a cluster no longer in the policy, say). */
const FORGET_AFTER_MS = 7 * 24 * 3600_000;

/** One check per cluster per window, across every instance. */
export class EventDebounceStore {
  private readonly doc: ConfigMapDocument<DebounceWindows>;

  constructor(
    fleetKube: KubeClient,
    namespace: string,
    private readonly now: () => number = Date.now,
    name = DEBOUNCE_CONFIGMAP,
  ) {
    this.doc = new ConfigMapDocument(fleetKube, namespace, name, DebounceSchema, () => ({ clusters: {} }));
  }

  /** The stored windows. */
  async read(): Promise<DebounceWindows> {
    return (await this.doc.read()).value;
  }

  /**
   * Claims a check for each cluster whose window (`windowMs` since its last check) has passed, in one
   * conditional write; the others are debounced. `causes` maps each cluster id to what prompted it.
   */
  async claim(causes: Map<string, string>, windowMs: number): Promise<DebounceClaim[]> {
    let out: DebounceClaim[] = [];
    await this.doc.commit(
      (cur) => {
        const t = this.now();
        out = [];
        const clusters = Object.fromEntries(
          Object.entries(cur.clusters).filter(([, w]) => t - w.checkedAt < FORGET_AFTER_MS),
        );
        for (const [clusterId, cause] of causes) {
          const w = clusters[clusterId];
          if (w && t - w.checkedAt < windowMs) {
            out.push({
              clusterId,
              claimed: false,
              lastCheckAt: w.checkedAt,
              lastCause: w.cause,
              nextCheckAfter: w.checkedAt + windowMs,
            });
            continue;
          }
          const checks = (w?.checks ?? 0) + 1;
          clusters[clusterId] = { checkedAt: t, cause: cause.slice(0, 500), checks };
          out.push({ clusterId, claimed: true, at: t, checks });
        }
        return out.some((c) => c.claimed) ? { clusters } : undefined;
      },
      { maxAttempts: 20 },
    );
    return out;
  }
}
