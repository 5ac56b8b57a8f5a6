/**
 * Used request nonces (signed operator requests), kept on the Fleet so a replay is refused even by a
 * different Function Compute instance. Expired nonces are pruned on every write.
 */
import { z } from 'zod';
import type { KubeClient } from '../clients/kube-client';
import { ConfigMapDocument } from './config-map-document';

const NoncesSchema = z.strictObject({ used: z.record(z.string(), z.number()) });

/** Records nonces; each may be used once until it expires. */
export class NonceStore {
  private readonly doc: ConfigMapDocument<z.infer<typeof NoncesSchema>>;

  constructor(
    fleet: KubeClient,
    namespace: string,
    name = 'fleet-dr-nonces',
    private readonly now: () => number = Date.now,
  ) {
    this.doc = new ConfigMapDocument(fleet, namespace, name, NoncesSchema, () => ({ used: {} }));
  }

  /** True if `nonce` was unused (and is now recorded until `expiresAt` ms); false on a replay. */
  async use(nonce: string, expiresAt: number): Promise<boolean> {
    let fresh = false;
    await this.doc.commit((cur) => {
      const t = this.now();
      const seen = cur.used[nonce];
      fresh = !(seen !== undefined && seen > t);
      if (!fresh) return undefined;
      const used = Object.fromEntries(Object.entries(cur.used).filter(([, exp]) => exp > t));
      used[nonce] = expiresAt;
      return { used };
    });
    return fresh;
  }
}
