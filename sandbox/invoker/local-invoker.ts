/**
 * The local Function Compute 3.0 invoker: runs `functions/<name>/handler.ts` the way FC does (event as a
 * Buffer, a context with role credentials, request id, function settings, region, account, logger), one
 * request per instance, and in fresh mode a new instance per invocation so no handler can rely on memory.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FunctionNotFoundError as StandInFunctionNotFoundError } from '../cloud/fc';
import { FunctionInvocationError, FunctionNotFoundError } from './fc-error';
import { FunctionInstance, type InstanceContext } from './function-instance';
import { buildHttpTriggerEvent, httpResponseFromResult } from './http-event';
import { type HttpFront, startHttpFront } from './http-front';
import { instanceEnv } from './instance-env';
import { newRequestId } from './request-id';
import type {
  FcCredentials,
  FcDispatchRequest,
  HttpInvokeRequest,
  HttpInvokeResponse,
  InvocationResult,
  LocalInvokerOptions,
} from './types';

const DEFAULTS = { memory: 512, timeout: 60 };
/**
 * Warm instances of one function at most at once. FC scales a function out far further (to the region's
 * instance quota, or its reserved concurrency); on a 2-core laptop every instance is a worker thread of
 * ~200 MB, and on a busy machine slow invocations would start ever more of them (5 GB seen). Past the cap an
 * invocation waits for the next instance to finish, as a queued async invocation does on FC.
 */
export const DEFAULT_MAX_INSTANCES = 4;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Per-call overrides: a caller-chosen request id (FC's `x-fc-request-id`) or credentials. */
export interface InvokeOptions {
  requestId?: string;
  credentials?: FcCredentials;
}

/** A running local FC: call functions directly, through HTTP, or as the FC stand-in's dispatcher. */
export interface LocalInvoker {
  /** Invokes an event function: a string is sent as UTF-8, a plain object as JSON, a Buffer as is. */
  invoke(
    functionName: string,
    event: Buffer | string | object,
    opts?: InvokeOptions,
  ): Promise<InvocationResult>;
  /** Invokes an HTTP-triggered function with an HTTP request, mapped both ways as FC 3.0 does. */
  invokeHttp(functionName: string, req: HttpInvokeRequest, opts?: InvokeOptions): Promise<HttpInvokeResponse>;
  /** Starts the HTTP front on 127.0.0.1 (port 0 = any free one): `POST {url}/<function>/<path>?<query>`. */
  listen(opts?: { port?: number }): Promise<HttpFront>;
  /** For `cloud.fc.setDispatcher`: answers the payload, or throws FunctionInvocationError with FC's error body. */
  dispatcher: (inv: FcDispatchRequest) => Promise<Buffer | string>;
  /** Every finished invocation, oldest first. */
  readonly invocations: InvocationResult[];
  /** Resolves when every invocation in flight (however it was started) has finished. */
  idle(): Promise<void>;
  /** Stops every instance and the HTTP front. */
  close(): Promise<void>;
}

/** Creates a local invoker for the functions under `opts.functionsDir`. */
export function createLocalInvoker(opts: LocalInvokerOptions): LocalInvoker {
  const functionsDir = resolve(opts.functionsDir);
  const handlerFile = opts.handlerFile ?? 'handler.ts';
  const warm = new Map<string, FunctionInstance[]>();
  const pending = new Set<Promise<unknown>>();
  const invocations: InvocationResult[] = [];
  const fronts: HttpFront[] = [];

  const settingsOf = (name: string) => {
    const s = opts.functions?.[name] ?? {};
    const handler = s.handler ?? 'index.handler';
    return {
      handler,
      memory: s.memory ?? DEFAULTS.memory,
      timeout: s.timeout ?? DEFAULTS.timeout,
      env: s.env ?? {},
    };
  };

  const handlerPath = (name: string): string => {
    const path = join(functionsDir, name, handlerFile);
    if (!NAME.test(name) || !existsSync(path)) {
      throw new FunctionNotFoundError(`function ${name}: no ${handlerFile} under ${functionsDir}/${name}`);
    }
    return path;
  };

  const maxInstances = opts.maxInstancesPerFunction ?? DEFAULT_MAX_INSTANCES;
  /** Invocations waiting for an instance of a function at its cap, oldest first. */
  const waiting = new Map<string, Array<() => void>>();
  /** Instances handed to a call that has not started its run yet: no other call may take them meanwhile. */
  const claimed = new Set<FunctionInstance>();
  const claim = (i: FunctionInstance) => {
    claimed.add(i);
    return i;
  };
  const free = (i: FunctionInstance) => !i.busy && !claimed.has(i);
  /** Wakes the oldest invocation waiting for an instance of `name`. */
  const release = (name: string) => waiting.get(name)?.shift()?.();

  /**
   * An idle warm instance, a new one, or (warm mode, every instance of the function busy and at the cap) the
   * next one to finish: the caller runs on it synchronously, so no other invocation can take it in between.
   */
  const acquire = async (name: string, credentials: FcCredentials): Promise<FunctionInstance> => {
    for (let woken = false; ; woken = true) {
      const pool = (warm.get(name) ?? []).filter((i) => i.alive);
      warm.set(name, pool);
      const idle = opts.freshInstance ? undefined : pool.find(free);
      if (idle) return claim(idle);
      if (opts.freshInstance || pool.length < maxInstances) break;
      // Woken but beaten to the instance by a new call: back to the head of the line, not its end.
      const line = waiting.get(name) ?? [];
      waiting.set(name, line);
      await new Promise<void>((r) => (woken ? line.unshift(r) : line.push(r)));
    }
    const pool = warm.get(name)!;
    const s = settingsOf(name);
    const instance = new FunctionInstance(name, handlerPath(name), (instanceId) =>
      instanceEnv({
        configured: { ...opts.env, ...s.env },
        functionName: name,
        handler: s.handler,
        memory: s.memory,
        region: opts.region,
        accountId: opts.accountId,
        instanceId,
        credentials,
      }),
    );
    if (!opts.freshInstance) pool.push(instance);
    return claim(instance);
  };

  const invokeOnce: LocalInvoker['invoke'] = async (name, event, callOpts = {}) => {
    const bytes = Buffer.isBuffer(event)
      ? event
      : Buffer.from(typeof event === 'string' ? event : JSON.stringify(event), 'utf8');
    const credentials = callOpts.credentials ?? (await opts.credentialsProvider());
    const requestId = callOpts.requestId ?? newRequestId();
    const s = settingsOf(name);
    const instance = await acquire(name, credentials);
    const context: InstanceContext = {
      requestId,
      credentials,
      function: { name, handler: s.handler, memory: s.memory, timeout: s.timeout },
      region: opts.region,
      accountId: opts.accountId,
    };
    const started = performance.now();
    const running = instance.run(bytes, context);
    claimed.delete(instance);
    try {
      const outcome = await running;
      const result: InvocationResult = {
        functionName: name,
        requestId,
        instanceId: instance.id,
        ...outcome,
        durationMs: Math.round(performance.now() - started),
      };
      invocations.push(result);
      return result;
    } finally {
      if (opts.freshInstance) await instance.stop();
      else release(name);
    }
  };

  /** Every call is in flight from its start, waiting for an instance included: idle() means nothing is left. */
  const invoke: LocalInvoker['invoke'] = (name, event, callOpts) => {
    const call = invokeOnce(name, event, callOpts);
    const settled: Promise<unknown> = call.then(
      () => pending.delete(settled),
      () => pending.delete(settled),
    );
    pending.add(settled);
    return call;
  };

  const invokeHttp: LocalInvoker['invokeHttp'] = async (name, req, callOpts = {}) => {
    const requestId = callOpts.requestId ?? newRequestId();
    const event = buildHttpTriggerEvent(req, {
      requestId,
      accountId: opts.accountId,
      region: opts.region,
      functionName: name,
    });
    const r = await invoke(name, event, { ...callOpts, requestId });
    return httpResponseFromResult(r.payload, requestId, r.error);
  };

  const complete = (c: FcDispatchRequest['credentials']): FcCredentials | undefined =>
    c?.accessKeyId && c.accessKeySecret && c.securityToken
      ? { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken }
      : undefined;

  const dispatcher: LocalInvoker['dispatcher'] = async (inv) => {
    // The FC stand-in answers an async call with 202 itself and awaits this in the background, so its
    // drain() and invocation records see the real outcome: run to completion for both kinds of call.
    let r: InvocationResult;
    try {
      r = await invoke(inv.functionName, inv.event, {
        requestId: inv.requestId,
        credentials: complete(inv.credentials),
      });
    } catch (err) {
      // The stand-in answers its own FunctionNotFoundError with 404 FunctionNotFound, as FC does.
      if (err instanceof FunctionNotFoundError) throw new StandInFunctionNotFoundError(inv.functionName);
      throw err;
    }
    if (r.error) throw new FunctionInvocationError(inv.functionName, r.requestId, r.error);
    return r.payload;
  };

  return {
    invoke,
    invokeHttp,
    dispatcher,
    invocations,
    async listen(listenOpts = {}) {
      const front = await startHttpFront({
        port: listenOpts.port ?? 0,
        serves: (name) => (opts.httpFunctions ? opts.httpFunctions.includes(name) : NAME.test(name)),
        invokeHttp,
      });
      fronts.push(front);
      return front;
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await Promise.all(fronts.splice(0).map((f) => f.close()));
      await Promise.all([...warm.values()].flat().map((i) => i.stop()));
      warm.clear();
    },
  };
}
