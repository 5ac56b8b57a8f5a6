/**
 * The sandbox's MSE multi-cluster gateway: an HTTP proxy on 127.0.0.1 that polls the Fleet's Ingresses and
 * MseIngressConfig and the member clusters' endpoints over their Kubernetes APIs, applies Fleet config
 * changes after a propagation delay, routes by `routing-table.ts`, optionally falls back around endpoints its
 * active health check (`health.ts`, MSE's documented model) judges unhealthy, counts outcomes per cluster per second, and reports service health to the MSE stand-in.
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FleetWorld, ServiceHealth } from '../world';
import { closeServer, listenOn } from '../zones/listen';
import { type Rng, seededRng } from '../zones/rng';
import { type FleetConfig, type KubeAccess, readEndpoints, readFleetConfig } from './config-source';
import type { GatewayEndpoint } from './endpoints';
import {
  EndpointHealth,
  endpointKey,
  type HealthCheckEvent,
  type HealthCheckSettings,
  type HealthVerdict,
  MSE_DOCUMENTED_HEALTH_CHECK,
  type PassiveEjection,
} from './health';
import { DEFAULT_KEYS, type GatewayKeys } from './keys';
import { chooseBackend, matchRoute, pickEndpoint } from './pick';
import { forward, type UpstreamFailure } from './proxy';
import { type Backend, buildRoutingTable, type RoutingTable } from './routing-table';
import { type GatewayStats, StatsCounter } from './stats';

/** Options of `startGateway`. */
export interface GatewayOptions {
  fleet: KubeAccess;
  members: Map<string, KubeAccess>;
  /** Name of the MseIngressConfig whose remote-clusters annotation lists the clusters. */
  mseIngressConfig: string;
  ingressClass?: string;
  keys?: Partial<GatewayKeys>;
  /** Delay before a Fleet config change takes effect; default 2000 ms (MSE pushes config asynchronously). */
  propagationDelayMs?: number;
  /** How often the Kubernetes APIs are listed; default 100 ms. */
  pollIntervalMs?: number;
  /** Route around endpoints the active health check judges unhealthy; default on (as MSE does). */
  healthFallback?: boolean;
  /** Deadline of one upstream attempt; default 3000 ms. */
  upstreamTimeoutMs?: number;
  /**
   * The active health check; defaults `MSE_DOCUMENTED_HEALTH_CHECK` (TCP, interval 2 s, timeout 5 s,
   * thresholds 2 and 2: the documented example values). Tests pass faster values.
   */
  healthCheck?: Partial<HealthCheckSettings>;
  /** Shorthands for `healthCheck.intervalMs` / `healthCheck.timeoutMs` (which win when both are given). */
  healthCheckIntervalMs?: number;
  healthCheckTimeoutMs?: number;
  /**
   * UNVERIFIED passive ejection and retry (see `health.ts`): off unless given (`UNVERIFIED_PASSIVE_EJECTION`
   * holds the values the stand-in used to apply by default).
   */
  passive?: PassiveEjection;
  seed?: number;
  /** When given, the gateway registers `world.serviceHealthProvider`. */
  world?: FleetWorld;
  port?: number;
}

/** A running gateway. */
export interface Gateway {
  url: string;
  port: number;
  /** Requests and outcomes per cluster per second. */
  stats(): GatewayStats;
  resetStats(): void;
  setHealthFallback(on: boolean): void;
  /** Whether the health fallback is on. */
  healthFallback(): boolean;
  setPropagationDelayMs(ms: number): void;
  /** The active health check in use. */
  healthCheckSettings(): HealthCheckSettings;
  /** The health verdict per endpoint (what the fallback and the MSE stand-in act on now). */
  healthVerdicts(): HealthVerdict[];
  /** Calls `fn` after every finished active check (with `changed` when a verdict flipped); returns unsubscribe. */
  onHealthCheck(fn: (e: HealthCheckEvent) => void): () => void;
  /** The routing table in effect now. */
  table(): RoutingTable;
  /** Polls the APIs once, after any change made before the call (config changes still wait out the delay). */
  refresh(): Promise<void>;
  /** True when no observed Fleet config change is still waiting out the propagation delay. */
  converged(): boolean;
  stop(): Promise<void>;
}

/** Starts the gateway and waits for its first view of the config. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const g = new GatewayImpl(opts);
  await g.start();
  return g;
}

class GatewayImpl implements Gateway {
  url = '';
  port = 0;
  private readonly keys: GatewayKeys;
  private readonly counter = new StatsCounter();
  private readonly health: EndpointHealth;
  /**
   * Kept-alive connections to the pods. With a `timeout`, Node's agent honours the pods' `Keep-Alive: timeout=5`
   * hint and drops an idle connection a second before the pod would (without one it ignores the hint, and a
   * request sent as the pod closes the idle connection is reset: a failure no real gateway shows).
   */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 60_000 });
  private readonly rng: Rng;
  private readonly server: Server;
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private fallback: boolean;
  private delayMs: number;
  private active?: FleetConfig;
  private seenSig?: string;
  private seq = 0;
  private activeSeq = 0;
  private endpoints = new Map<string, GatewayEndpoint[]>();
  private endpointsSig = '';
  private current: RoutingTable = { routes: [], remoteClusters: [] };
  private polling?: Promise<void>;
  private stopped = false;

  constructor(private readonly opts: GatewayOptions) {
    this.keys = { ...DEFAULT_KEYS, ...opts.keys };
    this.fallback = opts.healthFallback ?? true;
    this.delayMs = opts.propagationDelayMs ?? 2000;
    const hc: HealthCheckSettings = {
      ...MSE_DOCUMENTED_HEALTH_CHECK,
      ...(opts.healthCheckIntervalMs !== undefined && { intervalMs: opts.healthCheckIntervalMs }),
      ...(opts.healthCheckTimeoutMs !== undefined && { timeoutMs: opts.healthCheckTimeoutMs }),
      ...opts.healthCheck,
    };
    this.health = new EndpointHealth(hc, opts.passive);
    this.rng = seededRng(opts.seed ?? 7);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.port = await listenOn(this.server, this.opts.port ?? 0);
    this.url = `http://127.0.0.1:${this.port}`;
    this.loop(() => this.refresh(), this.opts.pollIntervalMs ?? 100);
    // Checks start every interval; one that outlasts it (timeout > interval) is not started again meanwhile.
    this.loop(() => {
      void this.health.tick([...this.endpoints.values()].flat());
      return Promise.resolve();
    }, this.health.settings.intervalMs);
    if (this.opts.world) this.opts.world.serviceHealthProvider = () => this.serviceHealth();
  }

  stats(): GatewayStats {
    return this.counter.snapshot();
  }

  resetStats(): void {
    this.counter.reset();
  }

  setHealthFallback(on: boolean): void {
    this.fallback = on;
  }

  healthFallback(): boolean {
    return this.fallback;
  }

  healthCheckSettings(): HealthCheckSettings {
    return { ...this.health.settings };
  }

  healthVerdicts(): HealthVerdict[] {
    return this.health.verdicts();
  }

  onHealthCheck(fn: (e: HealthCheckEvent) => void): () => void {
    return this.health.onCheck(fn);
  }

  setPropagationDelayMs(ms: number): void {
    this.delayMs = ms;
  }

  table(): RoutingTable {
    return this.current;
  }

  converged(): boolean {
    return this.activeSeq === this.seq;
  }

  async refresh(): Promise<void> {
    // One poll at a time. A poll already under way may have read the APIs before the caller's change, so
    // wait for it, then run (or join) a poll that began after this call.
    if (this.polling) await this.polling.catch(() => {});
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.opts.world?.serviceHealthProvider) this.opts.world.serviceHealthProvider = undefined;
    await this.polling?.catch(() => {});
    await closeServer(this.server);
    this.agent.destroy();
  }

  private loop(fn: () => Promise<void>, everyMs: number): void {
    const tick = () => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        fn()
          .catch(() => {})
          .finally(tick);
      }, everyMs);
      this.timers.add(t);
    };
    tick();
  }

  private async poll(): Promise<void> {
    const signal = this.abort.signal;
    // The Fleet's config is observed as soon as it is read: a hanging member API must not delay it.
    const fleet = readFleetConfig(this.opts.fleet, this.opts.mseIngressConfig, signal).then(
      (cfg) => void (!this.stopped && this.observeFleet(cfg)),
      () => undefined,
    );
    const [, endpoints] = await Promise.all([
      fleet,
      readEndpoints(this.opts.members, this.endpoints, signal),
    ]);
    if (this.stopped) return;
    const epSig = JSON.stringify([...endpoints]);
    const epChanged = epSig !== this.endpointsSig;
    this.endpoints = endpoints;
    this.endpointsSig = epSig;
    if (epChanged) this.rebuild();
  }

  /** A changed Fleet config becomes active after the propagation delay (the first one at once). */
  private observeFleet(cfg: FleetConfig): void {
    const sig = fleetSignature(cfg);
    if (sig === this.seenSig) return;
    this.seenSig = sig;
    const seq = ++this.seq;
    const activate = () => {
      if (seq <= this.activeSeq) return;
      this.activeSeq = seq;
      this.active = cfg;
      this.rebuild();
    };
    if (this.active === undefined || this.delayMs <= 0) {
      activate();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      activate();
    }, this.delayMs);
    this.timers.add(t);
  }

  private rebuild(): void {
    if (!this.active) return;
    this.current = buildRoutingTable({
      ingresses: this.active.ingresses,
      mseIngressConfig: this.active.mseIngressConfig,
      endpoints: [...this.endpoints.values()].flat(),
      ingressClass: this.opts.ingressClass,
      keys: this.keys,
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const info = { host: req.headers.host, path, headers: req.headers };
    const route = matchRoute(this.current, info);
    if (!route) return this.reply(res, 'none', 404, 'no route');
    const { backend } = chooseBackend(route, info, this.rng);
    const tried = new Set<string>();
    const failedClusters = new Set<string>();
    const tries = this.fallback && this.opts.passive ? this.opts.passive.maxTries : 1;
    let last: { ep: GatewayEndpoint; why: UpstreamFailure } | undefined;
    for (let i = 0; i < tries; i++) {
      const ep = this.pickFor(backend, tried, failedClusters);
      if (!ep) break;
      tried.add(endpointKey(ep));
      const r = await forward(
        ep,
        { method: req.method ?? 'GET', path, headers: req.headers, body },
        this.agent,
        this.opts.upstreamTimeoutMs ?? 3000,
      );
      if (typeof r !== 'string') {
        this.counter.record(ep.cluster, r.status >= 500 ? 'error' : 'ok');
        if (!res.destroyed) res.writeHead(r.status, stripHopByHop(r.headers)).end(r.body);
        return;
      }
      this.health.eject(ep);
      failedClusters.add(ep.cluster);
      last = { ep, why: r };
    }
    if (!last) return this.reply(res, 'none', 503, 'no healthy upstream');
    this.reply(res, last.ep.cluster, last.why === 'timeout' ? 504 : 502, `upstream ${last.why}`);
  }

  /**
   * Without the fallback: any endpoint of the backend. With it: a healthy untried endpoint of the backend,
   * else (the subset has no healthy pod) a healthy one of the whole Service, else any untried one (panic).
   * A retry avoids the clusters that already failed this request (zone failures take a whole cluster).
   */
  private pickFor(
    backend: Backend,
    tried: Set<string>,
    failedClusters: Set<string>,
  ): GatewayEndpoint | undefined {
    const used = (e: GatewayEndpoint) => tried.has(endpointKey(e));
    if (!this.fallback) return pickEndpoint(backend.endpoints, this.rng, used);
    const down = (e: GatewayEndpoint) => used(e) || failedClusters.has(e.cluster) || !this.health.healthy(e);
    return (
      pickEndpoint(backend.endpoints, this.rng, down) ??
      pickEndpoint(backend.serviceEndpoints, this.rng, down) ??
      pickEndpoint(backend.endpoints, this.rng, used)
    );
  }

  private reply(res: ServerResponse, cluster: string, status: number, msg: string): void {
    this.counter.record(cluster, 'failed');
    if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(msg);
  }

  private serviceHealth(): ServiceHealth[] {
    const all = [...this.endpoints.values()].flat();
    const remote = this.current.remoteClusters;
    const services = new Map<string, GatewayEndpoint[]>();
    for (const r of this.current.routes) services.set(`${r.base.namespace}/${r.base.service}`, []);
    for (const e of all) services.get(`${e.namespace}/${e.service}`)?.push(e);
    return [...services].map(([key, eps]) => {
      const [namespace = '', name = ''] = key.split('/');
      const mine = eps.filter((e) => remote.includes(e.cluster));
      const bad = mine.filter((e) => !e.ready || !this.health.healthy(e));
      return {
        name,
        namespace,
        healthStatus: mine.length === 0 ? 'Unknown' : bad.length > 0 ? 'Unhealthy' : 'Health',
        ips: mine.map((e) => e.podIP),
        unhealthyEndpoints: bad.map((e) => e.podIP),
        ports: [...new Set(mine.map((e) => e.port))],
      };
    });
  }
}

function fleetSignature(cfg: FleetConfig): string {
  // Only what routing reads: status updates (e.g. MseIngressConfig Pending -> Running) are not config.
  const ing = cfg.ingresses
    .map((i) => [i.metadata.namespace, i.metadata.name, i.metadata.annotations ?? {}, i.spec])
    .sort((a, b) => `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`));
  return JSON.stringify([ing, cfg.mseIngressConfig?.metadata.annotations ?? {}]);
}

function stripHopByHop(h: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding'].includes(k)) out[k] = v;
  }
  return out;
}
