/**
 * One health-check round: every cluster's probes, a few requests each, at most `concurrency` in flight in the
 * whole round, each bounded by its probe's timeout (http-probe.ts). A cluster's round is judged by its failure
 * share (failed / sent), not by one request: a zone that answers half its probes with 5xx, or slower than the
 * probe timeout, is failing although it is not down. The round keeps counters, not answers, so its memory
 * does not grow with the number of requests.
 */
import pLimit from 'p-limit';
import type { Cluster } from '../config';
import { httpProbe, type ProbeAnswer } from './http-probe';
import { probeHeaders } from './probe';

/** Settings of a round. */
export interface RoundOptions {
  /** Requests in flight at once, across every cluster (at least 1). */
  concurrency: number;
  /** Requests per cluster per round, spread over its probes; at least one per probe. */
  requestsPerCluster: number;
  /** `detection.probeFailureShare`: the round fails a cluster when failed / sent reaches it. */
  failureShare: number;
  env: NodeJS.ProcessEnv;
  /** Epoch ms: a request that could not end by then is not started (it counts as skipped, not failed). */
  deadline?: number;
  /** Connection timeout of each request (default: the probe's own timeout). */
  connectTimeoutMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** What one round found about one cluster. */
export interface ClusterRound {
  clusterId: string;
  /** When the round started (ISO): the time of this sample. */
  at: string;
  sent: number;
  failed: number;
  /** Requests not started because the round ran out of time (not counted in the share). */
  skipped: number;
  /** failed / sent; null when nothing was sent. */
  share: number | null;
  /** share below the threshold; null when nothing was sent (no evidence either way). */
  ok: boolean | null;
  /** Latency of the requests that got an answer (any status), ms. */
  latency: { mean: number; max: number } | null;
  /** Failures by kind: `HTTP 503`, `timeout after 800 ms`, `unreachable (ECONNREFUSED)`, … */
  failures: Record<string, number>;
}

interface Tally {
  sent: number;
  failed: number;
  skipped: number;
  answered: number;
  latencySum: number;
  latencyMax: number;
  failures: Record<string, number>;
}

/** The share of failed requests that fails a cluster, as a sentence. */
export function describeRound(r: ClusterRound, threshold: number): string {
  if (r.share === null)
    return `no probe request could be sent (${r.skipped} skipped: the round ran out of time)`;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const kinds = Object.entries(r.failures)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} × ${k}`)
    .join(', ');
  const verdict = r.ok ? 'below' : 'at or above';
  return `${r.failed} of ${r.sent} probe requests failed (${pct(r.share)}, ${verdict} the ${pct(threshold)} threshold)${kinds ? `: ${kinds}` : ''}`;
}

/** Runs one round over every cluster; resolves when every request has ended (each within its timeout). */
export async function runProbeRound(clusters: Cluster[], options: RoundOptions): Promise<ClusterRound[]> {
  const now = options.now ?? Date.now;
  const started = now();
  const at = new Date(started).toISOString();
  const limit = pLimit(Math.max(1, Math.floor(options.concurrency)));
  const tallies = new Map<string, Tally>();
  // The queue takes one request of each cluster in turn: a zone whose requests all hang holds at most its
  // share of the slots, so the other clusters' requests still start at once and the round ends within about
  // one probe timeout.
  const queues = clusters.map((c) => {
    const t: Tally = {
      sent: 0,
      failed: 0,
      skipped: 0,
      answered: 0,
      latencySum: 0,
      latencyMax: 0,
      failures: {},
    };
    tallies.set(c.id, t);
    const n = Math.max(c.probes.length, Math.floor(options.requestsPerCluster));
    return { t, probes: c.probes, n };
  });
  const jobs: Promise<void>[] = [];
  const most = Math.max(0, ...queues.map((q) => q.n));
  for (let i = 0; i < most; i++)
    for (const q of queues) {
      if (i >= q.n) continue;
      const probe = q.probes[i % q.probes.length]!;
      const t = q.t;
      jobs.push(
        limit(async () => {
          if (options.deadline !== undefined && now() + probe.timeoutMs > options.deadline) {
            t.skipped += 1;
            return;
          }
          t.sent += 1;
          const a = await httpProbe({
            url: probe.url,
            headers: probeHeaders(probe, options.env),
            expectedStatus: probe.expectedStatus,
            timeoutMs: probe.timeoutMs,
            connectTimeoutMs: options.connectTimeoutMs,
          });
          count(t, a);
        }),
      );
    }
  await Promise.all(jobs);
  return clusters.map((c) => summarise(c.id, at, tallies.get(c.id)!, options.failureShare));
}

function count(t: Tally, a: ProbeAnswer): void {
  if (a.status !== undefined) {
    t.answered += 1;
    t.latencySum += a.latencyMs;
    t.latencyMax = Math.max(t.latencyMax, a.latencyMs);
  }
  if (a.ok) return;
  t.failed += 1;
  const kind = a.error ?? a.failure ?? 'failed';
  t.failures[kind] = (t.failures[kind] ?? 0) + 1;
}

function summarise(clusterId: string, at: string, t: Tally, threshold: number): ClusterRound {
  const share = t.sent > 0 ? t.failed / t.sent : null;
  return {
    clusterId,
    at,
    sent: t.sent,
    failed: t.failed,
    skipped: t.skipped,
    share,
    ok: share === null ? null : share < threshold,
    latency:
      t.answered > 0 ? { mean: Math.round(t.latencySum / t.answered), max: Math.round(t.latencyMax) } : null,
    failures: t.failures,
  };
}
