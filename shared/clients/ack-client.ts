/**
 * ACK (cs 2015-12-15) through `@alicloud/cs20151215`: cluster detail and state, and a member cluster's
 * kubeconfig (DescribeClusterUserKubeconfig) to read its Deployments, Pods and Services. A member's
 * Kubernetes client (with its kept-alive connections) is cached per warm instance until shortly before its
 * certificate expires, as the Fleet's is (fleet-client.ts).
 */
import * as CsMod from '@alicloud/cs20151215';
import { cjsDefault } from './cjs';
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { CloudApiError, KubeApiError } from './errors';
import { type KubeClient, kubeClientFromKubeconfig } from './kube-client';
import { kubeconfigNotAfter } from './kubeconfig-expiry';
import { runtime, sdkConfig, toCloudError } from './openapi';
import { type CallLimits, DEFAULT_LIMITS, retryRead } from './retry';

/** What fleet-dr needs from DescribeClusterDetail. */
export interface ClusterDetail {
  clusterId: string;
  name: string;
  /** running, unavailable, disconnected, … (cs `state`). */
  state: string;
  clusterType: string;
  regionId: string;
  zoneId?: string;
}

/** The ACK API. */
export interface AckClient {
  /** The base URL this client calls (the real endpoint unless overridden). */
  readonly endpoint: string;
  clusterDetail(clusterId: string): Promise<ClusterDetail>;
  memberKubeconfig(clusterId: string): Promise<string>;
  /** A Kubernetes client for a member cluster (kubeconfig fetched through ACK; cached per warm instance). */
  memberKube(clusterId: string): Promise<KubeClient>;
  /** Forget a member's cached client (after a 401: its kubeconfig was revoked or rotated). */
  forgetMemberKube(clusterId: string): void;
}

/** Options for the ACK client. */
export interface AckClientOptions {
  region: string;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
  /** Refresh a cached member kubeconfig this long before its certificate's notAfter; default 5 min. */
  refreshMarginMs?: number;
  now?: () => number;
}

interface MemberEntry {
  kube: Promise<KubeClient>;
  expiresAt: number;
}

// Per warm instance: one client (one connection pool) per member cluster, shared by later invocations.
const memberCache = new Map<string, MemberEntry>();

/** The same client, whose 401 answers drop it from the cache: the next invocation fetches a new kubeconfig. */
function forgetOn401(kube: KubeClient, forget: () => void): KubeClient {
  return new Proxy(kube, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'close') return v;
      return async (...args: unknown[]) => {
        try {
          return await v.apply(target, args);
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 401) forget();
          throw err;
        }
      };
    },
  });
}

/** Forget every cached member client (tests). */
export function clearMemberKubeCache(): void {
  memberCache.clear();
}

type CsSdk = InstanceType<ReturnType<typeof cjsDefault<typeof CsMod.default>>>;

/** DescribeClusterUserKubeconfig (private address), retried as a read; an empty answer is an error. */
function fetchMemberKubeconfig(client: () => Promise<CsSdk>, clusterId: string, limits: CallLimits) {
  return retryRead(
    'DescribeClusterUserKubeconfig',
    async () => {
      try {
        const c = await client();
        const req = new CsMod.DescribeClusterUserKubeconfigRequest({ privateIpAddress: true });
        const res = await c.describeClusterUserKubeconfigWithOptions(
          clusterId,
          req,
          {},
          runtime(limits.timeoutMs),
        );
        const cfg = res.body?.config;
        if (!cfg)
          throw new CloudApiError(
            'DescribeClusterUserKubeconfig',
            'EmptyKubeconfig',
            `cluster ${clusterId}: no kubeconfig returned`,
          );
        return cfg;
      } catch (err) {
        throw toCloudError('DescribeClusterUserKubeconfig', err);
      }
    },
    limits,
  );
}

/** DescribeClusterDetail, retried as a read, reduced to what fleet-dr needs. */
function fetchClusterDetail(
  client: () => Promise<CsSdk>,
  clusterId: string,
  region: string,
  limits: CallLimits,
): Promise<ClusterDetail> {
  return retryRead(
    'DescribeClusterDetail',
    async () => {
      try {
        const c = await client();
        const res = await c.describeClusterDetailWithOptions(clusterId, {}, runtime(limits.timeoutMs));
        const b = res.body ?? new CsMod.DescribeClusterDetailResponseBody({});
        return {
          clusterId: b.clusterId ?? clusterId,
          name: b.name ?? '',
          state: b.state ?? 'unknown',
          clusterType: b.clusterType ?? '',
          regionId: b.regionId ?? region,
          zoneId: b.zoneId,
        };
      } catch (err) {
        throw toCloudError('DescribeClusterDetail', err);
      }
    },
    limits,
  );
}

/**
 * The member clients of one endpoint, from the per-instance cache: a cached client is kept until `margin`
 * before its certificate's notAfter, dropped on a 401, and a failed kubeconfig fetch is not cached.
 */
function cachedMemberKube(o: {
  endpointUrl: string;
  kubeconfig: (clusterId: string) => Promise<string>;
  limits: CallLimits;
  now: () => number;
  margin: number;
}): Pick<AckClient, 'memberKube' | 'forgetMemberKube'> {
  const keyOf = (clusterId: string) => `${o.endpointUrl}|${clusterId}`;
  const forget = (key: string, entry?: MemberEntry) => {
    const hit = memberCache.get(key);
    if (!hit || (entry && hit !== entry)) return;
    memberCache.delete(key);
    void hit.kube.then((k) => k.close?.()).catch(() => {});
  };
  return {
    memberKube(clusterId) {
      const key = keyOf(clusterId);
      const hit = memberCache.get(key);
      if (hit && hit.expiresAt - o.margin > o.now()) return hit.kube;
      if (hit) forget(key, hit);
      const entry: MemberEntry = {
        expiresAt: Number.POSITIVE_INFINITY,
        kube: o.kubeconfig(clusterId).then((cfg) => {
          entry.expiresAt = kubeconfigNotAfter(cfg) ?? Number.POSITIVE_INFINITY;
          const kube = kubeClientFromKubeconfig(`cluster ${clusterId}`, cfg, o.limits);
          return forgetOn401(kube, () => forget(key, entry));
        }),
      };
      // A failed fetch is not cached: the next call asks ACK again.
      entry.kube.catch(() => {
        if (memberCache.get(key) === entry) memberCache.delete(key);
      });
      memberCache.set(key, entry);
      return entry.kube;
    },
    forgetMemberKube: (clusterId) => forget(keyOf(clusterId)),
  };
}

/** Create the ACK client. */
export function createAckClient(options: AckClientOptions): AckClient {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('cs', options.region, { overrides: options.overrides });
  const Cs = cjsDefault(CsMod.default);
  const client = async () =>
    new Cs(sdkConfig(await options.credentials(), ep, options.region, limits.timeoutMs));
  const memberKubeconfig = (clusterId: string) => fetchMemberKubeconfig(client, clusterId, limits);
  return {
    endpoint: ep.url,
    memberKubeconfig,
    ...cachedMemberKube({
      endpointUrl: ep.url,
      kubeconfig: memberKubeconfig,
      limits,
      now: options.now ?? Date.now,
      margin: options.refreshMarginMs ?? 5 * 60_000,
    }),
    clusterDetail: (clusterId) => fetchClusterDetail(client, clusterId, options.region, limits),
  };
}
