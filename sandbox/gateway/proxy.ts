/** Forwards one buffered request to one endpoint and buffers the answer, with a hard deadline. */
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { GatewayEndpoint } from './endpoints';

/** An upstream answer. */
export interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Why an upstream gave no answer. */
export type UpstreamFailure = 'refused' | 'reset' | 'timeout';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

/** Sends the request; resolves with the answer or the failure kind (never rejects). */
export function forward(
  ep: GatewayEndpoint,
  req: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  agent: Agent,
  timeoutMs: number,
): Promise<UpstreamAnswer | UpstreamFailure> {
  return new Promise((resolve) => {
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    headers['content-length'] = String(req.body.length);
    let done = false;
    const finish = (v: UpstreamAnswer | UpstreamFailure) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    const up = request(
      { host: ep.address, port: ep.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', () => finish('reset'));
      },
    );
    const timer = setTimeout(() => {
      finish('timeout');
      up.destroy();
    }, timeoutMs);
    up.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'reset'));
    up.end(req.body);
  });
}
