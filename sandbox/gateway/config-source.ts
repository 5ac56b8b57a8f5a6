/**
 * Reads the gateway's inputs over the real Kubernetes HTTP API (as MSE does): the Fleet's Ingresses and
 * MseIngressConfigs, and each member cluster's EndpointSlices, Pods and Nodes. Plain list calls with a bearer token.
 */
import type { KubeObject } from '../kubernetes/types';
import { endpointsFromObjects, type GatewayEndpoint } from './endpoints';

/** Where an API server is and the token to read it with. */
export interface KubeAccess {
  url: string;
  token: string;
}

/** What the Fleet says (subject to the propagation delay). */
export interface FleetConfig {
  ingresses: KubeObject[];
  mseIngressConfig?: KubeObject;
}

/** A failed list call (the poll keeps the last good view). */
export class GatewaySourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewaySourceError';
  }
}

async function list(access: KubeAccess, path: string, signal?: AbortSignal): Promise<KubeObject[]> {
  const res = await fetch(`${access.url}${path}`, {
    headers: { authorization: `Bearer ${access.token}` },
    signal,
  });
  if (!res.ok) throw new GatewaySourceError(`GET ${path}: HTTP ${res.status}`);
  const body = (await res.json()) as { items?: KubeObject[] };
  return body.items ?? [];
}

/** Reads the Fleet's Ingresses and the named MseIngressConfig. */
export async function readFleetConfig(
  fleet: KubeAccess,
  mseIngressConfig: string,
  signal?: AbortSignal,
): Promise<FleetConfig> {
  const [ingresses, configs] = await Promise.all([
    list(fleet, '/apis/networking.k8s.io/v1/ingresses', signal),
    list(fleet, '/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs', signal),
  ]);
  return { ingresses, mseIngressConfig: configs.find((c) => c.metadata.name === mseIngressConfig) };
}

/**
 * Deadline of one member list call: a member API server that hangs (its zone blackholed) must not stall the
 * poll, which also carries the Fleet's config (the canary weights that move traffic away from that zone).
 */
const MEMBER_READ_TIMEOUT_MS = 1000;

/** Reads every member cluster's endpoints; a cluster whose API fails keeps its last known endpoints. */
export async function readEndpoints(
  members: Map<string, KubeAccess>,
  last: Map<string, GatewayEndpoint[]>,
  signal?: AbortSignal,
): Promise<Map<string, GatewayEndpoint[]>> {
  const out = new Map<string, GatewayEndpoint[]>();
  await Promise.all(
    [...members].map(async ([cluster, access]) => {
      const deadline = AbortSignal.timeout(MEMBER_READ_TIMEOUT_MS);
      const sig = signal ? AbortSignal.any([signal, deadline]) : deadline;
      try {
        const [slices, pods, nodes] = await Promise.all([
          list(access, '/apis/discovery.k8s.io/v1/endpointslices', sig),
          list(access, '/api/v1/pods', sig),
          list(access, '/api/v1/nodes', sig),
        ]);
        out.set(cluster, endpointsFromObjects(cluster, slices, pods, nodes));
      } catch {
        // Like a gateway that lost its watch on a member's API server: keep serving the last known view.
        out.set(cluster, last.get(cluster) ?? []);
      }
    }),
  );
  return out;
}
