/**
 * UNVERIFIED: how MSE's per-service health maps to member clusters. ListGatewayService reports one entry per
 * Service with `Ips` and `UnhealthyEndpoints` pooled over every member cluster; which cluster an endpoint
 * belongs to is not in the response. We attribute an endpoint to the cluster whose pod CIDR contains its
 * address (registered clusters use an underlay network, so pod IPs are VPC-routable and distinct). This is
 * the only module that makes that assumption; change it here if MSE reports the cluster directly.
 */

/** A cluster and the pod network its endpoints come from. */
export interface ClusterNetwork {
  clusterId: string;
  podCidr?: string;
}

/** Per-cluster endpoint counts derived from MSE's pooled service view. */
export interface ClusterEndpointHealth {
  clusterId: string;
  healthy: number;
  unhealthy: number;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Whether an IPv4 address (optionally `ip:port`) lies in a CIDR block. */
export function inCidr(address: string, cidr: string): boolean {
  const [net, bitsStr] = cidr.split('/');
  const ip = ipv4ToInt(address.split(':')[0] ?? '');
  const base = ipv4ToInt(net ?? '');
  const bits = Number(bitsStr);
  if (ip === undefined || base === undefined || !Number.isInteger(bits)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(base / size);
}

/** The cluster an endpoint address belongs to, by pod CIDR; undefined if none matches. */
export function clusterOfAddress(address: string, clusters: ClusterNetwork[]): string | undefined {
  return clusters.find((c) => c.podCidr && inCidr(address, c.podCidr))?.clusterId;
}

/** Split a service's pooled endpoints into per-cluster healthy/unhealthy counts. */
export function endpointsByCluster(
  ips: string[],
  unhealthy: string[],
  clusters: ClusterNetwork[],
): ClusterEndpointHealth[] {
  const bad = new Set(unhealthy.map((a) => a.split(':')[0]));
  return clusters.map((c) => {
    const mine = ips.filter((a) => clusterOfAddress(a, [c]) === c.clusterId);
    const nBad = mine.filter((a) => bad.has(a.split(':')[0])).length;
    const extraBad = unhealthy.filter(
      (a) =>
        clusterOfAddress(a, [c]) === c.clusterId && !mine.some((m) => m.split(':')[0] === a.split(':')[0]),
    ).length;
    return { clusterId: c.clusterId, healthy: mine.length - nBad, unhealthy: nBad + extraBad };
  });
}
