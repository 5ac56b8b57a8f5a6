/**
 * ACK One Fleet `adcp` 2022-01-01 (RPC): attach/detach member clusters, list them, the Fleet's details and
 * kubeconfig. Membership and state live in FleetWorld. Response shapes follow the reference; the fields
 * marked unverified below were not confirmed in the public documentation.
 */
import type { FleetWorld, WorldCluster } from '../../world';
import { OpenApiError } from '../errors';
import type { RpcProduct } from '../openapi-server';
import type { KubeconfigIssuer } from '../ram';

function mustFleet(world: FleetWorld, id: string | undefined): void {
  if (id !== world.fleetId) {
    // unverified: the code ACK One answers for an unknown Fleet id.
    throw new OpenApiError('NotFound.Cluster', `Fleet ${id ?? ''} not found`, 404);
  }
}

function clusterIds(raw: string | undefined): string[] {
  try {
    const v = JSON.parse(raw ?? '');
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // fall through to the error below
  }
  throw new OpenApiError('InvalidParameter', 'ClusterIds must be a JSON array of cluster ids', 400);
}

/** unverified: the association status words (Status.State) for each ACK state. */
function statusState(c: WorldCluster): string {
  return c.state === 'running' ? 'Running' : c.state === 'disconnected' ? 'Disconnected' : 'Unavailable';
}

function setMembership(world: FleetWorld, params: Record<string, string>, attached: boolean): unknown {
  mustFleet(world, params.ClusterId);
  const ids = clusterIds(params.ClusterIds);
  for (const id of ids) {
    if (!world.cluster(id)) throw new OpenApiError('NotFound.Cluster', `cluster ${id} not found`, 404);
  }
  for (const id of ids) world.updateCluster(id, { attachedToFleet: attached });
  return { ClusterId: world.fleetId, ManagedClusterIds: ids, TaskId: `T-${Date.now().toString(36)}` };
}

/**
 * A detach done in the ACK One console (or by someone else's DetachClusterFromHub): the cluster leaves the
 * Fleet and DescribeManagedClusters stops listing it. ACK One publishes no event for it, so fleet-dr learns
 * of it only by polling (the drift check, a cluster-event check).
 */
export function detachInConsole(world: FleetWorld, clusterId: string): void {
  if (!world.cluster(clusterId))
    throw new OpenApiError('NotFound.Cluster', `cluster ${clusterId} not found`, 404);
  world.updateCluster(clusterId, { attachedToFleet: false });
}

/** The adcp product for the OpenAPI server. */
export function adcpProduct(world: FleetWorld, opts: { kubeconfigFor?: KubeconfigIssuer } = {}): RpcProduct {
  return {
    style: 'RPC',
    name: 'adcp',
    version: '2022-01-01',
    actions: {
      AttachClusterToHub: ({ params }) => setMembership(world, params, true),
      DetachClusterFromHub: ({ params }) => setMembership(world, params, false),
      DescribeManagedClusters: ({ params }) => {
        mustFleet(world, params.ClusterId);
        const members = [...world.clusters.values()].filter((c) => c.attachedToFleet);
        return {
          Clusters: members.map((c) => ({
            Cluster: {
              ClusterID: c.id,
              Name: c.name,
              ClusterType: c.clusterType,
              State: c.state,
              Region: c.regionId,
              VpcID: c.vpcId,
              Version: '1.30.1-aliyun.1',
            },
            Status: { State: statusState(c), Message: c.state === 'running' ? '' : `cluster is ${c.state}` },
            MeshStatus: { InLinkMesh: false },
          })),
        };
      },
      DescribeHubClusterDetails: ({ params }) => {
        mustFleet(world, params.ClusterId);
        // unverified: the nesting of the details; only State and the ids are used by fleet-dr.
        return {
          Cluster: {
            ClusterInfo: {
              ClusterId: world.fleetId,
              Name: world.fleetId,
              RegionId: world.regionId,
              State: 'running',
              Profile: 'Default',
              ClusterSpec: 'ack.pro.small',
            },
            Endpoints: { IntranetApiServerEndpoint: apiServerOf(world.fleetKubeconfig) },
            Network: { VpcId: [...world.clusters.values()][0]?.vpcId ?? '', VSwitches: [] },
          },
        };
      },
      DescribeHubClusterKubeconfig: ({ params, principal }) => {
        mustFleet(world, params.ClusterId);
        if (!world.fleetKubeconfig)
          throw new OpenApiError('NotFound.Kubeconfig', 'Fleet has no API server', 404);
        // The kubeconfig of the caller's identity: a RAM role gets the Kubernetes user named by its id.
        return { Kubeconfig: opts.kubeconfigFor?.(principal, { fleet: true }) ?? world.fleetKubeconfig };
      },
    },
  };
}

function apiServerOf(kubeconfig: string | undefined): string {
  return /server:\s*(\S+)/.exec(kubeconfig ?? '')?.[1] ?? '';
}
