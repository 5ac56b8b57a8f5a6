/**
 * Function Compute invocation endpoint: FC 2.0 `POST /2016-08-15/services/{svc}[.{qualifier}]/functions/{fn}/invocations`
 * (`Authorization: FC <ak>:<sig>`) and FC 3.0 `POST /2023-03-30/functions/{fn}/invocations` (ACS3 signature).
 * Sync calls wait for the dispatcher and return its result; `X-Fc-Invocation-Type: Async` answers 202 with
 * `x-fc-request-id` at once and dispatches in the background.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestLedger } from '../ledger';
import type { CredentialStore, StsCredentials } from './credentials';
import { errorBody, OpenApiError } from './errors';
import type { FaultRegistry } from './faults';
import { FcError, verifyFc2 } from './fc-signature';
import { closeServer, createJsonServer, listenLocal, readBody, sendJson } from './http-util';
import { fcDenialMessage, type RamAuthorizer } from './ram';
import { NonceCache, parseQuery, splitUrl, verifyAcs3 } from './signature';

/** One invocation handed to the dispatcher. */
export interface FcInvocation {
  api: '2016-08-15' | '2023-03-30';
  serviceName?: string;
  functionName: string;
  qualifier?: string;
  event: Buffer;
  async: boolean;
  requestId: string;
  /** The function role's STS credentials (valid against the OpenAPI stand-in), as `context.credentials`. */
  credentials: StsCredentials;
}

/** Runs an invocation (the local invoker registers one; tests register their own). */
export type FcDispatcher = (inv: FcInvocation) => Promise<Buffer | string>;

/** Thrown by a dispatcher for an unknown function: answered 404 FunctionNotFound. */
export class FunctionNotFoundError extends Error {
  constructor(name: string) {
    super(`function ${name} not found`);
    this.name = 'FunctionNotFoundError';
  }
}

/** A recorded invocation and how it ended. */
export interface FcInvocationRecord extends Omit<FcInvocation, 'credentials'> {
  at: number;
  status: 'pending' | 'succeeded' | 'failed';
  error?: string;
}

/** The running FC stand-in. */
export interface FcStandIn {
  url: string;
  endpoint: string;
  port: number;
  accountId: string;
  setDispatcher(fn: FcDispatcher): void;
  invocations: FcInvocationRecord[];
  /** Resolves when every async invocation started so far has finished. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const FC2 = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;
const FC3 = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;

/** Start the FC stand-in on 127.0.0.1. */
export async function startFc(opts: {
  credentials: CredentialStore;
  faults: FaultRegistry;
  now: () => number;
  accountId?: string;
  /** RAM: the caller needs `fc:InvokeFunction` on the function's ARN (none = no check). */
  ram?: RamAuthorizer;
  /** Region in the function ARNs (default cn-hangzhou). */
  regionId?: string;
}): Promise<FcStandIn> {
  const regionId = opts.regionId ?? 'cn-hangzhou';
  const accountId = opts.accountId ?? '1234567890123456';
  const nonces = new NonceCache();
  const invocations: FcInvocationRecord[] = [];
  const pending = new Set<Promise<unknown>>();
  let dispatcher: FcDispatcher | undefined;

  const run = async (inv: FcInvocation, rec: FcInvocationRecord): Promise<Buffer> => {
    try {
      if (!dispatcher) throw new FunctionNotFoundError(inv.functionName);
      const out = await dispatcher(inv);
      rec.status = 'succeeded';
      return Buffer.isBuffer(out) ? out : Buffer.from(out, 'utf8');
    } catch (err) {
      rec.status = 'failed';
      rec.error = (err as Error).message;
      throw err;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requestLedger.track('fc', 'invoke', req, res);
    await requestLedger.delay();
    const body = await readBody(req);
    const requestId = randomUUID();
    const outcome = await opts.faults.apply('fc', req, res);
    if (outcome === 'handled') return;
    const { path } = splitUrl(req.url ?? '/');
    const decoded = decodeURIComponent(path);
    const m2 = FC2.exec(decoded);
    const m3 = FC3.exec(decoded);
    const v3 = !m2 && !!m3;
    const fail = (code: string, message: string, status: number) =>
      v3
        ? sendJson(res, status, errorBody(new OpenApiError(code, message, status), requestId), {
            'x-fc-request-id': requestId,
          })
        : sendJson(res, status, { ErrorCode: code, ErrorMessage: message }, { 'x-fc-request-id': requestId });
    try {
      if (outcome === 'throttle') throw new FcError('ResourceExhausted', 'too many requests', 429); // unverified code
      if (outcome === 'error5xx') throw new FcError('ServiceUnavailable', 'service unavailable', 503);
      if (req.method !== 'POST' || (!m2 && !m3))
        throw new FcError('PathNotSupported', `${req.method} ${path}`, 404);
      const method = req.method;
      const accessKeyId = m2
        ? verifyFc2(
            { method, path: decoded, headers: req.headers, body },
            { credentials: opts.credentials, now: opts.now() },
          )
        : verifyAcs3(
            { method, url: req.url ?? '/', headers: req.headers, body },
            { credentials: opts.credentials, nonces, now: opts.now() },
          );
      const [svcPart, fnName] = m2 ? [m2[1] ?? '', m2[2] ?? ''] : [undefined, m3?.[1] ?? ''];
      const [serviceName, svcQualifier] = svcPart
        ? (svcPart.split('.', 2) as [string, string | undefined])
        : [];
      const qualifier =
        svcQualifier ??
        (v3 ? Object.fromEntries(parseQuery(splitUrl(req.url ?? '').query)).qualifier : undefined);
      // RAM resource: FC 3.0 acs:fc:<region>:<account>:functions/<fn> (the form deploy/ram-policy.json grants);
      // FC 2.0 acs:fc:<region>:<account>:services/<svc>.<qualifier>/functions/<fn> (LATEST when none).
      const arn = m2
        ? `acs:fc:${regionId}:${accountId}:services/${serviceName}.${svcQualifier ?? 'LATEST'}/functions/${fnName}`
        : `acs:fc:${regionId}:${accountId}:functions/${fnName}`;
      const denial = opts.ram?.check(opts.credentials.principalOf(accessKeyId), 'fc:InvokeFunction', arn);
      if (denial) throw new FcError('AccessDenied', fcDenialMessage(denial), 403);
      const async = String(req.headers['x-fc-invocation-type'] ?? '').toLowerCase() === 'async';
      const inv: FcInvocation = {
        api: v3 ? '2023-03-30' : '2016-08-15',
        serviceName,
        functionName: fnName,
        qualifier,
        event: body,
        async,
        requestId,
        credentials: opts.credentials.issueStsToken({ ttlMs: 3_600_000 }),
      };
      const { credentials: _c, ...visible } = inv;
      const rec: FcInvocationRecord = { ...visible, at: opts.now(), status: 'pending' };
      invocations.push(rec);
      if (async) {
        if (!dispatcher) throw new FcError('FunctionNotFound', `function ${fnName} not found`, 404);
        const p = run(inv, rec).catch(() => undefined);
        pending.add(p);
        void p.finally(() => pending.delete(p));
        res.writeHead(202, { 'x-fc-request-id': requestId, 'content-length': 0 });
        res.end();
        return;
      }
      let out: Buffer;
      try {
        out = await run(inv, rec);
      } catch (err) {
        if (err instanceof FunctionNotFoundError) throw new FcError('FunctionNotFound', err.message, 404);
        // A function error is still HTTP 200, flagged by x-fc-error-type, as FC does.
        return sendJson(
          res,
          200,
          { errorMessage: (err as Error).message, errorType: (err as Error).name },
          { 'x-fc-request-id': requestId, 'x-fc-error-type': 'UnhandledInvocationError' },
        );
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': out.length,
        'x-fc-request-id': requestId,
      });
      res.end(out);
    } catch (err) {
      if (err instanceof FcError) return fail(err.code, err.message, err.status);
      if (err instanceof OpenApiError) return fail(err.code, err.message, err.status);
      throw err;
    }
  };

  const server = createJsonServer(handle, (res, err) =>
    sendJson(res, 500, { ErrorCode: 'InternalError', ErrorMessage: String(err) }),
  );
  let port = await listenLocal(server);
  const unsubscribe = opts.faults.onChange(async (p) => {
    if (p !== 'fc') return;
    if (opts.faults.get('fc').refuse && server.listening) await closeServer(server);
    else if (!opts.faults.get('fc').refuse && !server.listening) port = await listenLocal(server, port);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    endpoint: `127.0.0.1:${port}`,
    port,
    accountId,
    invocations,
    setDispatcher: (fn) => {
      dispatcher = fn;
    },
    drain: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stop: async () => {
      unsubscribe();
      await Promise.all([...pending]);
      await closeServer(server);
    },
  };
}
