/**
 * MSE 2019-05-31 (RPC): ListGateway, ListGatewayService, GetGatewayServiceDetail. Service health comes from
 * `world.serviceHealthProvider` (registered by the gateway stand-in). MSE answers business errors with
 * HTTP 200 and `Success: false`: `failNext` makes the stand-in do that for the next call of an action.
 */
import type { FleetWorld, ServiceHealth } from '../../world';
import { OpenApiError } from '../errors';
import type { RpcProduct } from '../openapi-server';

/** A gateway the MSE stand-in lists. */
export interface MseGateway {
  gatewayUniqueId: string;
  name: string;
  /** 2 = running (0 creating, 1 create failed, 3 changing, 8 deleting, 12 upgrading, 13 upgrade failed). */
  status: number;
  replica: number;
  /**
   * ListGateway's `GatewayVersion` ("The version of the gateway", e.g. 1.2.9, in the mse 2019-05-31 SDK's
   * ListGatewayResponseBodyDataResult). Tests set an old one to break the preflight's version check.
   */
  gatewayVersion: string;
}

/** The default gateway, named after the example policy's MseIngressConfig. */
export const DEFAULT_GATEWAY: MseGateway = {
  gatewayUniqueId: 'gw-sandbox-ackone',
  name: 'ackone-gateway',
  status: 2,
  replica: 2,
  gatewayVersion: '2.0.6',
};

/** Test hooks of the MSE stand-in. */
export interface MseControl {
  failNext(action: string, code: string, message: string): void;
  gateways: MseGateway[];
}

function filterParams(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    throw new OpenApiError('InvalidParameter', 'FilterParams must be a JSON object', 400);
  }
}

function serviceId(s: ServiceHealth): number {
  // Stable small number per namespace/name, the way MSE ids are integers.
  let h = 0;
  for (const ch of `${s.namespace}/${s.name}`) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000;
  return h + 1;
}

function serviceEntry(s: ServiceHealth, gatewayUniqueId: string): Record<string, unknown> {
  return {
    Id: serviceId(s),
    Name: s.name,
    Namespace: s.namespace,
    GatewayUniqueId: gatewayUniqueId,
    SourceType: 'K8S',
    HealthStatus: s.healthStatus,
    HealthCheck: true,
    UnhealthyEndpoints: s.unhealthyEndpoints,
    Ips: s.ips,
    Ports: s.ports,
  };
}

function ok(data: unknown): Record<string, unknown> {
  return { HttpStatusCode: 200, Code: 200, Success: true, Message: 'OK', Data: data };
}

/** The MSE product and its control hooks. */
export function mseProduct(
  world: FleetWorld,
  accountId = '1234567890123456',
): { product: RpcProduct; control: MseControl } {
  const failures = new Map<string, Array<{ code: string; message: string }>>();
  const gateways: MseGateway[] = [{ ...DEFAULT_GATEWAY }];
  const services = () => world.serviceHealthProvider?.() ?? [];
  const wrap =
    (action: string, fn: (p: Record<string, string>) => unknown) =>
    ({ params }: { params: Record<string, string> }) => {
      const f = failures.get(action)?.shift();
      // unverified: HttpStatusCode carried in a Success:false body (the real one varies by error).
      if (f) return { HttpStatusCode: 400, Code: f.code, Success: false, Message: f.message, Data: null };
      return fn(params);
    };
  const gatewayFor = (id: unknown) => {
    const g = gateways.find((x) => x.gatewayUniqueId === id);
    if (!g) throw new OpenApiError('NotFound.Gateway', `gateway ${String(id)} not found`, 404);
    return g;
  };
  // RAM resource per the reference: acs:mse:<region>:<account>:instance/<GatewayUniqueId>.
  const instanceArn = ({ params }: { params: Record<string, string> }) => {
    let id: unknown;
    try {
      id = filterParams(params.FilterParams).GatewayUniqueId;
    } catch {
      id = undefined;
    }
    const gw = String(id ?? params.GatewayUniqueId ?? DEFAULT_GATEWAY.gatewayUniqueId);
    return `acs:mse:${world.regionId}:${accountId}:instance/${gw}`;
  };
  const product: RpcProduct = {
    style: 'RPC',
    name: 'mse',
    version: '2019-05-31',
    resources: { ListGatewayService: instanceArn, GetGatewayServiceDetail: instanceArn },
    actions: {
      ListGateway: wrap('ListGateway', (p) => {
        const f = filterParams(p.FilterParams);
        const list = gateways.filter((g) => !f.Name || g.name === f.Name);
        return ok({
          TotalSize: list.length,
          PageNumber: Number(p.PageNumber ?? 1),
          PageSize: Number(p.PageSize ?? 10),
          Result: list.map((g) => ({
            GatewayUniqueId: g.gatewayUniqueId,
            Name: g.name,
            Status: g.status,
            Replica: g.replica,
            GatewayVersion: g.gatewayVersion,
            Region: world.regionId,
          })),
        });
      }),
      ListGatewayService: wrap('ListGatewayService', (p) => {
        const f = filterParams(p.FilterParams);
        const gw = gatewayFor(f.GatewayUniqueId ?? p.GatewayUniqueId ?? DEFAULT_GATEWAY.gatewayUniqueId);
        const list = services().filter(
          (s) => (!f.Name || s.name === f.Name) && (!f.Namespace || s.namespace === f.Namespace),
        );
        return ok({
          TotalSize: list.length,
          PageNumber: Number(p.PageNumber ?? 1),
          PageSize: Number(p.PageSize ?? 10),
          Result: list.map((s) => serviceEntry(s, gw.gatewayUniqueId)),
        });
      }),
      GetGatewayServiceDetail: wrap('GetGatewayServiceDetail', (p) => {
        const gw = gatewayFor(p.GatewayUniqueId ?? DEFAULT_GATEWAY.gatewayUniqueId);
        const s = services().find((x) => String(serviceId(x)) === p.ServiceId);
        if (!s) throw new OpenApiError('NotFound.Service', `service ${p.ServiceId ?? ''} not found`, 404);
        return ok({ ...serviceEntry(s, gw.gatewayUniqueId), VersionDetails: [] });
      }),
    },
  };
  return {
    product,
    control: {
      gateways,
      failNext: (action, code, message) => {
        const q = failures.get(action) ?? [];
        q.push({ code, message });
        failures.set(action, q);
      },
    },
  };
}
