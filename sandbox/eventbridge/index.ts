/**
 * The EventBridge stand-in of the sandbox: the default bus with s.yaml's rules (event-bus.ts), delivering to
 * the functions through the local FC invoker, fed by the zones' Kubernetes events (the sandbox world emits
 * `k8s-event`) in the shape ACK's exporter gives them (kube-eventer.ts), and by tests through `putEvents`.
 */
import type { FleetWorld } from '../world';
import { K8S_EVENT } from '../zones/node-events';
import { EventBus, type EventBusOptions } from './event-bus';
import { type ClusterKubeEvent, type ExporterSite, toCloudEvent } from './kube-eventer';
import { rulesFromSYaml } from './s-yaml-rules';

export { type DeliveryRecord, EventBus, type EventBusOptions, type Invoke } from './event-bus';
export {
  type ClusterKubeEvent,
  type ExporterSite,
  type KubeEvent,
  nodeEvent,
  podEvent,
  toCloudEvent,
} from './kube-eventer';
export { matchesPattern, PatternError, parsePattern } from './pattern';
export { type EventRule, rulesFromSYaml, S_YAML_PATH } from './s-yaml-rules';
export { K8S_EVENT };

/** Options of the stand-in. */
export interface EventBridgeOptions extends Omit<EventBusOptions, 'rules'> {
  /** Default: the rules of the project's s.yaml. */
  rules?: EventBusOptions['rules'];
  /** The sandbox world whose zones emit Kubernetes events; they go on the bus. */
  world?: FleetWorld;
  /** Region and account the exporter stamps on the events. */
  site: ExporterSite;
}

/** A running stand-in. */
export interface EventBridgeStandIn {
  bus: EventBus;
  /** Puts the CloudEvents of Kubernetes events on the bus, as the cluster's exporter would. */
  putKubeEvents(events: ClusterKubeEvent[]): void;
  /** Stops listening to the world and waits for the deliveries in flight. */
  stop(): Promise<void>;
}

/** Starts the bus and subscribes it to the world's Kubernetes events. */
export function startEventBridge(o: EventBridgeOptions): EventBridgeStandIn {
  const bus = new EventBus({ ...o, rules: o.rules ?? rulesFromSYaml() });
  const putKubeEvents = (events: ClusterKubeEvent[]) => {
    bus.putEvents(events.map((e) => toCloudEvent(o.site, e)));
  };
  const onEvent = (e: ClusterKubeEvent) => putKubeEvents([e]);
  o.world?.on(K8S_EVENT, onEvent);
  return {
    bus,
    putKubeEvents,
    async stop() {
      o.world?.off(K8S_EVENT, onEvent);
      bus.stop();
      await bus.idle();
    },
  };
}
