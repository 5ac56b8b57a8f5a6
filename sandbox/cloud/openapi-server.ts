/**
 * The one OpenAPI endpoint every product shares (cs, adcp, mse, cms), as the SDKs reach it with
 * `endpoint: 127.0.0.1:PORT, protocol: http`. RPC actions are routed by `x-acs-version` + `x-acs-action`,
 * ROA actions (cs) by version + method + path. Every request passes the fault switches, then the ACS3 check.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { requestLedger } from '../ledger';
import type { CredentialStore } from './credentials';
import { errorBody, OpenApiError } from './errors';
import type { FaultRegistry } from './faults';
import { closeServer, createJsonServer, listenLocal, newRequestId, readBody, sendJson } from './http-util';
import { openApiDenialBody, type RamAuthorizer, RamDeniedError, type RamPrincipal } from './ram';
import { NonceCache, parseQuery, splitUrl, verifyAcs3 } from './signature';

/** What an action handler gets. */
export interface ApiContext {
  action: string;
  version: string;
  /** RPC: query and form-body parameters merged; ROA: the query. */
  params: Record<string, string>;
  /** ROA path parameters. */
  pathParams: Record<string, string>;
  method: string;
  body: Buffer;
  requestId: string;
  accessKeyId: string;
  /** The caller as RAM sees it (administrator key or the functions' role). */
  principal?: RamPrincipal;
}

/**
 * The RAM resource ARN a call acts on (checked against the policy's `Resource`); `*` when the stand-in does
 * not know the ARN format for the action.
 */
export type ResourceArn = (ctx: ApiContext) => string;

/** An action implementation: returns the JSON body of a 200, or throws OpenApiError. */
export type ActionHandler = (ctx: ApiContext) => unknown | Promise<unknown>;

/** An RPC product: actions by name for one API version. */
export interface RpcProduct {
  style: 'RPC';
  name: string;
  version: string;
  actions: Record<string, ActionHandler>;
  /** Resource ARNs per action for RAM (default `*`). */
  resources?: Record<string, ResourceArn>;
}

/** One ROA route: method and a path pattern with named groups. */
export interface RoaRoute {
  action: string;
  method: string;
  pattern: RegExp;
  handler: ActionHandler;
  /** The resource ARN for RAM (default `*`). */
  resource?: ResourceArn;
}

/** A ROA product: routes for one API version. */
export interface RoaProduct {
  style: 'ROA';
  name: string;
  version: string;
  routes: RoaRoute[];
}

/** A product the OpenAPI server can serve. */
export type Product = RpcProduct | RoaProduct;

/** The running OpenAPI server. */
export interface OpenApiServer {
  url: string;
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

interface Deps {
  products: Product[];
  credentials: CredentialStore;
  faults: FaultRegistry;
  now: () => number;
  ram?: RamAuthorizer;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function paramsOf(url: string, req: IncomingMessage, body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of parseQuery(splitUrl(url).query)) out[k] = v;
  if (header(req, 'content-type').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of parseQuery(body.toString('utf8'))) out[k] = v;
  }
  return out;
}

function route(
  p: Product,
  method: string,
  path: string,
  action: string,
): [ActionHandler, Record<string, string>, string, ResourceArn | undefined] {
  if (p.style === 'RPC') {
    const h = p.actions[action];
    if (!h)
      throw new OpenApiError(
        'InvalidAction.NotFound',
        `Specified api ${action} is not found in ${p.version}.`,
      );
    return [h, {}, action, p.resources?.[action]];
  }
  for (const r of p.routes) {
    const m = r.method === method ? r.pattern.exec(path) : null;
    if (m) {
      const pathParams: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) pathParams[k] = decodeURIComponent(v);
      return [r.handler, pathParams, r.action, r.resource];
    }
  }
  throw new OpenApiError('InvalidAction.NotFound', `Specified api ${method} ${path} is not found.`);
}

async function handle(
  deps: Deps,
  nonces: NonceCache,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const version = header(req, 'x-acs-version');
  const action = header(req, 'x-acs-action');
  const product = deps.products.find((p) => p.version === version);
  requestLedger.track('openapi', product?.name ?? (version || 'unknown'), req, res, action || undefined);
  await requestLedger.delay();
  const requestId = newRequestId();
  const body = await readBody(req);
  const outcome = product ? await deps.faults.apply(product.name, req, res) : 'pass';
  if (outcome === 'handled') return;
  const reply = (status: number, b: unknown) => sendJson(res, status, b, { 'x-acs-request-id': requestId });
  try {
    if (outcome === 'throttle') throw new OpenApiError('Throttling.User');
    if (outcome === 'error5xx') throw new OpenApiError('ServiceUnavailable');
    const url = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const accessKeyId = verifyAcs3(
      { method, url, headers: req.headers, body },
      { ...deps, nonces, now: deps.now() },
    );
    if (!product)
      throw new OpenApiError('InvalidVersion', `Specified parameter Version ${version} is not valid.`);
    const path = splitUrl(url).path;
    const [handler, pathParams, ramAction, arnOf] = route(product, method, path, action);
    const params = product.style === 'RPC' ? paramsOf(url, req, body) : paramsOf(url, req, Buffer.alloc(0));
    const principal = deps.credentials.principalOf(accessKeyId);
    const ctx: ApiContext = {
      action: ramAction,
      version,
      params,
      pathParams,
      method,
      body,
      requestId,
      accessKeyId,
      principal,
    };
    // RAM is checked after authentication and routing, before the action runs (an unknown action is still 404).
    const denial = deps.ram?.check(principal, `${product.name}:${ramAction}`, arnOf ? arnOf(ctx) : '*');
    if (denial) throw new RamDeniedError(denial);
    const result = (await handler(ctx)) as Record<string, unknown>;
    reply(200, product.style === 'RPC' ? { RequestId: requestId, ...result } : result);
  } catch (err) {
    if (err instanceof RamDeniedError && product) {
      const d = openApiDenialBody(err.denial, product.style, requestId);
      return reply(d.status, d.body);
    }
    const e = err instanceof OpenApiError ? err : new OpenApiError('InternalError');
    reply(e.status, errorBody(e, requestId));
  }
}

/** Start the shared OpenAPI server on 127.0.0.1. */
export async function startOpenApiServer(deps: Deps): Promise<OpenApiServer> {
  const nonces = new NonceCache();
  const server: Server = createJsonServer(
    (req, res) => handle(deps, nonces, req, res),
    (res, err) =>
      sendJson(res, 500, { Code: 'InternalError', Message: String(err), RequestId: newRequestId() }),
  );
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    endpoint: `127.0.0.1:${port}`,
    port,
    stop: () => closeServer(server),
  };
}
