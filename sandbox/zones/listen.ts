/** Small helpers to open and fully close HTTP listeners on 127.0.0.1 (re-opening on the same port after a `dead` fault). */
import type { Server } from 'node:http';

/** Listens on 127.0.0.1:`port` (0 = OS-picked) and resolves with the bound port. */
export function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/**
 * Re-listens on the port a pod had before, so the EndpointSlices stay true; if another process took the
 * port meanwhile, falls back to a fresh one (the caller re-syncs its objects).
 */
export async function relisten(server: Server, port: number): Promise<number> {
  try {
    return await listenOn(server, port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return listenOn(server, 0);
  }
}

/** Stops accepting and drops every open connection (keep-alive ones too), so peers see the listener gone. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
