/**
 * The HTTP front of the local invoker: what an FC HTTP trigger URL is on the internet, on 127.0.0.1.
 * A function's URL is `{url}/<function name>`; everything after it is the path the handler sees, so the
 * CloudMonitor stand-in can POST its alarm callback to `{url}/fleet-dr-alarm-failover?token=…` over real HTTP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FunctionNotFoundError } from './fc-error';
import type { HttpInvokeRequest, HttpInvokeResponse } from './types';

/** A listening HTTP front. */
export interface HttpFront {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The trigger URL of one function, e.g. `http://127.0.0.1:PORT/fleet-dr-alarm-failover`. */
  urlFor(functionName: string): string;
  close(): Promise<void>;
}

/** Starts the front; `serves` says which function names have an HTTP trigger. */
export async function startHttpFront(opts: {
  port: number;
  serves: (functionName: string) => boolean;
  invokeHttp: (name: string, req: HttpInvokeRequest) => Promise<HttpInvokeResponse>;
}): Promise<HttpFront> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    urlFor: (name) => `${url}/${name}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: Parameters<typeof startHttpFront>[0],
): Promise<void> {
  const target = new URL(req.url ?? '/', 'http://127.0.0.1');
  const [, name = '', ...rest] = target.pathname.split('/');
  if (!opts.serves(name)) return send(res, 404, { error: `no HTTP-triggered function ${name}` });
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  try {
    const out = await opts.invokeHttp(name, {
      method: req.method ?? 'GET',
      path: `/${rest.join('/')}`,
      query: target.searchParams,
      headers,
      body: Buffer.concat(chunks),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      protocol: `HTTP/${req.httpVersion}`,
    });
    res.writeHead(out.statusCode, out.headers);
    res.end(out.body);
  } catch (err) {
    if (err instanceof FunctionNotFoundError) return send(res, 404, { error: err.message });
    throw err;
  }
}

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
