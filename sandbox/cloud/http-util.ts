/** Small HTTP helpers shared by the stand-in servers (127.0.0.1 only). */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Read a whole request body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Send a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A request id in the upper-case UUID form Alibaba Cloud uses. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

/** Listen on 127.0.0.1 (port 0 = chosen by the OS unless a port is given). */
export function listenLocal(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Close a server and every connection it holds (hung requests included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Create an HTTP server whose handler errors become 500s instead of crashing the process. */
export function createJsonServer(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onError: (res: ServerResponse, err: unknown) => void,
): Server {
  return createServer((req, res) => {
    handler(req, res).catch((err) => onError(res, err));
  });
}

/** True for a URL that points at this machine's loopback: the stand-ins never send traffic elsewhere. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    );
  } catch {
    return false;
  }
}
