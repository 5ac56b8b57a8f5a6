/**
 * One Function Compute instance: a worker thread with its own module graph. FC 3.0 standard runtimes run
 * one request per instance at a time, so an instance is either busy or idle, never shared by two requests.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { instanceCrashError, timeoutError } from './fc-error';
import type { FcCredentials, FcErrorPayload, FcLogLine } from './types';

const entry = new URL('./worker-entry.mjs', import.meta.url);

/** What the handler's `context` carries, minus the logger (made inside the instance). */
export interface InstanceContext {
  requestId: string;
  credentials: FcCredentials;
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
}

/** The raw outcome of one run inside an instance. */
export interface InstanceOutcome {
  payload: Buffer;
  error?: FcErrorPayload;
  logs: FcLogLine[];
}

type Message =
  | { kind: 'started'; id: number }
  | { kind: 'log'; id: number; line: FcLogLine }
  | { kind: 'done'; id: number; payload: Uint8Array }
  | { kind: 'failed'; id: number; error: FcErrorPayload };

/** The longest a cold start may take to load the handler's sources before its invocation fails as a timeout. */
const LOAD_TIMEOUT_MS = 300_000;

/** A worker thread that imported one handler module; `run` sends it one invocation at a time. */
export class FunctionInstance {
  readonly id = randomUUID();
  busy = false;
  private readonly worker: Worker;
  private nextId = 1;
  private exited = false;

  constructor(
    readonly functionName: string,
    handlerPath: string,
    envFor: (instanceId: string) => Record<string, string>,
  ) {
    this.worker = new Worker(entry, {
      workerData: {
        handlerUrl: new URL(`file://${handlerPath}`).href,
        typescript: /\.[cm]?ts$/.test(handlerPath),
      },
      env: envFor(this.id),
      // The parent's flags (e.g. node --test) are not the instance's business; tsx is registered in the entry.
      execArgv: [],
    });
    this.worker.unref();
    this.worker.once('exit', () => {
      this.exited = true;
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Runs one invocation; never rejects: failures come back as FC's error shape. */
  run(event: Buffer, context: InstanceContext): Promise<InstanceOutcome> {
    const id = this.nextId++;
    const logs: FcLogLine[] = [];
    this.busy = true;
    return new Promise<InstanceOutcome>((resolve) => {
      const finish = (outcome: Omit<InstanceOutcome, 'logs'>) => {
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        this.worker.off('error', onCrash);
        this.worker.off('exit', onCrash);
        this.busy = false;
        resolve({ ...outcome, logs });
      };
      const onMessage = (m: Message) => {
        if (m.id !== id) return;
        if (m.kind === 'started') timer = overrun(context.function.timeout * 1000);
        else if (m.kind === 'log') logs.push(m.line);
        else if (m.kind === 'done') finish({ payload: Buffer.from(m.payload) });
        else finish({ payload: Buffer.from(JSON.stringify(m.error)), error: m.error });
      };
      const onCrash = (cause: unknown) => {
        const error = instanceCrashError(this.functionName, cause);
        finish({ payload: Buffer.from(JSON.stringify(error)), error });
      };
      const overrun = (ms: number) => {
        clearTimeout(timer);
        return setTimeout(() => {
          // FC stops the instance that overran; a later request gets a new one.
          void this.stop();
          const error = timeoutError(this.functionName, context.function.timeout);
          finish({ payload: Buffer.from(JSON.stringify(error)), error });
        }, ms);
      };
      // The timeout counts from the handler's start: a cold start here loads TypeScript sources through tsx
      // (seconds, far more on a busy machine), which a deployed bundle does not. Loading has its own bound.
      let timer: NodeJS.Timeout | undefined;
      timer = overrun(Math.max(LOAD_TIMEOUT_MS, context.function.timeout * 1000));
      this.worker.on('message', onMessage);
      this.worker.once('error', onCrash);
      this.worker.once('exit', onCrash);
      // Copy the event: the instance owns its bytes, as it would after crossing the network.
      this.worker.postMessage({ id, event: new Uint8Array(event), context });
    });
  }

  /** Ends the worker thread (and with it every module-level variable of the handler). */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    await this.worker.terminate();
  }
}
