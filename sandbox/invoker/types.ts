/**
 * Types of the local Function Compute 3.0 invoker: what a handler receives, what an invocation returns,
 * and the options that choose how instances are created.
 */

/** STS-style credentials of the function's role, as FC puts them in `context.credentials`. */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/** Per-function settings that FC would take from the function's configuration (s.yaml). */
export interface FunctionSettings {
  /** `<file>.<export>` as FC shows it in `context.function.handler`; the invoker always calls `handler`. */
  handler?: string;
  /** MB, shown in `context.function.memory`. */
  memory?: number;
  /** Seconds; an invocation running longer is stopped and reported as a timeout. */
  timeout?: number;
  /** Extra environment variables of this function only (on top of the invoker's `env`). */
  env?: Record<string, string>;
}

/** Options of {@link createLocalInvoker}. */
export interface LocalInvokerOptions {
  /** Folder holding one sub-folder per function: `<functionsDir>/<name>/<handlerFile>`. */
  functionsDir: string;
  /** File inside each function folder that exports `handler`; default `handler.ts` (`index.mjs` for bundles). */
  handlerFile?: string;
  /** Called once per invocation: FC hands every invocation fresh role credentials. */
  credentialsProvider: () => FcCredentials | Promise<FcCredentials>;
  region: string;
  accountId: string;
  /** true: a new module instance (a new worker thread) per invocation; false: warm instances are reused. */
  freshInstance: boolean;
  /** Warm instances of one function at most at once (default DEFAULT_MAX_INSTANCES); past it, calls wait. */
  maxInstancesPerFunction?: number;
  /** Environment variables every function sees (FC gives a function only its configured variables). */
  env?: Record<string, string>;
  /** Per-function settings by function name. */
  functions?: Record<string, FunctionSettings>;
  /** Names the HTTP front serves; default every function (FC: only functions with an HTTP trigger). */
  httpFunctions?: string[];
}

/** The error body FC reports when a handler throws (header `x-fc-error-type: UnhandledInvocationError`). */
export interface FcErrorPayload {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

/** One line a handler logged through `context.logger`. */
export interface FcLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  requestId: string;
  at: number;
}

/** The outcome of one invocation: the payload FC would answer, or the error shape it reports. */
export interface InvocationResult {
  functionName: string;
  requestId: string;
  /** Which instance ran it: in fresh mode every invocation has its own. */
  instanceId: string;
  /** The handler's return value as FC serialises it (Buffer as is, string UTF-8, anything else JSON). */
  payload: Buffer;
  /** Present when the handler threw, rejected or timed out. */
  error?: FcErrorPayload;
  durationMs: number;
  logs: FcLogLine[];
}

/** A request to an HTTP-triggered function, as {@link LocalInvoker.invokeHttp} takes it. */
export interface HttpInvokeRequest {
  method: string;
  /** Path after the function URL, URL-encoded as on the wire, e.g. `/callback`. */
  path?: string;
  query?: Record<string, string | string[]> | URLSearchParams;
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer | string;
  sourceIp?: string;
  protocol?: string;
}

/** The HTTP answer FC builds from the handler's `{ statusCode, headers, isBase64Encoded, body }`. */
export interface HttpInvokeResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
  requestId: string;
  error?: FcErrorPayload;
}

/** What the Function Compute stand-in (sandbox/cloud `fc.setDispatcher`) hands to its dispatcher. */
export interface FcDispatchRequest {
  functionName: string;
  qualifier?: string;
  event: Buffer;
  async: boolean;
  requestId: string;
  credentials?: Partial<FcCredentials>;
}
