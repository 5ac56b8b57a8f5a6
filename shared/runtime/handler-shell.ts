/**
 * The one shell every fleet-dr function runs in: the policy loaded once per instance and cached, a logger
 * bound to the request id, the clients wired from FC's context, and every outcome mapped to an answer.
 * A function supplies only `run`: what it makes of its event, as `ok(body)` or `refuse(status, reason)`.
 *
 * Answers never carry a stack trace:
 * - HTTP trigger (recognised by the event's shape, see http-edge.ts): `{ statusCode, body }` with the body
 *   JSON; a refusal or a failure is `{ error, requestId }` with its status (400 for an event that does not
 *   parse, 500 for anything else).
 * - Any other trigger (EventBridge, timer, async invocation): a refusal is returned as
 *   `{ error, status, requestId }`, since running the same event again cannot succeed. A failure is thrown,
 *   so the invocation counts as failed (EventBridge and async retries, FC's error metrics): FC's Node.js
 *   runtime puts the thrown error's `stack` into the response as `stackTrace`, so what is thrown is a fresh
 *   error whose stack is its one message line and nothing else, never the original error with our frames.
 *   The full error, stack included, goes to the function's log under the request id.
 */
import { fileURLToPath } from 'node:url';
import type { Policy } from '../config';
import { loadPolicyFromEnv } from '../config-loader';
import { EventParseError, FleetDrError } from '../errors';
import { createLogger, type Logger, redactText } from '../log';
import { type HttpTriggerView, httpJson, httpTriggerView } from './http-edge';
import { applyLogSetting, type FcContext, type Wiring, wire } from './wiring';

/**
 * Deployed function names are `fleet-dr-<folder>` (s.yaml `functionName`; the folder under functions/ is
 * the short name): the RAM policy grants fc:InvokeFunction on `functions/fleet-dr-*` and nothing else.
 */
export const FUNCTION_NAME_PREFIX = 'fleet-dr-';

/** The deployed name of the function in `functions/<folder>/`. */
export const deployedName = (folder: string): string => `${FUNCTION_NAME_PREFIX}${folder}`;

/** One invocation, as the shell hands it to a function. */
export interface Invocation {
  /** The function's folder name (`alarm-failover`, `notify`). */
  fn: string;
  /** The event as FC delivered it. */
  event: Buffer;
  /** What to hand to parseEvent: the HTTP trigger event already decoded, else the raw bytes. */
  input: unknown;
  /** The HTTP trigger view when the event came through an HTTP trigger (by shape), else undefined. */
  http: HttpTriggerView | undefined;
  context: FcContext;
  requestId: string;
  policy: Policy;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The clients for this invocation (wired on first use: a refused request builds none). */
  wiring(): Wiring;
}

/** What a function makes of an invocation. */
export type Answer = { kind: 'ok'; body: unknown } | { kind: 'refused'; status: number; error: string };

/** A successful answer (HTTP 200). */
export const ok = (body: unknown): Answer => ({ kind: 'ok', body });

/** A refusal: nothing was done, and running the same event again would be refused again. */
export const refuse = (status: number, error: string): Answer => ({ kind: 'refused', status, error });

/** What a function gives the shell. */
export interface ShellOptions {
  /** The function's folder name, in every log line as `fn`. */
  fn: string;
  /** The handler module's `import.meta.url`: a relative FLEET_DR_POLICY resolves beside the bundle. */
  moduleUrl: string;
  run(inv: Invocation): Promise<Answer>;
}

/** An FC 3.0 handler. */
export type FcHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

const MAX_MESSAGE = 300;

/** One line, redacted, bounded: what an answer may say about an error. */
function oneLine(s: string): string {
  const line = redactText(s)
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

/**
 * What an answer says about a failure: fleet-dr's own errors carry messages written to be read (they name
 * the object, never a secret, and are redacted again here); anything else (a TypeError, a RangeError) is
 * an internal error whose details are only in the log.
 */
function describeError(err: unknown): { name: string; message: string } {
  if (err instanceof FleetDrError) return { name: err.name, message: oneLine(err.message) };
  const name = err instanceof Error && /^\w{1,64}$/.test(err.name) ? err.name : 'Error';
  return { name, message: 'internal error; the function log has the details' };
}

/** The error a non-HTTP invocation throws: one message line, and a stack that is only that line. */
export class InvocationFailedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
    this.stack = `${name}: ${message}`;
  }
}

/** Wraps a function's `run` into the FC 3.0 handler. */
export function createHandler(options: ShellOptions): FcHandler {
  applyLogSetting();
  const bundleDir = fileURLToPath(new URL('.', options.moduleUrl));
  let policy: Policy | undefined; // per instance: FC reuses a warm instance for later requests
  return async (event, context) => {
    const requestId = context.requestId ?? 'local';
    const log = createLogger(requestId, { fn: options.fn });
    const env = process.env;
    const bytes = Buffer.isBuffer(event) ? event : Buffer.from(event ?? '');
    const http = httpTriggerView(bytes);
    try {
      policy ??= loadPolicyFromEnv(env, bundleDir);
      const p = policy;
      let wiring: Wiring | undefined;
      const answer = await options.run({
        fn: options.fn,
        event: bytes,
        input: http ? http.value : bytes,
        http,
        context,
        requestId,
        policy: p,
        env,
        log,
        wiring: () => {
          wiring ??= wire(p, context, env);
          return wiring;
        },
      });
      if (answer.kind === 'refused') {
        log.warn('event refused', { status: answer.status, error: answer.error });
        return http
          ? httpJson(answer.status, { error: answer.error, requestId })
          : { error: answer.error, status: answer.status, requestId };
      }
      return http ? httpJson(200, answer.body) : answer.body;
    } catch (err) {
      const parse = err instanceof EventParseError;
      const { name, message } = describeError(err);
      log[parse ? 'warn' : 'error']('invocation failed', {
        error: err,
        stack: err instanceof Error ? err.stack : undefined,
      });
      const status = parse ? 400 : 500;
      if (http) return httpJson(status, { error: `${name}: ${message}`, requestId });
      if (parse) return { error: message, status, requestId };
      throw new InvocationFailedError(name, `${message} (request ${requestId})`);
    }
  };
}
