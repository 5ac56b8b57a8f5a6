/**
 * Probe targets for the observe tests: one HTTP server on 127.0.0.1 whose paths choose the behaviour
 * (`/ok`, `/503`, `/flaky` every other answer a 503, `/hang` accepted and never answered, `/slow-body`
 * headers then a body that never ends, `/big` a large body). It counts requests in flight and the most at
 * once, and knows which connections are still open, so a test can prove a probe left nothing behind.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A running target server. */
export interface Targets {
  url(path: string): string;
  inFlight: number;
  maxInFlight: number;
  requests: number;
  /** Headers of the last request. */
  lastHeaders: Record<string, string | string[] | undefined>;
  /** Connections the server still has open. */
  openSockets(): number;
  /** Resolves when the server has no open connection (or rejects after `ms`). */
  drained(ms?: number): Promise<void>;
  resetCounts(): void;
  close(): Promise<void>;
}

/** Starts the target server on an OS-picked port. */
export async function startTargets(): Promise<Targets> {
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let flaky = 0;
  const t = {
    inFlight: 0,
    maxInFlight: 0,
    requests: 0,
    lastHeaders: {} as Record<string, string | string[] | undefined>,
  };
  const server: Server = createServer((req, res) => {
    t.requests += 1;
    t.lastHeaders = req.headers;
    t.inFlight += 1;
    t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
    res.on('close', () => {
      t.inFlight -= 1;
      held.delete(res);
    });
    const path = req.url ?? '/';
    if (path.startsWith('/hang')) {
      held.add(res);
      return;
    }
    if (path.startsWith('/slow-body')) {
      held.add(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return;
    }
    if (path.startsWith('/503')) {
      res.writeHead(503).end('no');
      return;
    }
    if (path.startsWith('/flaky')) {
      flaky += 1;
      res.writeHead(flaky % 2 === 0 ? 503 : 200).end('flaky');
      return;
    }
    if (path.startsWith('/big')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(512 * 1024, 1));
      return;
    }
    // Every request waits a little, so a round's requests overlap and the concurrency bound shows.
    setTimeout(() => res.writeHead(200).end('ok'), 20);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(t, {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    openSockets: () => sockets.size,
    async drained(ms = 2_000) {
      const end = Date.now() + ms;
      while (sockets.size > 0) {
        if (Date.now() > end) throw new Error(`${sockets.size} connection(s) still open`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    resetCounts() {
      t.maxInFlight = 0;
      t.requests = 0;
    },
    async close() {
      for (const r of held) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
