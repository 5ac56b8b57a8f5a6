/**
 * Endpoint health as the MSE gateway checks it (MSE docs "Configure active health check for services" and the
 * `UpdateGatewayServiceCheck` API, summarised in /work/shared/reference/ack-one-gateway.md):
 *
 * - an active check per endpoint, **TCP by default** (enabled automatically on gateway 1.2.1 or later): a
 *   connection established within `timeoutMs` passes; HTTP is an option (`GET httpPath`, the answer's status
 *   must be in `expectedStatuses`);
 * - `intervalMs`, `timeoutMs`, `healthyThreshold`, `unhealthyThreshold` are settings. No defaults are
 *   documented; the defaults below are the API's documented example values (Timeout 5 s, Interval 2 s,
 *   HealthyThreshold 2, UnhealthyThreshold 2). Tests pass faster values.
 *
 * An endpoint starts healthy; it turns unhealthy after `unhealthyThreshold` consecutive failed checks and
 * healthy again after `healthyThreshold` consecutive passed ones. The proxy skips unhealthy endpoints only
 * while the health fallback is on; the MSE stand-in sees the verdicts always.
 *
 * Passive ejection (an endpoint that refuses, resets or times out on a real request is skipped for a while and
 * the request retried elsewhere) is **UNVERIFIED**: no passive ejection or retry is documented for this gateway
 * (the passive checks found are for a different product, Cloud-native API Gateway). It is off unless
 * `passive` is given; `UNVERIFIED_PASSIVE_EJECTION` below is the one place that says so.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { GatewayEndpoint } from './endpoints';

/** Key of an endpoint in the health map. */
export function endpointKey(e: GatewayEndpoint): string {
  return `${e.cluster}/${e.address}:${e.port}`;
}

/** The active health check, as `UpdateGatewayServiceCheck` describes it. */
export interface HealthCheckSettings {
  /** `TCP` (MSE's default) or `HTTP`. */
  protocol: 'TCP' | 'HTTP';
  /** HTTP only: the path checked (the docs' example `/healthz`). */
  httpPath: string;
  /**
   * HTTP only: the accepted status classes, as MSE's `ExpectedStatuses` lists them (200, 300, 400, 500; 200
   * accepts every 2xx). Reading each value as a class is our interpretation; an exact status also matches.
   */
  expectedStatuses: number[];
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/** Documented example values (no defaults are documented), TCP as on gateway 1.2.1 or later. */
export const MSE_DOCUMENTED_HEALTH_CHECK: HealthCheckSettings = {
  protocol: 'TCP',
  httpPath: '/healthz',
  expectedStatuses: [200],
  intervalMs: 2000,
  timeoutMs: 5000,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};

/**
 * UNVERIFIED: passive ejection and retry on another endpoint. Not documented for the MSE multi-cluster
 * gateway; kept only to study what such a fallback would add. Off unless `GatewayOptions.passive` is given.
 */
export interface PassiveEjection {
  /** Attempts per request (proxy-next-upstream-tries). */
  maxTries: number;
  /** How long an endpoint that failed a request is skipped. */
  ejectMs: number;
}
export const UNVERIFIED_PASSIVE_EJECTION: PassiveEjection = { maxTries: 3, ejectMs: 5000 };

/** The gateway's verdict on one endpoint. */
export interface HealthVerdict {
  key: string;
  cluster: string;
  healthy: boolean;
  /** When the verdict last changed (or the endpoint was first seen), epoch ms. */
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  checks: number;
}

/** One finished check, as reported to listeners. */
export interface HealthCheckEvent {
  key: string;
  cluster: string;
  passed: boolean;
  /** When the check started and finished, epoch ms. */
  startedAt: number;
  at: number;
  /** Set when this check changed the verdict. */
  changed?: 'healthy' | 'unhealthy';
}

interface State {
  cluster: string;
  healthy: boolean;
  since: number;
  fails: number;
  oks: number;
  checks: number;
  inFlight: boolean;
}

/** Health of the known endpoints. */
export class EndpointHealth {
  private readonly state = new Map<string, State>();
  private readonly ejectedUntil = new Map<string, number>();
  private readonly listeners = new Set<(e: HealthCheckEvent) => void>();

  constructor(
    readonly settings: HealthCheckSettings,
    private readonly passive: PassiveEjection | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an endpoint is currently considered healthy (active verdict, and not passively ejected). */
  healthy(e: GatewayEndpoint): boolean {
    const k = endpointKey(e);
    if (this.state.get(k)?.healthy === false) return false;
    const until = this.ejectedUntil.get(k);
    return until === undefined || until <= this.now();
  }

  /** Passive ejection after a failed request; does nothing unless passive ejection is on. */
  eject(e: GatewayEndpoint): void {
    if (this.passive) this.ejectedUntil.set(endpointKey(e), this.now() + this.passive.ejectMs);
  }

  /** The verdicts on the endpoints checked so far. */
  verdicts(): HealthVerdict[] {
    return [...this.state].map(([key, s]) => ({
      key,
      cluster: s.cluster,
      healthy: s.healthy,
      since: s.since,
      consecutiveFailures: s.fails,
      consecutiveSuccesses: s.oks,
      checks: s.checks,
    }));
  }

  /** Calls `fn` after every finished check; returns the unsubscribe function. */
  onCheck(fn: (e: HealthCheckEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Starts one check of every known endpoint that has none in flight (a check lasts at most `timeoutMs`, which
   * may exceed the interval), and forgets endpoints that are gone. Returns when the started checks finish.
   */
  async tick(endpoints: GatewayEndpoint[]): Promise<void> {
    const known = new Set(endpoints.map(endpointKey));
    for (const k of this.state.keys()) if (!known.has(k)) this.state.delete(k);
    const started: Promise<void>[] = [];
    for (const e of endpoints) {
      const k = endpointKey(e);
      let s = this.state.get(k);
      if (!s) {
        s = {
          cluster: e.cluster,
          healthy: true,
          since: this.now(),
          fails: 0,
          oks: 0,
          checks: 0,
          inFlight: false,
        };
        this.state.set(k, s);
      }
      if (s.inFlight) continue;
      s.inFlight = true;
      const st = s;
      const startedAt = this.now();
      started.push(
        runCheck(e, this.settings).then((passed) => {
          st.inFlight = false;
          if (this.state.get(k) !== st) return;
          this.record(k, st, passed, startedAt);
        }),
      );
    }
    await Promise.all(started);
  }

  private record(key: string, s: State, passed: boolean, startedAt: number): void {
    s.checks++;
    let changed: HealthCheckEvent['changed'];
    if (passed) {
      s.oks++;
      s.fails = 0;
      if (!s.healthy && s.oks >= this.settings.healthyThreshold) {
        s.healthy = true;
        s.since = this.now();
        changed = 'healthy';
        this.ejectedUntil.delete(key);
      }
    } else {
      s.fails++;
      s.oks = 0;
      if (s.healthy && s.fails >= this.settings.unhealthyThreshold) {
        s.healthy = false;
        s.since = this.now();
        changed = 'unhealthy';
      }
    }
    const ev: HealthCheckEvent = {
      key,
      cluster: s.cluster,
      passed,
      startedAt,
      at: this.now(),
      changed,
    };
    for (const fn of this.listeners) fn(ev);
  }
}

/** Whether an HTTP status is accepted by `expectedStatuses` (a value ending in 00 stands for its class). */
export function statusExpected(status: number, expected: number[]): boolean {
  return expected.some((x) => x === status || (x % 100 === 0 && Math.floor(status / 100) === x / 100));
}

/** One check of one endpoint; resolves true if it passed (never rejects). */
export function runCheck(e: GatewayEndpoint, s: HealthCheckSettings): Promise<boolean> {
  return s.protocol === 'TCP' ? tcpCheck(e, s.timeoutMs) : httpCheck(e, s);
}

function tcpCheck(e: GatewayEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: e.address, port: e.port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function httpCheck(e: GatewayEndpoint, s: HealthCheckSettings): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = request({ host: e.address, port: e.port, path: s.httpPath, agent: false }, (res) => {
      res.resume();
      done(statusExpected(res.statusCode ?? 0, s.expectedStatuses));
    });
    // The whole check (connect and answer) is bounded by the timeout.
    const timer = setTimeout(() => done(false), s.timeoutMs);
    req.on('error', () => done(false));
    req.end();
  });
}
