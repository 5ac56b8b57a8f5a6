/** Per-cluster, per-second request counters of the gateway, readable by tests and drills. */

/** Outcome of one request: `ok` (< 500), `error` (5xx from a backend), `failed` (no answer: refused, reset, timeout, or no endpoint). */
export type Outcome = 'ok' | 'error' | 'failed';

/** Counts of one cluster (or all) in one second (or overall). */
export interface Counts {
  requests: number;
  ok: number;
  errors: number;
  failed: number;
}

/** One second of one cluster (`none` = no endpoint to send to). */
export interface SecondCounts extends Counts {
  /** Unix time in whole seconds. */
  second: number;
  cluster: string;
}

/** What `stats()` returns. */
export interface GatewayStats {
  perSecond: SecondCounts[];
  totals: Record<string, Counts>;
}

/** Accumulates counters; keeps the last `keepSeconds` seconds of detail. */
export class StatsCounter {
  private readonly seconds = new Map<string, SecondCounts>();
  private totals: Record<string, Counts> = {};

  constructor(
    private readonly now: () => number = Date.now,
    private readonly keepSeconds = 3600,
  ) {}

  /** Counts one finished request. */
  record(cluster: string, outcome: Outcome): void {
    const second = Math.floor(this.now() / 1000);
    const key = `${second}|${cluster}`;
    let s = this.seconds.get(key);
    if (!s) {
      s = { second, cluster, requests: 0, ok: 0, errors: 0, failed: 0 };
      this.seconds.set(key, s);
      this.prune(second);
    }
    this.totals[cluster] ??= { requests: 0, ok: 0, errors: 0, failed: 0 };
    for (const c of [s, this.totals[cluster]]) {
      c.requests++;
      if (outcome === 'ok') c.ok++;
      else if (outcome === 'error') c.errors++;
      else c.failed++;
    }
  }

  /** A copy of the counters. */
  snapshot(): GatewayStats {
    return {
      perSecond: [...this.seconds.values()].map((s) => ({ ...s })).sort((a, b) => a.second - b.second),
      totals: Object.fromEntries(Object.entries(this.totals).map(([k, v]) => [k, { ...v }])),
    };
  }

  /** Forgets everything counted so far. */
  reset(): void {
    this.seconds.clear();
    this.totals = {};
  }

  private prune(current: number): void {
    for (const [k, s] of this.seconds) if (s.second < current - this.keepSeconds) this.seconds.delete(k);
  }
}
