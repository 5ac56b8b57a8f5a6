/**
 * The stand-in's listeners on 127.0.0.1 at OS-picked ports: plain http (the contract's `url`, used by the SDK
 * clients) and, when a certificate is available, https for kubectl (client-go sends no token over plain http).
 * A plain TCP front owns each port and hands connections to the http(s) server, so a connection fault
 * (refuse, hang) can act before any byte is read while the ports stay reserved for the restore.
 */
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import { type AddressInfo, createServer as createTcp, type Socket, type Server as TcpServer } from 'node:net';
import type { TlsMaterial } from './tls';

/** How the listeners treat connections: serve, reset them ('refuse'), or accept and never answer ('hang'). */
export type Reachability = 'up' | 'refuse' | 'hang';

/** The listening servers. */
export interface Listeners {
  port: number;
  tlsPort?: number;
  /** Applies a connection fault; existing connections are reset under 'refuse', left unanswered under 'hang'. */
  setReachability(mode: Reachability): void;
  close(): Promise<void>;
}

async function listen(server: TcpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** How long kube-apiserver keeps an idle kept-alive connection open. */
export const KUBE_API_IDLE_TIMEOUT_MS = 90_000;

/** Starts the http (and https) listeners dispatching every request to `handler`. */
export async function listenAll(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: TlsMaterial | undefined,
): Promise<Listeners> {
  const sockets = new Set<Socket>();
  // Connections (or requests on kept-alive ones) swallowed while hanging; destroyed on restore and stop.
  const held = new Set<Socket>();
  let mode: Reachability = 'up';
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (mode === 'up') return handler(req, res);
    if (mode === 'refuse') return void req.socket.destroy();
    held.add(req.socket);
    req.socket.once('close', () => held.delete(req.socket));
  };
  const inner: Server[] = [createHttp(serve)];
  if (tls) inner.push(createHttps({ key: tls.key, cert: tls.cert }, serve));
  // kube-apiserver keeps an idle connection for 90 s (k8s.io/apiserver secure_serving.go: IdleTimeout), not
  // Node's 5 s default: with 5 s a warm client's idle sockets were closed under it between two invocations.
  for (const srv of inner) srv.keepAliveTimeout = KUBE_API_IDLE_TIMEOUT_MS;
  const fronts = inner.map((srv) =>
    createTcp((s: Socket) => {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        held.delete(s);
      });
      s.on('error', () => {});
      // resetAndDestroy sends an RST: the client sees ECONNRESET at once, as from a host that refuses.
      if (mode === 'refuse') s.resetAndDestroy();
      else if (mode === 'hang') held.add(s);
      else srv.emit('connection', s);
    }),
  );
  const ports: number[] = [];
  for (const f of fronts) ports.push(await listen(f));
  return {
    port: ports[0]!,
    tlsPort: ports[1],
    setReachability: (next) => {
      mode = next;
      if (next === 'refuse') for (const s of sockets) s.resetAndDestroy();
      if (next === 'up') for (const s of held) s.destroy();
    },
    close: async () => {
      const closed = fronts.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },
  };
}
