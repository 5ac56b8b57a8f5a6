/** Kubernetes API stand-in: the agreed `sandbox/kubernetes` contract (see README.md in this folder). */
export { KubeStatusError, type StatusCause } from './errors';
export { RESOURCE_TYPES, type ResourceType } from './resources';
export { startKubeApiServer } from './server';
export type {
  KubeApiServer,
  KubeApiServerOptions,
  KubeObject,
  MseStatusTimings,
  ObjectStore,
  RequestLogEntry,
  TokenSpec,
  WatchEventType,
} from './types';
export { parseManifests } from './yaml-io';
