/**
 * Turns a member cluster's EndpointSlices, Pods and Nodes into the gateway's endpoint list, labelled as Istio
 * labels endpoints (endpoint-labels.ts: the pod's labels, the cluster id, the node's zone and region).
 */
import type { KubeObject } from '../kubernetes/types';
import { gatewayLabels } from './endpoint-labels';

/** One pod endpoint of one Service in one member cluster. */
export interface GatewayEndpoint {
  cluster: string;
  namespace: string;
  service: string;
  pod: string;
  /** Where the pod really listens (127.0.0.1 in the sandbox). */
  address: string;
  port: number;
  /** The pod IP the cluster shows (Pod.status.podIP, from the pod CIDR); `address` when unknown. */
  podIP: string;
  /** What a subset is matched against: the pod's labels augmented by the gateway (endpoint-labels.ts). */
  labels: Record<string, string>;
  ready: boolean;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null };
  targetRef?: { kind?: string; name?: string; namespace?: string };
}

/** Endpoints of every Service of one cluster, from its EndpointSlices, labelled from the Pods and their Nodes. */
export function endpointsFromObjects(
  cluster: string,
  slices: KubeObject[],
  pods: KubeObject[],
  nodes: KubeObject[] = [],
): GatewayEndpoint[] {
  const byName = new Map<string, KubeObject>();
  for (const p of pods) byName.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
  const nodesByName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const out: GatewayEndpoint[] = [];
  for (const s of slices) {
    const service = s.metadata.labels?.['kubernetes.io/service-name'];
    const port = (s.ports as Array<{ port?: number }> | undefined)?.[0]?.port;
    if (!service || !port) continue;
    const namespace = s.metadata.namespace ?? 'default';
    for (const e of (s.endpoints as SliceEndpoint[] | undefined) ?? []) {
      const pod = e.targetRef?.kind === 'Pod' ? (e.targetRef.name ?? '') : '';
      const podObj = byName.get(`${namespace}/${pod}`);
      const podIP = (podObj?.status as { podIP?: string } | undefined)?.podIP;
      for (const address of e.addresses ?? []) {
        out.push({
          cluster,
          namespace,
          service,
          pod,
          address,
          port,
          podIP: podIP ?? address,
          labels: gatewayLabels(cluster, podObj, nodesByName),
          // Kubernetes: a nil `ready` means ready.
          ready: e.conditions?.ready !== false,
        });
      }
    }
  }
  return out;
}
