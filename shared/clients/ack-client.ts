/**
 * ACK (cs 2015-12-15) through `@alicloud/cs20151215`: cluster detail and state, and a member cluster's
 * kubeconfig (DescribeClusterUserKubeconfig) to read its Deployments, Pods and Services.
 */
import * as CsMod from '@alicloud/cs20151215';
import { cjsDefault } from './cjs';
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { CloudApiError } from './errors';
import { type KubeClient, kubeClientFromKubeconfig } from './kube-client';
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
  /** A Kubernetes client for a member cluster (kubeconfig fetched through ACK). */
  memberKube(clusterId: string): Promise<KubeClient>;
}

/** Options for the ACK client. */
export interface AckClientOptions {
  region: string;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
}

/** Create the ACK client. */
export function createAckClient(o: AckClientOptions): AckClient {
  const limits = o.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('cs', o.region, { overrides: o.overrides });
  const Cs = cjsDefault(CsMod.default);
  const client = async () => new Cs(sdkConfig(await o.credentials(), ep, o.region, limits.timeoutMs));
  const memberKubeconfig = (clusterId: string) =>
    retryRead(
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
  return {
    endpoint: ep.url,
    memberKubeconfig,
    async memberKube(clusterId) {
      return kubeClientFromKubeconfig(`cluster ${clusterId}`, await memberKubeconfig(clusterId), limits);
    },
    clusterDetail: (clusterId) =>
      retryRead(
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
              regionId: b.regionId ?? o.region,
              zoneId: b.zoneId,
            };
          } catch (err) {
            throw toCloudError('DescribeClusterDetail', err);
          }
        },
        limits,
      ),
  };
}
