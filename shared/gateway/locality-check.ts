/**
 * Before the ASM router first writes a route's locality weights, each cluster that gets traffic must have the
 * Service's endpoints in the locality the weights name (`<region>/<zone>`, asm-distribute.ts). Istio takes an
 * endpoint's locality from its node's `topology.kubernetes.io/region` and `zone` labels (endpoint-view.ts, as
 * for the MSE pins): an endpoint whose node carries another zone, or none, gets traffic meant for another
 * locality, or none of what fleet-dr gives its cluster. Pure: the reads are pin-check.ts's `readClusterView`.
 */
import type { ClusterView } from './endpoint-view';
import { ISTIO_LABELS } from './pin';

/** Why the cluster's endpoints are not all in `locality` (`region/zone`), or undefined when they are. */
export function localityProblem(view: ClusterView, locality: string): string | undefined {
  const [region, zone] = locality.split('/');
  if (view.endpoints.length === 0) return `${view.clusterId} has no endpoint of the Service`;
  if (!view.nodes)
    return `the nodes of ${view.clusterId} could not be read (${view.nodesUnknown ?? 'unknown'}), so their locality is unknown`;
  const off = view.endpoints.filter(
    (e) => e.labels[ISTIO_LABELS.region] !== region || e.labels[ISTIO_LABELS.zone] !== zone,
  );
  if (off.length === 0) return undefined;
  const e = off[0]!;
  const has = (k: string) => e.labels[k] ?? '(none)';
  return (
    `${off.length} of ${view.endpoints.length} endpoint(s) of ${view.clusterId} are not in ${locality}: ` +
    `pod ${e.pod} on node ${e.node ?? '(unscheduled)'} has ${ISTIO_LABELS.region}=${has(ISTIO_LABELS.region)}, ` +
    `${ISTIO_LABELS.zone}=${has(ISTIO_LABELS.zone)}`
  );
}
