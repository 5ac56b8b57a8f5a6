/** The sandbox's MSE multi-cluster gateway stand-in. */
export { type FleetConfig, GatewaySourceError, type KubeAccess } from './config-source';
export { endpointsFromObjects, type GatewayEndpoint } from './endpoints';
export { type Gateway, type GatewayOptions, startGateway } from './gateway';
export {
  type HealthCheckEvent,
  type HealthCheckSettings,
  type HealthVerdict,
  MSE_DOCUMENTED_HEALTH_CHECK,
  type PassiveEjection,
  runCheck,
  statusExpected,
  UNVERIFIED_PASSIVE_EJECTION,
} from './health';
export { DEFAULT_KEYS, type GatewayKeys } from './keys';
export { chooseBackend, matchRoute, pickEndpoint, type RequestInfo } from './pick';
export {
  type Backend,
  buildRoutingTable,
  type Canary,
  parseSubsetLabels,
  type RouteEntry,
  type RoutingInputs,
  type RoutingTable,
  remoteClusters,
} from './routing-table';
export { type Counts, type GatewayStats, type Outcome, type SecondCounts, StatsCounter } from './stats';
