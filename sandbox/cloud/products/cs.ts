/**
 * ACK `cs` 2015-12-15 (ROA): DescribeClusterDetail, DescribeClustersV1, DescribeClusterUserKubeconfig.
 * Cluster state comes from FleetWorld. Response fields are snake_case as on the wire (the SDK model maps them).
 */
import type { FleetWorld, WorldCluster } from '../../world';
import { OpenApiError } from '../errors';
import type { ApiContext, RoaProduct } from '../openapi-server';
import type { KubeconfigIssuer } from '../ram';

/** Fixed timestamps: the stand-in's clusters were "created" once, long ago. */
const CREATED = '2024-01-01T00:00:00+08:00';

/** The DescribeClusterDetail body for a world cluster. */
export function clusterDetail(c: WorldCluster): Record<string, unknown> {
  return {
    cluster_id: c.id,
    name: c.name,
    region_id: c.regionId,
    zone_id: c.zone,
    vpc_id: c.vpcId,
    vswitch_ids: [`vsw-${c.zone}`],
    cluster_type: c.clusterType,
    // unverified: the profile/spec a registered cluster reports; not used by fleet-dr.
    profile: c.clusterType === 'ExternalKubernetes' ? 'Default' : 'Default',
    cluster_spec: c.clusterType === 'ManagedKubernetes' ? 'ack.pro.small' : '',
    state: c.state,
    current_version: '1.30.1-aliyun.1',
    size: 3,
    container_cidr: c.podCidr ?? '',
    tags: [],
    created: CREATED,
    updated: CREATED,
  };
}

/** `ErrorClusterNotFound` is what ACK answers for an unknown cluster id (status 404; unverified). */
function notFound(id: string): OpenApiError {
  return new OpenApiError('ErrorClusterNotFound', `cluster ${id} not found`, 404);
}

function mustCluster(world: FleetWorld, id: string | undefined): WorldCluster {
  const c = id ? world.cluster(id) : undefined;
  if (!c) throw notFound(id ?? '');
  return c;
}

/**
 * RAM resource of the per-cluster actions: `acs:cs:<region>:<account>:cluster/<id>` (the form
 * deploy/ram-policy.json grants; the region of an unknown cluster is the world's).
 */
function clusterArn(world: FleetWorld, accountId: string): (ctx: ApiContext) => string {
  return ({ pathParams }) => {
    const id = pathParams.id ?? '';
    return `acs:cs:${world.cluster(id)?.regionId ?? world.regionId}:${accountId}:cluster/${id}`;
  };
}

/** The cs product for the OpenAPI server. */
export function csProduct(
  world: FleetWorld,
  opts: { accountId?: string; kubeconfigFor?: KubeconfigIssuer } = {},
): RoaProduct {
  const arn = clusterArn(world, opts.accountId ?? '1234567890123456');
  return {
    style: 'ROA',
    name: 'cs',
    version: '2015-12-15',
    routes: [
      {
        action: 'DescribeClustersV1',
        method: 'GET',
        pattern: /^\/api\/v1\/clusters$/,
        handler: ({ params }) => {
          const all = [...world.clusters.values()].filter(
            (c) =>
              (!params.cluster_type || c.clusterType === params.cluster_type) &&
              (!params.name || c.name.includes(params.name)) &&
              (!params.cluster_id || c.id === params.cluster_id) &&
              (!params.region_id || c.regionId === params.region_id),
          );
          const pageSize = Number(params.page_size ?? 10) || 10;
          const pageNumber = Number(params.page_number ?? 1) || 1;
          const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
          return {
            clusters: page.map(clusterDetail),
            page_info: { page_number: pageNumber, page_size: pageSize, total_count: all.length },
          };
        },
      },
      {
        action: 'DescribeClusterDetail',
        method: 'GET',
        pattern: /^\/clusters\/(?<id>[^/]+)$/,
        resource: arn,
        handler: ({ pathParams }) => clusterDetail(mustCluster(world, pathParams.id)),
      },
      {
        action: 'DescribeClusterUserKubeconfig',
        method: 'GET',
        pattern: /^\/k8s\/(?<id>[^/]+)\/user_config$/,
        resource: arn,
        handler: ({ pathParams, params, principal }) => {
          const c = mustCluster(world, pathParams.id);
          if (!c.kubeconfig)
            throw new OpenApiError('ErrorQueryKubeconfig', `cluster ${c.id} has no API server`, 400);
          const minutes = Number(params.TemporaryDurationMinutes ?? 0);
          const expiration = new Date(Date.now() + (minutes > 0 ? minutes : 3 * 365 * 24 * 60) * 60_000);
          // ACK issues the kubeconfig of the caller's own identity (a RAM role gets the user named by its id).
          const config = opts.kubeconfigFor?.(principal, { clusterId: c.id }) ?? c.kubeconfig;
          return { config, expiration: expiration.toISOString() };
        },
      },
    ],
  };
}
