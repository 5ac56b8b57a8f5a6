/**
 * The labels the gateway matches a subset against, written from Istio's documented behaviour (MSE's gateway
 * is built on Istio; /work/shared/reference/ack-one-gateway.md), independently of the product's pin check:
 * istio/istio `AugmentLabels` (pilot/pkg/serviceregistry/util/label/label.go) starts from the pod's labels and
 * - takes the locality from the pod's node: `topology.kubernetes.io/region`, `topology.kubernetes.io/zone` and
 *   `topology.istio.io/subzone` are written when the node has them (a node without one leaves the pod's own);
 * - SETS `topology.istio.io/cluster` to the id of the cluster the endpoint was registered from, overwriting a
 *   pod label of that name ("topology.istio.io/cluster is used to match the clusterID of an endpoint");
 * - sets `kubernetes.io/hostname` to the pod's node name.
 * The stand-in registers each member under the id it was given (the policy's cluster id). Not modelled: the
 * `istio-locality` pod label and `topology.istio.io/network`.
 */
import type { KubeObject } from '../kubernetes/types';

const CLUSTER = 'topology.istio.io/cluster';
const HOSTNAME = 'kubernetes.io/hostname';
const LOCALITY = [
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
];

/** The endpoint labels of one pod in `cluster`, given the cluster's nodes by name. */
export function gatewayLabels(
  cluster: string,
  pod: KubeObject | undefined,
  nodes: Map<string, KubeObject>,
): Record<string, string> {
  const labels: Record<string, string> = { ...(pod?.metadata.labels ?? {}) };
  const nodeName = (pod?.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
  const nodeLabels = nodes.get(nodeName)?.metadata.labels ?? {};
  for (const key of LOCALITY) if (nodeLabels[key]) labels[key] = nodeLabels[key];
  if (cluster !== '') labels[CLUSTER] = cluster;
  if (nodeName !== '') labels[HOSTNAME] = nodeName;
  return labels;
}
