/**
 * What a canary's pin (`subset-labels: "<key> <value>"`) matches, chosen by the policy (`gateway.pin`).
 * MSE's gateway is built on Istio, and Istio matches a subset against the endpoint's labels AUGMENTED by the
 * gateway (istio/istio `pilot/pkg/serviceregistry/util/label/label.go`, `AugmentLabels`): the pod's labels,
 * then `topology.istio.io/cluster` SET to the cluster id the endpoint was registered under, the node's region
 * and zone, and the node name. So a pin can name the cluster or the zone without any label on the pods.
 */
import type { Cluster, Policy } from '../config';

/** How canaries are pinned to their cluster (`gateway.pin`). */
export type PinKind = Policy['gateway']['pin'];

/** The label keys Istio sets on every endpoint (its `AugmentLabels`). */
export const ISTIO_LABELS = {
  cluster: 'topology.istio.io/cluster',
  region: 'topology.kubernetes.io/region',
  zone: 'topology.kubernetes.io/zone',
  subzone: 'topology.istio.io/subzone',
  hostname: 'kubernetes.io/hostname',
} as const;

/** A pin: the subset label the canary of one cluster selects. */
export interface Pin {
  key: string;
  value: string;
}

/**
 * The cluster id under which the gateway registered a member cluster, i.e. the value it writes into
 * `topology.istio.io/cluster` on that member's endpoints.
 *
 * UNVERIFIED: that MSE registers each member cluster under its ACK cluster id (the id in the policy and in the
 * MseIngressConfig's remote-clusters). Istio sets the label to the cluster id of the registry the endpoint came
 * from; which id MSE gives a Fleet member is not documented. This is the one place that assumes it; the proof
 * in a real account is the preflight live write test (`fleet-dr preflight --write-test=live`).
 */
export function gatewayClusterId(cluster: Pick<Cluster, 'id'>): string {
  return cluster.id;
}

/** The pin of one cluster's canary under the policy's pin kind. */
export function pinOf(cluster: Cluster, kind: PinKind): Pin {
  switch (kind) {
    case 'cluster-id':
      return { key: ISTIO_LABELS.cluster, value: gatewayClusterId(cluster) };
    case 'zone':
      return { key: ISTIO_LABELS.zone, value: cluster.zone };
    case 'label':
      if (!cluster.podLabel)
        throw new TypeError(`cluster ${cluster.id}: gateway.pin is label but the cluster has no podLabel`);
      return cluster.podLabel;
  }
}

/** One sentence that says what a pin kind matches (check-config prints it). */
export function explainPin(kind: PinKind, clusters: Cluster[]): string {
  const unused = clusters.filter((c) => c.podLabel).map((c) => c.id);
  const note =
    kind !== 'label' && unused.length > 0
      ? ` (the podLabel of ${unused.join(', ')} is not used: only gateway.pin "label" pins by it)`
      : '';
  return `${pinMeaning(kind, clusters)}${note}`;
}

function pinMeaning(kind: PinKind, clusters: Cluster[]): string {
  const each = (f: (c: Cluster) => string) => clusters.map((c) => `${c.id}: ${f(c)}`).join(', ');
  switch (kind) {
    case 'cluster-id':
      return `canaries pinned by cluster id (${each((c) => `${ISTIO_LABELS.cluster}=${gatewayClusterId(c)}`)}), a label the gateway sets on every endpoint itself, so pods need no label (unverified for MSE until preflight --write-test=live passes)`;
    case 'zone':
      return `canaries pinned by zone (${each((c) => `${ISTIO_LABELS.zone}=${c.zone}`)}), which the gateway takes from the label of the node each pod runs on`;
    case 'label':
      return `canaries pinned by the team's own label (${each((c) => (c.podLabel ? `${c.podLabel.key}=${c.podLabel.value}` : 'none'))}), matched against pod labels after the gateway sets ${ISTIO_LABELS.cluster}, region, zone and hostname`;
  }
}
