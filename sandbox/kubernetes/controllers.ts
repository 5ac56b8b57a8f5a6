/**
 * Simulated controllers, so the stand-in behaves like a cluster with its controllers running:
 * - Deployment: with no status, or when status.observedGeneration lags metadata.generation, status follows
 *   spec.replicas (all ready). A status set by a simulation (e.g. readyReplicas 0 in a failed zone) with the
 *   current observedGeneration, or without one, is left alone.
 * - MseIngressConfig: a new object (or one without status) goes Pending, then Running, then Listening on timers.
 *   The status JSON path (`status.status`) is unverified: the real CRD does not document it.
 */
import type { MemoryStore } from './store';
import type { KubeObject, MseStatusTimings } from './types';

/** No status yet, or a status that has seen an older generation (a status without observedGeneration is kept). */
function needsDeployStatus(o: KubeObject): boolean {
  if (o.status === undefined) return true;
  const seen = (o.status as { observedGeneration?: number }).observedGeneration;
  return seen !== undefined && seen !== o.metadata.generation;
}

/** Starts the simulated controllers; returns a stop function that cancels every pending timer. */
export function startControllers(store: MemoryStore, timings: MseStatusTimings): () => void {
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  const later = (key: string, ms: number, fn: () => void) => {
    clearTimeout(timers.get(key));
    const h = setTimeout(() => {
      timers.delete(key);
      if (!stopped) fn();
    }, ms);
    timers.set(key, h);
  };
  // Writes are deferred (setImmediate, via `later` with 0 ms) so a controller never writes inside another write.
  const setStatus = (o: KubeObject, status: Record<string, unknown>) => {
    const cur = store.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    if (!cur) return;
    store.update({ ...cur, status: { ...((cur.status as object) ?? {}), ...status } });
  };
  const mseStep = (o: KubeObject, phase: string) => {
    const cur = store.get(o.apiVersion, o.kind, undefined, o.metadata.name);
    if (!cur) return;
    const now = (cur.status as { status?: string } | undefined)?.status;
    if (phase === 'Running' && now !== 'Pending') return;
    if (phase === 'Listening' && now !== 'Running') return;
    setStatus(cur, { status: phase });
    if (phase === 'Running')
      later(`mse/${o.metadata.name}`, timings.listeningAfterMs, () => mseStep(o, 'Listening'));
  };
  const offDeploy = store.watch('apps/v1', 'Deployment', (type, o) => {
    if (type === 'DELETED') return;
    if (!needsDeployStatus(o)) return;
    const key = `deploy/${o.metadata.namespace}/${o.metadata.name}`;
    later(key, 0, () => {
      const cur = store.get('apps/v1', 'Deployment', o.metadata.namespace, o.metadata.name);
      if (!cur || !needsDeployStatus(cur)) return;
      const replicas = ((cur.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number;
      setStatus(cur, {
        observedGeneration: cur.metadata.generation,
        replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        updatedReplicas: replicas,
      });
    });
  });
  const offMse = store.watch('mse.alibabacloud.com/v1alpha1', 'MseIngressConfig', (type, o) => {
    const key = `mse/${o.metadata.name}`;
    if (type === 'DELETED') {
      clearTimeout(timers.get(key));
      timers.delete(key);
      return;
    }
    if (o.status !== undefined) return;
    later(key, 0, () => {
      const cur = store.get(o.apiVersion, o.kind, undefined, o.metadata.name);
      if (!cur || cur.status !== undefined) return;
      setStatus(cur, { status: 'Pending' });
      later(key, timings.runningAfterMs, () => mseStep(cur, 'Running'));
    });
  });
  return () => {
    stopped = true;
    offDeploy();
    offMse();
    for (const h of timers.values()) clearTimeout(h);
    timers.clear();
  };
}
