/**
 * ACK One Fleet (adcp 2022-01-01) through openapi-core `callApi`, because `@alicloud/adcp20220101` is not
 * served by the registry. Also hands out the Fleet's Kubernetes client, built from
 * DescribeHubClusterKubeconfig and cached per warm instance until shortly before the certificate expires:
 * one client, so one kept-alive connection pool (kube-client.ts), serves every invocation of the instance.
 */
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { CloudApiError, KubeApiError } from './errors';
import { type KubeClient, kubeClientFromKubeconfig } from './kube-client';
import { kubeconfigNotAfter } from './kubeconfig-expiry';
import { callRpc, sdkConfig } from './openapi';
import { type CallLimits, DEFAULT_LIMITS, retryRead, writeOnce } from './retry';

const VERSION = '2022-01-01';

/** A member cluster as the Fleet sees it. */
export interface ManagedCluster {
  clusterId: string;
  name: string;
  clusterType: string;
  state: string;
  region: string;
  vpcId: string;
  /** Fleet association status (DescribeManagedClusters Status.State). */
  status: string;
}

/** The Fleet API. */
export interface FleetClient {
  /** The base URL this client calls (the real endpoint unless overridden). */
  readonly endpoint: string;
  managedClusters(): Promise<ManagedCluster[]>;
  attach(clusterIds: string[]): Promise<{ taskId?: string; requestId?: string }>;
  detach(clusterIds: string[]): Promise<{ taskId?: string; requestId?: string }>;
  hubKubeconfig(): Promise<string>;
  /** The Fleet's Kubernetes API (cached; refreshed before certificate expiry or after a 401). */
  kube(): Promise<KubeClient>;
  /** Run `fn` against the Fleet's Kubernetes API; on a 401 refresh the kubeconfig once and run it again. */
  withKube<T>(fn: (kube: KubeClient) => Promise<T>): Promise<T>;
}

/** Options for the Fleet client. */
export interface FleetClientOptions {
  fleetId: string;
  region: string;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
  /** Refresh this long before the certificate's notAfter. */
  refreshMarginMs?: number;
  now?: () => number;
}

// Per warm instance: a kubeconfig fetched by one invocation serves the next on the same instance.
const hubCache = new Map<string, { kube: KubeClient; expiresAt: number }>();

/** Forget cached Fleet kubeconfigs (tests). */
export function clearFleetKubeCache(): void {
  hubCache.clear();
}

/** One adcp RPC call with fresh credentials. */
type AdcpCall = (
  action: string,
  query: Record<string, unknown>,
  body?: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/** DescribeHubClusterKubeconfig, retried as a read; an empty answer is an error. */
async function fetchHubKubeconfig(call: AdcpCall, fleetId: string, limits: CallLimits): Promise<string> {
  const body = await retryRead(
    'DescribeHubClusterKubeconfig',
    () => call('DescribeHubClusterKubeconfig', { ClusterId: fleetId, PrivateIpAddress: false }),
    limits,
  );
  const cfg = body.Kubeconfig;
  if (typeof cfg !== 'string' || !cfg)
    throw new CloudApiError(
      'DescribeHubClusterKubeconfig',
      'EmptyKubeconfig',
      `fleet ${fleetId}: no kubeconfig returned`,
      body.RequestId as string | undefined,
    );
  return cfg;
}

/** DescribeManagedClusters, retried as a read, one row per member. */
async function fetchManagedClusters(call: AdcpCall, fleetId: string, limits: CallLimits) {
  const body = await retryRead(
    'DescribeManagedClusters',
    () => call('DescribeManagedClusters', { ClusterId: fleetId }),
    limits,
  );
  const rows = (body.Clusters as Array<Record<string, Record<string, unknown>>> | undefined) ?? [];
  return rows.map(
    (r): ManagedCluster => ({
      clusterId: String(r.Cluster?.ClusterID ?? ''),
      name: String(r.Cluster?.Name ?? ''),
      clusterType: String(r.Cluster?.ClusterType ?? ''),
      state: String(r.Cluster?.State ?? ''),
      region: String(r.Cluster?.Region ?? ''),
      vpcId: String(r.Cluster?.VpcID ?? ''),
      status: String(r.Status?.State ?? ''),
    }),
  );
}

/**
 * The Fleet's Kubernetes client from the per-instance cache (refreshed `margin` before its certificate's
 * notAfter), and `withKube`, which refreshes it once after a 401.
 */
function cachedHubKube(o: {
  cacheKey: string;
  fleetId: string;
  kubeconfig: () => Promise<string>;
  limits: CallLimits;
  now: () => number;
  margin: number;
}): Pick<FleetClient, 'kube' | 'withKube'> {
  const kube = async () => {
    const hit = hubCache.get(o.cacheKey);
    if (hit && hit.expiresAt - o.margin > o.now()) return hit.kube;
    const cfg = await o.kubeconfig();
    const client = kubeClientFromKubeconfig(`fleet ${o.fleetId}`, cfg, o.limits);
    // The replaced client's kept-alive connections go with it.
    if (hit) void hit.kube.close?.().catch(() => {});
    hubCache.set(o.cacheKey, {
      kube: client,
      expiresAt: kubeconfigNotAfter(cfg) ?? Number.POSITIVE_INFINITY,
    });
    return client;
  };
  return {
    kube,
    async withKube(fn) {
      try {
        return await fn(await kube());
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 401)) throw err;
        void hubCache
          .get(o.cacheKey)
          ?.kube.close?.()
          .catch(() => {});
        hubCache.delete(o.cacheKey);
        return fn(await kube());
      }
    },
  };
}

/** Create the Fleet client. */
export function createFleetClient(options: FleetClientOptions): FleetClient {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('adcp', options.region, { overrides: options.overrides });
  const call: AdcpCall = async (action, query, body) =>
    callRpc(
      sdkConfig(await options.credentials(), ep, options.region, limits.timeoutMs),
      VERSION,
      action,
      query,
      limits.timeoutMs,
      body,
    );
  const hubKubeconfig = () => fetchHubKubeconfig(call, options.fleetId, limits);
  const assoc = (action: string, extra: string) => async (ids: string[]) => {
    // Not idempotent in general (a task is started): sent once.
    const body = await writeOnce(
      action,
      () => call(action, { ClusterId: options.fleetId, [extra]: false }, { ClusterIds: JSON.stringify(ids) }),
      limits,
    );
    return { taskId: body.TaskId as string | undefined, requestId: body.RequestId as string | undefined };
  };
  return {
    endpoint: ep.url,
    hubKubeconfig,
    ...cachedHubKube({
      cacheKey: `${ep.url}|${options.fleetId}`,
      fleetId: options.fleetId,
      kubeconfig: hubKubeconfig,
      limits,
      now: options.now ?? Date.now,
      margin: options.refreshMarginMs ?? 5 * 60_000,
    }),
    attach: assoc('AttachClusterToHub', 'AttachToMesh'),
    detach: assoc('DetachClusterFromHub', 'DetachFromMesh'),
    managedClusters: () => fetchManagedClusters(call, options.fleetId, limits),
  };
}
