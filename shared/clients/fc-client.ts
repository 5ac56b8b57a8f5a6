/**
 * Function Compute: asynchronous invocation of a fleet-dr function.
 *
 * Why `@alicloud/fc20230330` and not `@alicloud/fc2`: s.yaml deploys with the `fc3` component, which creates
 * FC 3.0 functions. FC 3.0 has no services: functions are first-level. The FC 2.0 API
 * (POST /2016-08-15/services/{service}/functions/{fn}/invocations) addresses a function through a service,
 * and the comparison page ("Comparison and compatibility between Function Compute 3.0 and 2.0") only
 * promises that existing 2.0 services and functions keep working under 3.0, not the reverse. So the 3.0 API
 * (POST /2023-03-30/functions/{fn}/invocations, header x-fc-invocation-type: Async) is the one that reaches
 * what we deploy. The account endpoint is `<accountId>.<region>.fc.aliyuncs.com`.
 */
import { Readable } from 'node:stream';
import * as FcMod from '@alicloud/fc20230330';
import { cjsDefault } from './cjs';
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { runtime, sdkConfig, toCloudError } from './openapi';
import { type CallLimits, DEFAULT_LIMITS, writeOnce } from './retry';

/** The Function Compute API fleet-dr uses. */
export interface FcClient {
  /** The base URL this client calls (the real endpoint unless overridden). */
  readonly endpoint: string;
  /** Queue an asynchronous invocation; resolves with FC's request id once FC accepted it (HTTP 202). */
  invokeAsync(
    functionName: string,
    event: unknown,
    opts?: { qualifier?: string; taskId?: string },
  ): Promise<{ requestId?: string; statusCode: number }>;
  /**
   * A synchronous invocation: waits for the function and answers its payload. A function that threw is still
   * HTTP 200 from FC, flagged by `x-fc-error-type` (then `functionError` is set and `payload` is FC's error body).
   * Sent once (an invocation is not idempotent in general); `timeoutMs` bounds the whole call.
   */
  invokeSync(functionName: string, event: unknown, opts?: { timeoutMs?: number }): Promise<SyncInvocation>;
}

/** What a synchronous invocation answered. */
export interface SyncInvocation {
  statusCode: number;
  requestId?: string;
  payload: string;
  /** FC's `x-fc-error-type` (e.g. `UnhandledInvocationError`) when the function failed. UNVERIFIED: the header
   * name is the one FC 2.0's documentation gives; the FC stand-in answers it the same way (sandbox/cloud/fc.ts). */
  functionError?: string;
}

async function readAll(body: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/** Options for the FC client. */
export interface FcClientOptions {
  region: string;
  accountId: string;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
}

/** Create the FC client. */
export function createFcClient(options: FcClientOptions): FcClient {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('fc', options.region, {
    overrides: options.overrides,
    accountId: options.accountId,
  });
  const Fc = cjsDefault(FcMod.default);
  return {
    endpoint: ep.url,
    invokeAsync: (functionName, event, opts = {}) =>
      // An async invoke is not idempotent unless a task id is given, so it is sent once.
      writeOnce(
        'InvokeFunction',
        async () => {
          try {
            const client = new Fc(
              sdkConfig(await options.credentials(), ep, options.region, limits.timeoutMs),
            );
            const body = Buffer.from(typeof event === 'string' ? event : JSON.stringify(event));
            const req = new FcMod.InvokeFunctionRequest({
              body: Readable.from(body),
              qualifier: opts.qualifier,
            });
            const headers = new FcMod.InvokeFunctionHeaders({
              xFcInvocationType: 'Async',
              xFcAsyncTaskId: opts.taskId,
            });
            const res = await client.invokeFunctionWithOptions(
              functionName,
              req,
              headers,
              runtime(limits.timeoutMs),
            );
            return { statusCode: res.statusCode ?? 0, requestId: res.headers?.['x-fc-request-id'] };
          } catch (err) {
            throw toCloudError('InvokeFunction', err);
          }
        },
        limits,
      ),
    invokeSync: (functionName, event, opts = {}) => {
      const timeoutMs = opts.timeoutMs ?? limits.timeoutMs;
      return writeOnce(
        'InvokeFunction',
        async () => {
          try {
            // httpx's "connect" timeout is Node's socket idle timeout: a synchronous invoke is silent until the
            // function ends, so it must be as long as the whole call (sdkConfig caps it at 5 s for other calls).
            const config = sdkConfig(await options.credentials(), ep, options.region, timeoutMs);
            config.connectTimeout = timeoutMs;
            const rt = runtime(timeoutMs);
            rt.connectTimeout = timeoutMs;
            const body = Buffer.from(typeof event === 'string' ? event : JSON.stringify(event));
            const req = new FcMod.InvokeFunctionRequest({ body: Readable.from(body) });
            const headers = new FcMod.InvokeFunctionHeaders({ xFcInvocationType: 'Sync' });
            const res = await new Fc(config).invokeFunctionWithOptions(functionName, req, headers, rt);
            const errorType = res.headers?.['x-fc-error-type'];
            return {
              statusCode: res.statusCode ?? 0,
              requestId: res.headers?.['x-fc-request-id'],
              payload: await readAll(res.body),
              ...(errorType ? { functionError: errorType } : {}),
            };
          } catch (err) {
            throw toCloudError('InvokeFunction', err);
          }
        },
        { ...limits, timeoutMs },
      );
    },
  };
}
