/**
 * Gateway membership: fence a cluster off the MSE gateway or re-admit it by editing the MseIngressConfig's
 * remote-clusters annotation (comma-separated cluster ids), with resourceVersion-conditional writes.
 */
import { updateWithRetry } from '../clients/conditional-update';
import { KubeApiError } from '../clients/errors';
import type { CustomResourceRef, KubeClient } from '../clients/kube-client';

/** The MseIngressConfig resource (cluster-scoped; scope unverified, see sandbox resources). */
export const MSE_INGRESS_CONFIG: CustomResourceRef = {
  group: 'mse.alibabacloud.com',
  version: 'v1alpha1',
  plural: 'mseingressconfigs',
};

/** Parse the remote-clusters annotation value. */
export function parseRemoteClusters(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Fences and re-admits clusters on the gateway. */
export class GatewayMembership {
  constructor(
    private readonly fleetKube: KubeClient,
    private readonly configName: string,
    private readonly annotation: string,
    private readonly maxAttempts = 5,
  ) {}

  /** The clusters currently on the gateway. */
  async members(): Promise<string[]> {
    const obj = await this.fleetKube.getClusterCustomObject(MSE_INGRESS_CONFIG, this.configName);
    if (!obj) throw new KubeApiError(`fleet: mseingressconfig ${this.configName}`, 'get', 404, 'not found');
    return parseRemoteClusters(obj.metadata?.annotations?.[this.annotation]);
  }

  /** Remove a cluster from the gateway; returns the new member list (unchanged if already fenced). */
  fence(clusterId: string): Promise<string[]> {
    return this.edit((m) => m.filter((c) => c !== clusterId));
  }

  /** Add a cluster back to the gateway; returns the new member list. */
  readmit(clusterId: string): Promise<string[]> {
    return this.edit((m) => (m.includes(clusterId) ? m : [...m, clusterId]));
  }

  private async edit(change: (members: string[]) => string[]): Promise<string[]> {
    const what = `fleet: mseingressconfig ${this.configName}`;
    const r = await updateWithRetry({
      what,
      maxAttempts: this.maxAttempts,
      read: async () => {
        const obj = await this.fleetKube.getClusterCustomObject(MSE_INGRESS_CONFIG, this.configName);
        if (!obj) throw new KubeApiError(what, 'get', 404, 'not found');
        return { obj, members: parseRemoteClusters(obj.metadata?.annotations?.[this.annotation]) };
      },
      change: ({ obj, members: before }) => {
        const after = change(before);
        if (after.join(',') === before.join(',')) return undefined;
        if (after.length === 0)
          throw new KubeApiError(what, 'update', 422, 'refusing to remove the last cluster from the gateway');
        const next = {
          ...obj,
          metadata: {
            ...obj.metadata,
            annotations: { ...obj.metadata?.annotations, [this.annotation]: after.join(',') },
          },
        };
        return { next, members: after };
      },
      write: ({ next }) => this.fleetKube.replaceClusterCustomObject(MSE_INGRESS_CONFIG, next),
    });
    return r.changed ? r.next.members : r.current.members;
  }
}
