/** Client load through the gateway: bounded concurrency, runs until stopped, records every request. */
import { Agent, request } from 'node:http';

/** One request's outcome (times are Date.now() ms). */
export interface LoadSample {
  start: number;
  end: number;
  ok: boolean;
  status: number;
  cluster?: string;
  /** Why it failed: the client's error code, or the status and the first words of the answer. */
  error?: string;
}

/** A running load. */
export interface Load {
  samples: LoadSample[];
  /** Stops sending and waits for requests in flight. */
  stop(): Promise<LoadSample[]>;
}

/**
 * Starts `concurrency` loops of GETs against `url`, each request bounded by `timeoutMs`. With `rate`, the
 * loops together start about that many requests per second (each loop waits out its share of the interval);
 * without, each loop sends its next request 5 ms after the last one's answer.
 */
export function startLoad(
  url: string,
  opts: { concurrency?: number; timeoutMs?: number; rate?: number } = {},
): Load {
  const concurrency = opts.concurrency ?? 4;
  const everyMs = opts.rate ? (concurrency * 1000) / opts.rate : 0;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const samples: LoadSample[] = [];
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = Date.now();
      const done = (status: number, cluster?: string, error?: string) => {
        const ok = status >= 200 && status < 300;
        samples.push({ start, end: Date.now(), ok, status, cluster, ...(ok ? {} : { error }) });
        resolve();
      };
      const failed = (err: NodeJS.ErrnoException) => done(0, undefined, err.code ?? err.message);
      const req = request(url, { agent, timeout: opts.timeoutMs ?? 3000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let cluster: string | undefined;
          try {
            cluster = (JSON.parse(text) as { cluster?: string }).cluster;
          } catch {
            cluster = undefined;
          }
          done(res.statusCode ?? 0, cluster, `HTTP ${res.statusCode}: ${text.slice(0, 60)}`);
        });
        res.on('error', failed);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'client timeout' })));
      req.on('error', failed);
      req.end();
    });
  const loop = async () => {
    while (running) {
      const began = Date.now();
      await one();
      await new Promise((r) => setTimeout(r, Math.max(5, everyMs - (Date.now() - began))));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return samples;
    },
  };
}
