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
  opts: {
    concurrency?: number;
    timeoutMs?: number;
    rate?: number;
    /** Headers of each request (e.g. the caller's locality through the mesh proxy). */
    headers?: () => Record<string, string>;
  } = {},
): Load {
  const concurrency = opts.concurrency ?? 4;
  const everyMs = opts.rate ? (concurrency * 1000) / opts.rate : 0;
  // With a `timeout`, the agent honours the gateway's Keep-Alive hint and drops idle connections before it does.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, timeout: 60_000 });
  const samples: LoadSample[] = [];
  let running = true;
  /**
   * One request. A reset of a reused kept-alive connection is sent once more on a fresh one: the server closed
   * the idle connection just as the request went out (the race Node's `request.reusedSocket` documents), which
   * every browser and HTTP client retries for a GET. Any other failure is the request's outcome.
   */
  const one = (start = Date.now(), resent = false) =>
    new Promise<void>((resolve) => {
      let recorded = false;
      const done = (status: number, cluster?: string, error?: string) => {
        if (recorded) return;
        recorded = true;
        const ok = status >= 200 && status < 300;
        samples.push({ start, end: Date.now(), ok, status, cluster, ...(ok ? {} : { error }) });
        resolve();
      };
      const failed = (err: NodeJS.ErrnoException) => done(0, undefined, err.code ?? err.message);
      let answered = false;
      const headers = opts.headers?.() ?? {};
      const req = request(url, { agent, timeout: opts.timeoutMs ?? 3000, headers }, (res) => {
        answered = true;
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
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!answered && !resent && req.reusedSocket && err.code === 'ECONNRESET')
          one(start, true).then(resolve);
        else failed(err);
      });
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
