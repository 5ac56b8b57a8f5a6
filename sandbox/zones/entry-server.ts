/**
 * A zone's in-VPC entry point for the demo application (what a probe inside the VPC would hit: think of a
 * cluster-local load balancer). It forwards to the zone's pods round-robin, so every pod fault shows through,
 * and it closes with the zone under `dead`.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { requestLedger } from '../ledger';
import { closeServer, listenOn, relisten } from './listen';
import type { PodServer } from './pod-server';

/** The forwarding entry point of one zone. */
export class EntryServer {
  port = 0;
  private next = 0;
  private readonly server: Server;

  private constructor(private readonly pods: () => PodServer[]) {
    this.server = createServer((req, res) => {
      requestLedger.track('zone', this.pods()[0]?.cluster ?? 'unknown', req, res);
      if (requestLedger.latencyMs > 0) void requestLedger.delay().then(() => this.forward(req, res));
      else this.forward(req, res);
    });
  }

  /** Hands the request to the next listening pod. */
  private forward(req: IncomingMessage, res: ServerResponse): void {
    const live = this.pods().filter((p) => p.listening);
    if (live.length === 0) {
      res.writeHead(502).end('no pod listening');
      return;
    }
    const pod = live[this.next++ % live.length]!;
    const up = request(
      { host: '127.0.0.1', port: pod.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  }

  /** Starts the entry point on an OS-picked port. */
  static async start(pods: () => PodServer[]): Promise<EntryServer> {
    const e = new EntryServer(pods);
    e.port = await listenOn(e.server, 0);
    return e;
  }

  /** Opens or closes the listener (closed = connections refused). */
  async setOpen(open: boolean): Promise<void> {
    if (open && !this.server.listening) this.port = await relisten(this.server, this.port);
    if (!open) await closeServer(this.server);
  }

  /** Closes everything. */
  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
