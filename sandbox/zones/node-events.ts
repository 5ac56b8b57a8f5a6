/**
 * The Kubernetes events a zone fault makes its cluster emit, as a real cluster would, put on the sandbox world
 * as `k8s-event` (the EventBridge stand-in exports them in kube-eventer's shape). Someone must be left to see
 * a node go: when the zone takes the control plane with it (a registered cluster's data centre, an ACK
 * control plane marked down) nothing is emitted until it comes back.
 * - `dead` / `blackhole` with the control plane up: after the node grace period (the zone's readiness lag) the
 *   node lifecycle controller records `NodeNotReady` for the zone's node and marks its pods not ready
 *   (`NodeNotReady` Warning on each pod);
 * - heal after `dead` / `blackhole`: the kubelet records `NodeReady`;
 * - `slow`, `errors`, `agent-partition`: the nodes stay Ready; nothing.
 */
import { type ClusterKubeEvent, nodeEvent, podEvent } from '../eventbridge/kube-eventer';
import type { ClusterState, FleetWorld, ZoneFault } from '../world';

/** The world event name (the EventBridge stand-in listens to it). */
export const K8S_EVENT = 'k8s-event';

/** The node a zone's pods run on: the Pod `spec.nodeName` zone-objects.ts writes. */
export const zoneNodeName = (clusterId: string, zone: string): string => `${clusterId}-node-${zone}`;

/** What the events are about: the zone's cluster, its node and its pods. */
export interface ZoneNodes {
  world: FleetWorld;
  clusterId: string;
  /** The node the zone's pods run on (Pod `spec.nodeName`). */
  node: string;
  namespace: string;
  pods: string[];
}

const emit = (z: ZoneNodes, events: ClusterKubeEvent['event'][]) => {
  for (const event of events)
    z.world.emit(K8S_EVENT, { clusterId: z.clusterId, event } satisfies ClusterKubeEvent);
};

/** The node events of a fault change; `afterLag` runs its callback after the node grace period. */
export function emitNodeEvents(
  z: ZoneNodes,
  change: { before: ZoneFault; after: ZoneFault; state: ClusterState },
  afterLag: (fn: () => void) => void,
): void {
  const lost = (f: ZoneFault) => f === 'dead' || f === 'blackhole';
  if (lost(change.after) && !lost(change.before) && change.state === 'running')
    afterLag(() =>
      emit(z, [
        nodeEvent(z.node, 'NodeNotReady'),
        ...z.pods.map((p) =>
          podEvent(z.namespace, p, 'NodeNotReady', 'Node is not ready', { component: 'node-controller' }),
        ),
      ]),
    );
  if (change.after === 'none' && lost(change.before)) emit(z, [nodeEvent(z.node, 'NodeReady')]);
}
