/**
 * The gateway's view of a Service's endpoints in one member cluster, computed the way Istio (on which MSE's
 * gateway is built) labels endpoints before it matches a subset: `AugmentLabels` in istio/istio
 * `pilot/pkg/serviceregistry/util/label/label.go` copies the pod's labels, then sets the node's region, zone
 * and subzone (each only when the node has it), SETS `topology.istio.io/cluster` to the cluster id (a pod
 * label of that name is overwritten) and `kubernetes.io/hostname` to the pod's node name. Not modelled: the
 * pod label `istio-locality` (Istio's override of the node's locality) and `topology.istio.io/network`.
 * Pure: the reads are in pin-check.ts.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { ISTIO_LABELS, type Pin } from './pin';

/** One pod of the Service as the gateway sees it. */
export interface EndpointView {
  pod: string;
  /** `spec.nodeName`, if the pod is scheduled. */
  node?: string;
  /** The pod's labels augmented as Istio does: what a subset is matched against. */
  labels: Record<string, string>;
}

/** A Service's endpoints in one member cluster, as the gateway sees them. */
export interface ClusterView {
  /** The policy's cluster id. */
  clusterId: string;
  endpoints: EndpointView[];
  /** Node labels by node name; undefined when the nodes were not read (or could not be). */
  nodes?: Map<string, Record<string, string>>;
  /** Why the nodes are unknown, when they are. */
  nodesUnknown?: string;
}

/** Node-derived keys: matching them needs the Nodes. */
export const NODE_KEYS: readonly string[] = [ISTIO_LABELS.region, ISTIO_LABELS.zone, ISTIO_LABELS.subzone];

/** Istio's AugmentLabels for one endpoint. */
export function augmentLabels(
  podLabels: Record<string, string>,
  gatewayClusterId: string,
  nodeName: string | undefined,
  nodeLabels: Record<string, string> | undefined,
): Record<string, string> {
  const out = { ...podLabels };
  // The locality comes from the node; an empty part leaves the pod's own label of that name alone.
  for (const key of NODE_KEYS) {
    const v = nodeLabels?.[key];
    if (v) out[key] = v;
  }
  if (gatewayClusterId) out[ISTIO_LABELS.cluster] = gatewayClusterId;
  if (nodeName) out[ISTIO_LABELS.hostname] = nodeName;
  return out;
}

/** The view of a Service's pods (already selected by its selector) in one cluster. */
export function clusterView(
  clusterId: string,
  gatewayClusterId: string,
  pods: V1Pod[],
  nodes: V1Node[] | undefined,
  nodesUnknown?: string,
): ClusterView {
  const byName = nodes
    ? new Map(nodes.map((n) => [n.metadata?.name ?? '', n.metadata?.labels ?? {}]))
    : undefined;
  const endpoints = pods
    // Finished pods are no endpoints (EndpointSlices leave them out).
    .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .map((p) => {
      const node = p.spec?.nodeName || undefined;
      return {
        pod: p.metadata?.name ?? '?',
        node,
        labels: augmentLabels(
          p.metadata?.labels ?? {},
          gatewayClusterId,
          node,
          node ? byName?.get(node) : undefined,
        ),
      };
    });
  return { clusterId, endpoints, nodes: byName, nodesUnknown: byName ? undefined : nodesUnknown };
}

/** The endpoints a pin selects. */
export function selected(view: ClusterView, pin: Pin): EndpointView[] {
  return view.endpoints.filter((e) => e.labels[pin.key] === pin.value);
}
