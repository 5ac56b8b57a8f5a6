/**
 * The operator function's HTTP edge: which endpoint a request names (404), its method (405), the body bound
 * (413), then the signed-request checks of shared/operator/verify.ts (401, 403, 422, replay 401) with the
 * endpoint's body parser. Nothing before the nonce is recorded changes anything on the Fleet.
 */
import type { Policy } from '../../shared/config';
import {
  endpointOf,
  type FailbackBody,
  FailbackBodySchema,
  OPERATOR_ENDPOINTS,
  type OperatorEndpoint,
  type PauseBody,
  PauseBodySchema,
  type ShiftBody,
  ShiftBodySchema,
} from '../../shared/operator/api';
import type { OperatorKeyring } from '../../shared/operator/keys';
import {
  type BodyParser,
  type Caller,
  type NonceLedger,
  type OperatorHttpRequest,
  type Refusal,
  verifyOperatorRequest,
} from '../../shared/operator/verify';
import { checkBodySize, checkMethod, type HttpTriggerView } from '../../shared/runtime/http-edge';
import { isBase64 } from '../../shared/schemas/fc-http';

/** A verified request, by endpoint. */
export type VerifiedRequest =
  | { endpoint: 'status'; caller: Caller; body: null }
  | { endpoint: 'failback'; caller: Caller; body: FailbackBody }
  | { endpoint: 'shift'; caller: Caller; body: ShiftBody }
  | { endpoint: 'pause' | 'resume'; caller: Caller; body: PauseBody };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request as the signature covers it, from the HTTP trigger view (header names lower case). */
export function operatorRequestOf(view: HttpTriggerView): OperatorHttpRequest | Refusal {
  const v = view.value;
  const headers: Record<string, string> = {};
  if (isObject(v.headers))
    for (const [k, x] of Object.entries(v.headers)) if (typeof x === 'string') headers[k.toLowerCase()] = x;
  if (view.isBase64Encoded && !isBase64(view.body))
    return { status: 400, error: 'bad request: isBase64Encoded but the body is not base64' };
  const body = view.isBase64Encoded ? Buffer.from(view.body, 'base64') : Buffer.from(view.body, 'utf8');
  const ctx = isObject(v.requestContext) ? v.requestContext : {};
  const http = isObject(ctx.http) ? ctx.http : {};
  const path = typeof v.rawPath === 'string' ? v.rawPath : typeof http.path === 'string' ? http.path : '/';
  return { method: view.method ?? '', path, query: view.query, headers, body };
}

const oneLine = (issues: Array<{ path: PropertyKey[]; message: string }>): string =>
  issues.map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`).join('; ');

/** A JSON body parsed by a schema; `cluster`, when present, must be one of the policy's clusters. */
function jsonBody<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  policy: Policy,
): BodyParser<T> {
  return (raw) => {
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      return { error: 'the body is not JSON' };
    }
    const r = schema.safeParse(value);
    if (!r.success) return { error: oneLine(r.error.issues) };
    const cluster = isObject(r.data) ? r.data.cluster : undefined;
    if (typeof cluster === 'string' && !policy.clusters.some((c) => c.id === cluster))
      return {
        error: `cluster ${JSON.stringify(cluster.slice(0, 64))} is not in the policy (${policy.clusters.map((c) => c.id).join(', ')})`,
      };
    return { value: r.data };
  };
}

const emptyBody: BodyParser<null> = (raw) =>
  raw.length === 0 ? { value: null } : { error: 'GET /status takes no body' };

/** Everything the edge needs besides the request. */
export interface EdgeDeps {
  policy: Policy;
  keys: () => OperatorKeyring;
  nonces: NonceLedger;
  nowMs: number;
}

/** Checks one HTTP request in order; the verified request, or the first refusal. */
export async function readOperatorRequest(
  view: HttpTriggerView,
  deps: EdgeDeps,
): Promise<VerifiedRequest | { refusal: Refusal }> {
  const req = operatorRequestOf(view);
  if ('status' in req) return { refusal: req };
  const endpoint = endpointOf(req.path);
  if (!endpoint)
    return {
      refusal: {
        status: 404,
        error: `not found: ${JSON.stringify(req.path.slice(0, 64))}; the operator endpoints are ${Object.values(
          OPERATOR_ENDPOINTS,
        )
          .map((e) => `${e.method} ${e.path}`)
          .join(', ')}`,
      },
    };
  const e = OPERATOR_ENDPOINTS[endpoint];
  const bad = checkMethod(view.method, [e.method]) ?? checkBodySize(view);
  if (bad) return { refusal: bad };
  const keys = deps.keys();
  const common = { req, keys, nowMs: deps.nowMs, verb: e.verb, nonces: deps.nonces };
  const run = async <T>(parseBody: BodyParser<T>) => verifyOperatorRequest({ ...common, parseBody });
  const out = await dispatch(endpoint, deps.policy, run);
  return out;
}

async function dispatch(
  endpoint: OperatorEndpoint,
  policy: Policy,
  run: <T>(p: BodyParser<T>) => Promise<{ caller: Caller; body: T } | { refusal: Refusal }>,
): Promise<VerifiedRequest | { refusal: Refusal }> {
  switch (endpoint) {
    case 'status': {
      const r = await run(emptyBody);
      return 'refusal' in r ? r : { endpoint, caller: r.caller, body: null };
    }
    case 'failback': {
      const r = await run(jsonBody(FailbackBodySchema, policy));
      return 'refusal' in r ? r : { endpoint, ...r };
    }
    case 'shift': {
      const r = await run(jsonBody(ShiftBodySchema, policy));
      return 'refusal' in r ? r : { endpoint, ...r };
    }
    case 'pause':
    case 'resume': {
      const r = await run(jsonBody(PauseBodySchema, policy));
      return 'refusal' in r ? r : { endpoint, ...r };
    }
  }
}
