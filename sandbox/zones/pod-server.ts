/**
 * One backend pod of the demo application: an HTTP server on 127.0.0.1 that answers with its cluster and pod
 * name, and misbehaves on demand (dead: listener closed, so connections are refused; blackhole: new
 * connections hang unanswered (see blackhole-listener.ts) and requests on connections opened before are never
 * answered; slow: answers after a delay; errors: a seeded share of 503s).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlackholeListener } from './blackhole-listener';
import { closeServer, listenOn, relisten } from './listen';
import { type Rng, seededRng } from './rng';

/** What a pod does with the requests it gets. */
export type PodFault = 'none' | 'dead' | 'blackhole' | 'slow' | 'errors';

/** Tuning of the `slow` and `errors` faults. */
export interface PodFaultOptions {
  /** Delay of every answer under `slow`; default 1500 ms. */
  slowMs?: number;
  /** Share of requests answered 503 under `errors`; default 0.5. */
  errorRate?: number;
}

/** Options of `startPod`. */
export interface PodOptions {
  cluster: string;
  zone: string;
  name: string;
  seed?: number;
}

/** The body every pod answers with (and the probe endpoint forwards). */
export interface PodAnswer {
  cluster: string;
  zone: string;
  pod: string;
  method: string;
  path: string;
}

/** A running pod backend. */
export class PodServer {
  readonly cluster: string;
  readonly zone: string;
  readonly name: string;
  port = 0;
  fault: PodFault = 'none';
  private faultOpts: Required<PodFaultOptions> = { slowMs: 1500, errorRate: 0.5 };
  private readonly server: Server;
  private readonly rng: Rng;
  private readonly held = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private blackhole: BlackholeListener | null = null;
  private stopped = false;

  private constructor(opts: PodOptions) {
    this.cluster = opts.cluster;
    this.zone = opts.zone;
    this.name = opts.name;
    this.rng = seededRng(opts.seed ?? 1);
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  /** Starts a pod on an OS-picked port. */
  static async start(opts: PodOptions): Promise<PodServer> {
    const pod = new PodServer(opts);
    pod.port = await listenOn(pod.server, 0);
    return pod;
  }

  /** Whether something listens on the pod's port (false under `dead`; a blackholed port is taken, never answering). */
  get listening(): boolean {
    return this.server.listening || this.blackhole !== null;
  }

  /** Requests taken and held unanswered (under `blackhole`). */
  get heldRequests(): number {
    return this.held.size;
  }

  /** Switches the pod's behaviour; leaving `dead` re-opens the listener on the same port when it can. */
  async setFault(fault: PodFault, opts: PodFaultOptions = {}): Promise<void> {
    if (this.stopped) return;
    this.faultOpts = { ...this.faultOpts, ...opts };
    this.fault = fault;
    if (fault !== 'blackhole') {
      this.releaseHeld();
      await this.leaveBlackhole();
    }
    if (fault === 'dead') {
      await closeServer(this.server);
    } else if (fault === 'blackhole') {
      await this.enterBlackhole();
    } else if (!this.server.listening) {
      this.port = await relisten(this.server, this.port);
    }
  }

  /**
   * Stops accepting without dropping open connections (their requests are held), and hands the port to a
   * listener that never completes a handshake, so new connections hang as they do into a blackholed network.
   */
  private async enterBlackhole(): Promise<void> {
    if (this.blackhole) return;
    if (!this.server.listening) this.port = await relisten(this.server, this.port);
    // http.Server#close() also closes idle kept-alive connections; in a blackhole they stay open and silent.
    const closeIdle = this.server.closeIdleConnections;
    this.server.closeIdleConnections = () => {};
    try {
      this.server.close();
    } finally {
      this.server.closeIdleConnections = closeIdle;
    }
    this.blackhole = await BlackholeListener.take(this.port);
  }

  private async leaveBlackhole(): Promise<void> {
    const b = this.blackhole;
    if (!b) return;
    this.blackhole = null;
    await b.release();
  }

  /** Closes the listener, every connection and every held request. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.releaseHeld();
    await this.leaveBlackhole();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await closeServer(this.server);
  }

  private answer(req: IncomingMessage): PodAnswer {
    return {
      cluster: this.cluster,
      zone: this.zone,
      pod: this.name,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (this.fault === 'blackhole') {
      // Accept and never answer: the realistic picture of a zone whose network silently drops packets.
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    if (this.fault === 'slow') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.send(req, res);
      }, this.faultOpts.slowMs);
      this.timers.add(t);
      return;
    }
    this.send(req, res);
  }

  private send(req: IncomingMessage, res: ServerResponse): void {
    if (res.destroyed) return;
    const failing = this.fault === 'errors' && this.rng() < this.faultOpts.errorRate;
    const status = failing ? 503 : 200;
    const body = JSON.stringify({ ...this.answer(req), ...(failing ? { error: 'injected fault' } : {}) });
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-sandbox-cluster': this.cluster,
      'x-sandbox-pod': this.name,
    });
    res.end(body);
  }

  private releaseHeld(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }
}
