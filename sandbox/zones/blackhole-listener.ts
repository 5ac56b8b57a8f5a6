/**
 * A port whose packets vanish, as a blackholed zone's do: new connections hang until the client gives up,
 * so a TCP health check fails by timeout (not by refusal, which is `dead`).
 *
 * Node accepts every connection a listener's kernel queue holds, so a pod server cannot refuse to complete a
 * handshake. Instead a worker thread listens on the pod's port with a backlog of 1 and blocks its own event
 * loop (Atomics.wait), so nothing ever accepts; filler connections take the queue's places, and the kernel
 * then drops every further SYN (Linux counts a listen overflow and the client retransmits until its timeout).
 * Connections that were open before the fault stay with the pod server, which holds their requests unanswered.
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
let tries = 0;
function listen() {
  const server = net.createServer();
  server.once('error', (err) => {
    // The pod server's listener closes asynchronously: its port may be busy for a moment.
    if (err.code === 'EADDRINUSE' && ++tries < 100) return setTimeout(listen, 10);
    parentPort.postMessage({ error: String(err.code || err) });
  });
  server.listen({ port: workerData.port, host: '127.0.0.1', backlog: 1 }, () => {
    parentPort.postMessage({ listening: true });
    Atomics.wait(workerData.release, 0, 0);
    process.exit(0);
  });
}
listen();
`;

/** How long a filler connection may take before the queue counts as full (a dropped SYN never completes). */
const FILL_WAIT_MS = 1000;
/** More fillers than a backlog of 1 can queue (Linux queues backlog + 1). */
const FILLERS = 4;

/** A blackholed port; `release()` frees it for the pod server again. */
export class BlackholeListener {
  private constructor(
    private readonly worker: Worker,
    private readonly releaseFlag: Int32Array,
    private readonly fillers: Socket[],
  ) {}

  /** Takes `port` on 127.0.0.1 (which its owner has just stopped listening on) and fills its queue. */
  static async take(port: number): Promise<BlackholeListener> {
    const release = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port, release } });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const ready = await new Promise<{ listening?: true; error?: string }>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (err) => resolve({ error: err.message }));
    });
    if (ready.error) {
      await worker.terminate();
      await exited;
      throw new Error(`blackhole: cannot take 127.0.0.1:${port}: ${ready.error}`);
    }
    const fillers = await Promise.all(Array.from({ length: FILLERS }, () => fill(port)));
    return new BlackholeListener(worker, release, fillers);
  }

  /** Lets the worker close the port and waits until it has, so the pod server can listen there again. */
  async release(): Promise<void> {
    for (const s of this.fillers) s.destroy();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    Atomics.store(this.releaseFlag, 0, 1);
    Atomics.notify(this.releaseFlag, 0);
    await exited;
  }
}

/** One filler connection: it either completes (taking a queue place) or is being dropped (the queue is full). */
function fill(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    const done = () => {
      clearTimeout(timer);
      resolve(s);
    };
    const timer = setTimeout(done, FILL_WAIT_MS);
    s.once('connect', done);
    s.once('close', done);
  });
}
