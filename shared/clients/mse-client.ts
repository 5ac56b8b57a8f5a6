/**
 * MSE (2019-05-31) through openapi-core `callApi`, because `@alicloud/mse20190531` is not served. Reads the
 * gateway's status and per-service health. MSE answers some failures with HTTP 200 and `Success: false`:
 * that is an error here, never data.
 */
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { CloudApiError } from './errors';
import { type ClusterEndpointHealth, type ClusterNetwork, endpointsByCluster } from './mse-cluster-mapping';
import { callRpc, sdkConfig } from './openapi';
import { type CallLimits, DEFAULT_LIMITS, retryRead } from './retry';

const VERSION = '2019-05-31';

/** Gateway status codes (ListGateway `Status`). */
export const GATEWAY_STATUS: Record<number, string> = {
  0: 'creating',
  1: 'createFailed',
  2: 'running',
  3: 'changing',
  8: 'deleting',
  12: 'upgrading',
  13: 'upgradeFailed',
};

/** One gateway's status. */
export interface GatewayStatus {
  gatewayId: string;
  name: string;
  status: string;
  running: boolean;
  replica?: number;
  /** ListGateway `GatewayVersion` (e.g. `1.2.25`); undefined when the answer has none. */
  version?: string;
}

/** One service's health, split per cluster. */
export interface ServiceHealthView {
  name: string;
  namespace: string;
  healthStatus: 'Health' | 'Unhealthy' | 'Unknown';
  clusters: ClusterEndpointHealth[];
}

/** The MSE API. */
export interface MseClient {
  /** The base URL this client calls (the real endpoint unless overridden). */
  readonly endpoint: string;
  gatewayStatus(gatewayId: string): Promise<GatewayStatus>;
  serviceHealth(
    gatewayId: string,
    name: string,
    namespace: string,
    clusters: ClusterNetwork[],
  ): Promise<ServiceHealthView>;
}

/** Options for the MSE client. */
export interface MseClientOptions {
  region: string;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
}

/** Raise on MSE's HTTP-200 failure envelope. */
export function checkMseEnvelope(action: string, body: Record<string, unknown>): Record<string, unknown> {
  if (body.Success === false || (typeof body.Code === 'number' && body.Code >= 400)) {
    throw new CloudApiError(
      action,
      String(body.ErrorCode ?? body.Code ?? 'Failed'),
      String(body.Message ?? 'Success: false'),
      body.RequestId as string | undefined,
      Number(body.HttpStatusCode ?? 200),
    );
  }
  return body;
}

/** Create the MSE client. */
export function createMseClient(options: MseClientOptions): MseClient {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('mse', options.region, { overrides: options.overrides });
  const read = (action: string, query: Record<string, unknown>) =>
    retryRead(
      action,
      async () =>
        checkMseEnvelope(
          action,
          await callRpc(
            sdkConfig(await options.credentials(), ep, options.region, limits.timeoutMs),
            VERSION,
            action,
            query,
            limits.timeoutMs,
          ),
        ),
      limits,
    );
  return {
    endpoint: ep.url,
    async gatewayStatus(gatewayId) {
      const body = await read('ListGateway', {
        FilterParams: JSON.stringify({ GatewayUniqueId: gatewayId }),
        PageNumber: 1,
        PageSize: 10,
      });
      const rows = (
        (body.Data as { Result?: Array<Record<string, unknown>> } | undefined)?.Result ?? []
      ).filter((r) => r.GatewayUniqueId === gatewayId);
      const g = rows[0];
      if (!g)
        throw new CloudApiError(
          'ListGateway',
          'GatewayNotFound',
          `gateway ${gatewayId} not found`,
          body.RequestId as string | undefined,
        );
      const code = Number(g.Status);
      return {
        gatewayId,
        name: String(g.Name ?? ''),
        status: GATEWAY_STATUS[code] ?? `status-${code}`,
        running: code === 2,
        replica: g.Replica as number | undefined,
        version: typeof g.GatewayVersion === 'string' && g.GatewayVersion ? g.GatewayVersion : undefined,
      };
    },
    async serviceHealth(gatewayId, name, namespace, clusters) {
      const body = await read('ListGatewayService', {
        FilterParams: JSON.stringify({ GatewayUniqueId: gatewayId, Name: name, Namespace: namespace }),
        PageNumber: 1,
        PageSize: 100,
      });
      const data = body.Data as { Result?: Array<Record<string, unknown>> } | undefined;
      const s = (data?.Result ?? []).find((r) => r.Name === name && r.Namespace === namespace);
      if (!s)
        return {
          name,
          namespace,
          healthStatus: 'Unknown',
          clusters: clusters.map((c) => ({ clusterId: c.clusterId, healthy: 0, unhealthy: 0 })),
        };
      const hs = String(s.HealthStatus);
      return {
        name,
        namespace,
        healthStatus: hs === 'Health' || hs === 'Unhealthy' ? hs : 'Unknown',
        clusters: endpointsByCluster(
          (s.Ips as string[]) ?? [],
          (s.UnhealthyEndpoints as string[]) ?? [],
          clusters,
        ),
      };
    },
  };
}
