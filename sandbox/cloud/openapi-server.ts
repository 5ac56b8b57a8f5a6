/**
 * The OpenAPI endpoints of the products (cs, adcp, mse, cms): one listener per product on 127.0.0.1, as the
 * real cloud has one host per product (cs.<region>.aliyuncs.com, metrics.<region>.aliyuncs.com for cms, …),
 * reached by the SDKs with `endpoint: 127.0.0.1:PORT, protocol: http`. A listener serves only its product:
 * a call for another product's API version is answered as the gateway answers an API it does not have
 * (404 `InvalidAction.NotFound`). RPC actions are routed by `x-acs-version` + `x-acs-action`, ROA actions (cs)
 * by version + method + path, and the path's action must be the `x-acs-action` sent. Every request passes the
 * product's fault switches, then the ACS3 check.
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

/** Where one product's listener is reached. */
export interface OpenApiListener {
  url: string;
  /** 127.0.0.1:PORT, as the SDK Config's `endpoint` wants it. */
  endpoint: string;
  port: number;
}

/** The running OpenAPI listeners, one per product, by product name. */
export interface OpenApiServers {
  listeners: Record<string, OpenApiListener>;
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
    // The gateway identifies a ROA API by its action as well: a path sent under another action is not found.
    const m = r.method === method && r.action === action ? r.pattern.exec(path) : null;
    if (m) {
      const pathParams: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) pathParams[k] = decodeURIComponent(v);
      return [r.handler, pathParams, r.action, r.resource];
    }
  }
  throw new OpenApiError(
    'InvalidAction.NotFound',
    `Specified api ${action || '(no x-acs-action)'} (${method} ${path}) is not found.`,
  );
}

/**
 * The product a request is for, on the listener of `own`: a version no product has is `InvalidVersion`; another
 * product's version is an API this host does not have, answered as the real gateway answers one (404
 * `InvalidAction.NotFound`, "Specified api is not found, please check your url and method.").
 * UNVERIFIED (the one place): that a real product host answers another product's version, or a ROA path under
 * another action, with that code rather than `InvalidVersion`; SDK users report InvalidAction.NotFound for an
 * API the host does not have (e.g. a ROA call without its path, aliyun/openapi-sdk-php-client#230).
 */
function productFor(deps: Deps, own: Product, version: string): Product {
  if (own.version === version) return own;
  if (!deps.products.some((p) => p.version === version))
    throw new OpenApiError('InvalidVersion', `Specified parameter Version ${version} is not valid.`);
  throw new OpenApiError('InvalidAction.NotFound');
}

async function handle(
  deps: Deps,
  own: Product,
  nonces: NonceCache,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const version = header(req, 'x-acs-version');
  const action = header(req, 'x-acs-action');
  requestLedger.track('openapi', own.name, req, res, action || undefined);
  await requestLedger.delay();
  const requestId = newRequestId();
  const body = await readBody(req);
  const outcome = await deps.faults.apply(own.name, req, res);
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
    const product = productFor(deps, own, version);
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
    if (err instanceof RamDeniedError) {
      const d = openApiDenialBody(err.denial, own.style, requestId);
      return reply(d.status, d.body);
    }
    const e = err instanceof OpenApiError ? err : new OpenApiError('InternalError');
    reply(e.status, errorBody(e, requestId));
  }
}

/** Start one listener per product on 127.0.0.1 (ports chosen by the OS). */
export async function startOpenApiServers(deps: Deps): Promise<OpenApiServers> {
  const nonces = new NonceCache();
  const servers: Server[] = [];
  const listeners: Record<string, OpenApiListener> = {};
  const stop = () => Promise.all(servers.map((s) => closeServer(s))).then(() => undefined);
  try {
    for (const own of deps.products) {
      const server: Server = createJsonServer(
        (req, res) => handle(deps, own, nonces, req, res),
        (res, err) =>
          sendJson(res, 500, { Code: 'InternalError', Message: String(err), RequestId: newRequestId() }),
      );
      servers.push(server);
      const port = await listenLocal(server);
      listeners[own.name] = { url: `http://127.0.0.1:${port}`, endpoint: `127.0.0.1:${port}`, port };
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { listeners, stop };
}
