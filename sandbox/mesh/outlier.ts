/**
 * Envoy's outlier detection as an Istio DestinationRule's `outlierDetection` configures it, consecutive 5xx
 * only (Envoy docs "Outlier detection" and the cluster's `OutlierDetection` message; the defaults are Envoy's):
 * - every 5xx answer (or a failed connection / timeout: Envoy counts locally originated errors as 5xx unless
 *   told to split them) adds one to the host's consecutive count, any other answer resets it;
 * - at `consecutive5xxErrors` (default 5) the host is ejected at once, unless that would take the ejected share
 *   of hosts above `maxEjectionPercent` (default 10 %); Envoy ejects at least one host whatever the percent;
 * - an ejected host returns at the first `interval` sweep (default 10 s) after `baseEjectionTime` (default
 *   30 s) × the number of times it was ejected (capped by Envoy's `max_ejection_time`, 300 s); each sweep a
 *   host that is not ejected lowers that multiplier by one, so a host that stays well is forgiven;
 * - a returned host starts with a count of 0.
 * `on(fn)` reports every ejection and return: the signal tests wait on.
 */
import type { OutlierDetectionSpec } from './destination-rule';

/** The settings in milliseconds and counts. */
export interface OutlierSettings {
  consecutive5xxErrors: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionPercent: number;
  maxEjectionTimeMs: number;
}

/** Envoy's defaults. */
export const ENVOY_OUTLIER_DEFAULTS: OutlierSettings = {
  consecutive5xxErrors: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10,
  maxEjectionTimeMs: 300_000,
};

/** A protobuf Duration as Istio's YAML writes it: `1h`, `1m`, `30s`, `1.5s`, `100ms` (and combinations). */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    total += Number(m[1]) * unit;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== s.length)
    throw new Error(`duration ${JSON.stringify(s)} does not parse`);
  return total;
}

/** The settings a DestinationRule's outlierDetection gives (Envoy's default for each field left out). */
export function outlierSettingsOf(spec: OutlierDetectionSpec | undefined): OutlierSettings {
  const d = ENVOY_OUTLIER_DEFAULTS;
  return {
    consecutive5xxErrors: spec?.consecutive5xxErrors ?? d.consecutive5xxErrors,
    intervalMs: spec?.interval ? parseDuration(spec.interval) : d.intervalMs,
    baseEjectionTimeMs: spec?.baseEjectionTime ? parseDuration(spec.baseEjectionTime) : d.baseEjectionTimeMs,
    maxEjectionPercent: spec?.maxEjectionPercent ?? d.maxEjectionPercent,
    maxEjectionTimeMs: d.maxEjectionTimeMs,
  };
}

/** An ejection or a return. */
export interface OutlierEvent {
  type: 'eject' | 'uneject';
  id: string;
  at: number;
  /** Consecutive 5xx counted when ejected (eject only). */
  consecutive5xx?: number;
  /** How long this ejection lasts at least (eject only). */
  ejectionMs?: number;
}

interface HostState {
  consecutive5xx: number;
  multiplier: number;
  ejectedAt?: number;
}

/** Per-host consecutive-5xx detection with ejection, for one upstream cluster. */
export class OutlierDetector {
  private readonly hosts = new Map<string, HostState>();
  private readonly listeners = new Set<(e: OutlierEvent) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private settings: OutlierSettings = ENVOY_OUTLIER_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The hosts of the cluster (new ones start well; gone ones are forgotten). */
  setHosts(ids: string[]): void {
    for (const id of ids) if (!this.hosts.has(id)) this.hosts.set(id, { consecutive5xx: 0, multiplier: 0 });
    for (const id of [...this.hosts.keys()]) if (!ids.includes(id)) this.hosts.delete(id);
  }

  /** New settings (a changed DestinationRule); a running sweep timer picks up the new interval. */
  configure(settings: OutlierSettings): void {
    const restart = this.timer !== undefined && settings.intervalMs !== this.settings.intervalMs;
    this.settings = settings;
    if (restart) {
      this.stop();
      this.start();
    }
  }

  /** Records one answer of a host: an HTTP status, or 'error' for a connection failure or timeout. */
  record(id: string, status: number | 'error'): void {
    const h = this.hosts.get(id);
    if (!h || h.ejectedAt !== undefined) return;
    if (status !== 'error' && status < 500) {
      h.consecutive5xx = 0;
      return;
    }
    h.consecutive5xx++;
    if (h.consecutive5xx >= this.settings.consecutive5xxErrors && this.mayEject()) this.eject(id, h);
  }

  private mayEject(): boolean {
    const active = this.ejected().size;
    return active === 0 || (100 * (active + 1)) / this.hosts.size <= this.settings.maxEjectionPercent;
  }

  private ejectionMs(h: HostState): number {
    return Math.min(this.settings.baseEjectionTimeMs * h.multiplier, this.settings.maxEjectionTimeMs);
  }

  private eject(id: string, h: HostState): void {
    h.multiplier++;
    h.ejectedAt = this.now();
    this.emit({
      type: 'eject',
      id,
      at: h.ejectedAt,
      consecutive5xx: h.consecutive5xx,
      ejectionMs: this.ejectionMs(h),
    });
  }

  /** One interval sweep: returns the hosts whose ejection time is over, forgives the others by one. */
  sweep(): void {
    const now = this.now();
    for (const [id, h] of this.hosts) {
      if (h.ejectedAt === undefined) {
        if (h.multiplier > 0) h.multiplier--;
        continue;
      }
      if (now - h.ejectedAt < this.ejectionMs(h)) continue;
      h.ejectedAt = undefined;
      h.consecutive5xx = 0;
      this.emit({ type: 'uneject', id, at: now });
    }
  }

  /** The ids ejected now. */
  ejected(): Set<string> {
    return new Set([...this.hosts].filter(([, h]) => h.ejectedAt !== undefined).map(([id]) => id));
  }

  /** A host's counters (undefined for an unknown host). */
  state(id: string): { consecutive5xx: number; ejected: boolean; ejections: number } | undefined {
    const h = this.hosts.get(id);
    return (
      h && { consecutive5xx: h.consecutive5xx, ejected: h.ejectedAt !== undefined, ejections: h.multiplier }
    );
  }

  /** Calls `fn` on every ejection and return; returns unsubscribe. */
  on(fn: (e: OutlierEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Starts the interval sweep timer. */
  start(): void {
    this.timer ??= setInterval(() => this.sweep(), this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private emit(e: OutlierEvent): void {
    for (const fn of [...this.listeners]) fn(e);
  }
}
