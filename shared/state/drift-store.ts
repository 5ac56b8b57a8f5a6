/**
 * What drift has already been reported, so one disagreement between Git, the Fleet and the gateway is told
 * to the operators once (and again only when it changes), whichever instance notices it.
 */
import { z } from 'zod';
import type { KubeClient } from '../clients/kube-client';
import { ConfigMapDocument } from './config-map-document';

const DriftSchema = z.strictObject({
  reported: z.record(
    z.string(),
    z.strictObject({ fingerprint: z.string(), firstSeen: z.number(), lastReported: z.number() }),
  ),
});

/** Remembers reported drift by key (e.g. `ingress/web-demo`) and fingerprint (what differs). */
export class DriftStore {
  private readonly doc: ConfigMapDocument<z.infer<typeof DriftSchema>>;

  constructor(
    fleet: KubeClient,
    namespace: string,
    name = 'fleet-dr-drift',
    private readonly now: () => number = Date.now,
  ) {
    this.doc = new ConfigMapDocument(fleet, namespace, name, DriftSchema, () => ({ reported: {} }));
  }

  /** True if this drift (key + fingerprint) is new and should be reported; records it. */
  async shouldReport(key: string, fingerprint: string): Promise<boolean> {
    const r = await this.doc.commit((cur) => {
      const prev = cur.reported[key];
      if (prev?.fingerprint === fingerprint) return undefined;
      const t = this.now();
      cur.reported[key] = { fingerprint, firstSeen: prev?.firstSeen ?? t, lastReported: t };
      return cur;
    });
    return r.committed;
  }

  /** Forget a drift that has been resolved, so a recurrence is reported again. */
  async resolved(key: string): Promise<void> {
    await this.doc.commit((cur) => {
      if (!cur.reported[key]) return undefined;
      delete cur.reported[key];
      return cur;
    });
  }
}
