/** Client load through the gateway: bounded concurrency, runs until stopped, records every request. */
import { Agent, request } from 'node:http';

/** One request's outcome (times are Date.now() ms). */
export interface LoadSample {
  start: number;
  end: number;
  ok: boolean;
  status: number;
  cluster?: string;
}

/** A running load. */
export interface Load {
  samples: LoadSample[];
  /** Stops sending and waits for requests in flight. */
  stop(): Promise<LoadSample[]>;
}

/** Starts `concurrency` loops of GETs against `url`, each request bounded by `timeoutMs`. */
export function startLoad(url: string, opts: { concurrency?: number; timeoutMs?: number } = {}): Load {
  const concurrency = opts.concurrency ?? 4;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const samples: LoadSample[] = [];
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = Date.now();
      const done = (status: number, cluster?: string) => {
        samples.push({ start, end: Date.now(), ok: status >= 200 && status < 300, status, cluster });
        resolve();
      };
      const req = request(url, { agent, timeout: opts.timeoutMs ?? 3000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let cluster: string | undefined;
          try {
            cluster = (JSON.parse(Buffer.concat(chunks).toString()) as { cluster?: string }).cluster;
          } catch {
            cluster = undefined;
          }
          done(res.statusCode ?? 0, cluster);
        });
        res.on('error', () => done(0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(0));
      req.end();
    });
  const loop = async () => {
    while (running) {
      await one();
      await new Promise((r) => setTimeout(r, 5));
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
