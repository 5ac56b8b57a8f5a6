/**
 * The stand-in's listeners on 127.0.0.1 at OS-picked ports: plain http (the contract's `url`, used by the SDK
 * clients) and, when a certificate is available, https for kubectl (client-go sends no token over plain http).
 */
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TlsMaterial } from './tls';

/** The listening servers. */
export interface Listeners {
  port: number;
  tlsPort?: number;
  close(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>): Promise<number> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Starts the http (and https) listeners dispatching every request to `handler`. */
export async function listenAll(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: TlsMaterial | undefined,
): Promise<Listeners> {
  const sockets = new Set<Socket>();
  const servers: Server[] = [createHttp(handler)];
  if (tls) servers.push(createHttps({ key: tls.key, cert: tls.cert }, handler));
  const ports: number[] = [];
  for (const s of servers) ports.push(await listen(s, sockets));
  return {
    port: ports[0]!,
    tlsPort: ports[1],
    close: async () => {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },
  };
}
