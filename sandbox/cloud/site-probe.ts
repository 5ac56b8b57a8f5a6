/**
 * Site-monitor style HTTP probes the CloudMonitor stand-in runs itself (127.0.0.1 targets only), recording
 * `Availability` (100 or 0) and `ResponseTime` (ms) under acs_networkmonitor with dimension `taskId`.
 */
import { isLoopbackUrl } from './http-util';
import { type MetricStore, SITE_MONITOR_NAMESPACE } from './metric-store';

/** One probe task. */
export interface SiteProbe {
  taskId: string;
  taskName?: string;
  url: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
}

async function probeOnce(p: SiteProbe, signal: AbortSignal): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  if (!isLoopbackUrl(p.url)) return { ok: false, ms: 0 };
  try {
    const res = await fetch(p.url, {
      signal: AbortSignal.any([AbortSignal.timeout(p.timeoutMs ?? 5000), signal]),
    });
    await res.arrayBuffer().catch(() => undefined);
    // A site monitor counts 2xx/3xx as available (status matching is configurable on the real one).
    return { ok: res.status < 400, ms: performance.now() - started };
  } catch {
    return { ok: false, ms: performance.now() - started };
  }
}

/** Run every probe once, concurrently, and store its datapoints. */
export async function runSiteProbes(
  probes: SiteProbe[],
  store: MetricStore,
  now: () => number,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    probes.map(async (p) => {
      const r = await probeOnce(p, signal);
      if (signal.aborted) return;
      const base = { namespace: SITE_MONITOR_NAMESPACE, dimensions: { taskId: p.taskId }, timestamp: now() };
      store.put({ ...base, metricName: 'Availability', value: r.ok ? 100 : 0 });
      store.put({ ...base, metricName: 'ResponseTime', value: Math.round(r.ms) });
    }),
  );
}
