/**
 * Argo CD on the sandbox's Fleet: the Applications (namespace `argocd`, seeded one per route and cluster by
 * sandbox-seed.ts) have no controller here, so a test or the drill sets their sync and health status as Argo
 * CD's application controller would (through the store, as a controller writes, with a new resourceVersion).
 */
import type { ObjectStore } from './kubernetes/types';

/** Argo CD's sync statuses (Application.status.sync.status). */
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';
/** Argo CD's health statuses (Application.status.health.status). */
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

const API = 'argoproj.io/v1alpha1';

/** The names of the Applications in `argocd`. */
export function applicationNames(store: ObjectStore, namespace = 'argocd'): string[] {
  return store.list(API, 'Application', namespace).map((a) => a.metadata.name);
}

/** Sets an Application's sync and/or health status; throws when it does not exist. */
export function setApplicationStatus(
  store: ObjectStore,
  name: string,
  status: {
    sync?: SyncStatus;
    health?: HealthStatus;
    resources?: Array<{ kind: string; name: string; namespace?: string }>;
  },
  namespace = 'argocd',
): void {
  const app = store.get(API, 'Application', namespace, name);
  if (!app) throw new Error(`sandbox argocd: no Application ${namespace}/${name}`);
  const cur = (app.status ?? {}) as Record<string, unknown>;
  const next = {
    ...cur,
    ...(status.sync ? { sync: { ...(cur.sync as object), status: status.sync } } : {}),
    ...(status.health ? { health: { ...(cur.health as object), status: status.health } } : {}),
    ...(status.resources ? { resources: status.resources } : {}),
  };
  store.update({ ...app, status: next });
}
