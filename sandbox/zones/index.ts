/** Sandbox zones: the demo app's pods per member cluster, their Kubernetes objects and zone faults. */
export { ZoneError } from './errors';
export { type PodAnswer, type PodFault, type PodFaultOptions, PodServer } from './pod-server';
export { type MemberStore, ZONE_FAULTS, Zone, type ZoneFaultOptions, type ZoneOptions } from './zone';
export { type AppSpec, appObjects, LISTEN_ANNOTATION, type PodView } from './zone-objects';
export { Zones } from './zones';
