/**
 * Used request nonces (signed operator requests), kept on the Fleet so a replay is refused even by a
 * different Function Compute instance. Expired nonces are pruned on every write. The document is bounded: a
 * ConfigMap holds at most 1 MiB, so past `maxEntries` live nonces a new one is refused (NonceStoreFullError)
 * rather than the oldest forgotten, which would let a captured request be replayed.
 */
import { z } from 'zod';
import type { KubeClient } from '../clients/kube-client';
import { FleetDrError } from '../errors';
import { ConfigMapDocument } from './config-map-document';
import { STATE_CONFIGMAPS } from './routing-store';

const NoncesSchema = z.strictObject({ used: z.record(z.string(), z.number()) });

/** Live nonces the store keeps at most (about 80 bytes each, well under a ConfigMap's 1 MiB). */
export const MAX_LIVE_NONCES = 10_000;

/** The nonce store holds `MAX_LIVE_NONCES` unexpired nonces: nothing is accepted until some expire. */
export class NonceStoreFullError extends FleetDrError {}

/** Records nonces; each may be used once until it expires. */
export class NonceStore {
  private readonly doc: ConfigMapDocument<z.infer<typeof NoncesSchema>>;

  constructor(
    fleetKube: KubeClient,
    namespace: string,
    name: string = STATE_CONFIGMAPS.nonces,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_LIVE_NONCES,
  ) {
    this.doc = new ConfigMapDocument(fleetKube, namespace, name, NoncesSchema, () => ({ used: {} }));
  }

  /** True if `nonce` was unused (and is now recorded until `expiresAt` ms); false on a replay. */
  async use(nonce: string, expiresAt: number): Promise<boolean> {
    let fresh = false;
    await this.doc.commit(
      (cur) => {
        const t = this.now();
        const seen = cur.used[nonce];
        fresh = !(seen !== undefined && seen > t);
        if (!fresh) return undefined;
        const used = Object.fromEntries(Object.entries(cur.used).filter(([, exp]) => exp > t));
        if (Object.keys(used).length >= this.maxEntries)
          throw new NonceStoreFullError(
            `configmap ${this.doc.namespace}/${this.doc.name}: ${this.maxEntries} unexpired nonces; refusing new requests until some expire`,
          );
        used[nonce] = expiresAt;
        return { used };
      },
      { maxAttempts: 20 },
    );
    return fresh;
  }
}
