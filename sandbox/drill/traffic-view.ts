/**
 * What a drill or an end-to-end scenario sends its load through and watches, for either traffic manager:
 * - `router: mse-ingress` (default): the MSE gateway stand-in, steered by fleet-dr's canary Ingresses;
 * - `router: asm`: the mesh proxy (sandbox/mesh/mesh-proxy.ts), a sidecar that routes by the route's Istio
 *   DestinationRule on the ASM control plane stand-in, as written by fleet-dr's ASM router. Callers take turns
 *   being in each zone (a sidecar knows its node's locality), so a weight holds for callers in both zones.
 * The weights it reports are those the traffic manager is configured with now, read from the stand-in's store.
 */
import type { Policy } from '../../shared/config';
import { destinationRuleOf } from '../../shared/config';
import { clusterLocalities, weightsFromDistribute } from '../../shared/gateway/asm-distribute';
import { SANDBOX_MESH_ID } from '../mesh/control-plane';
import { CALLER_LOCALITY_HEADER, type MeshProxy, startMeshProxy, zonePodEndpoints } from '../mesh/mesh-proxy';
import type { Drill } from './drill-env';
import { canaryWeightsNow, waitFor } from './drill-helpers';

/** The traffic manager a scenario drives. */
export interface TrafficView {
  /** `mse-ingress` or `asm`. */
  router: 'mse-ingress' | 'asm';
  /** Where client load goes. */
  url: string;
  /** Headers of the next request (the caller's locality, for the mesh); none for the gateway. */
  headers(): Record<string, string>;
  /** The weights the traffic manager is configured with now, per cluster (first route). */
  weights(): Record<string, number>;
  /** Re-reads its configuration now and resolves once it carries what is stored. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** The outlier detection locality load balancing needs (seed 003's values). */
export const TEAM_OUTLIER_DETECTION = { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' };

/** The ServiceMeshId of the sandbox's ASM control plane stand-in (its default), for the tests and the drill. */
export { SANDBOX_MESH_ID };

/** Whether the policy's first route is carried by ASM. */
export const routesThroughMesh = (policy: Policy) => policy.routes[0]?.router === 'asm';

/** The policy with every route carried by ASM (the sandbox's mesh id). */
export function asmPolicy(serviceMeshId: string) {
  return (p: Policy): Policy => ({
    ...p,
    asm: { serviceMeshId, privateIpAddress: false },
    routes: p.routes.map((r) => ({ ...r, router: 'asm' as const })),
  });
}

/** The MSE gateway stand-in as the traffic view. */
function gatewayView(d: Drill): TrafficView {
  return {
    router: 'mse-ingress',
    url: d.sb.gateway.url,
    headers: () => ({}),
    weights: () => canaryWeightsNow(d),
    settle: async () => {
      await d.sb.gateway.refresh();
      await waitFor('the gateway to carry the stored canaries', () => d.sb.gateway.converged(), 10_000, 50);
    },
    stop: async () => undefined,
  };
}

/**
 * The mesh as the traffic view: creates the team's DestinationRule for the first route (its host and outlier
 * detection, as it is in Git) unless it exists, and starts the mesh proxy on the zones' pods.
 */
async function meshView(d: Drill): Promise<TrafficView> {
  const mesh = d.sb.mesh;
  if (!mesh) throw new Error('router asm needs the sandbox started with mesh: true');
  const route = d.policy.routes[0]!;
  const { namespace, name } = destinationRuleOf(route);
  const host = `${route.service}.${route.namespace}.svc.cluster.local`;
  const ruleType = ['networking.istio.io/v1', 'DestinationRule', namespace, name] as const;
  if (!mesh.api.store.get(...ruleType))
    mesh.api.store.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace },
      spec: { host, trafficPolicy: { outlierDetection: TEAM_OUTLIER_DETECTION } },
    });
  const proxy: MeshProxy = await startMeshProxy({
    controlPlane: { url: mesh.api.url, token: mesh.api.adminToken },
    host,
    endpoints: zonePodEndpoints(d.sb.zones),
    pollIntervalMs: 100,
    upstreamTimeoutMs: 2_000,
  });
  const localities = clusterLocalities(d.policy);
  const callers = localities.map((c) => c.locality);
  let next = 0;
  const stored = () => mesh.api.store.get(...ruleType)?.spec as never;
  return {
    router: 'asm',
    url: proxy.url,
    headers: () => ({ [CALLER_LOCALITY_HEADER]: callers[next++ % callers.length]! }),
    weights: () => weightsFromDistribute(stored(), localities) ?? {},
    // Refreshed until it carries what is stored: fleet-dr may write the rule again meanwhile (a fence).
    settle: () =>
      waitFor(
        'the mesh proxy to carry the stored DestinationRule',
        async () => {
          await proxy.refresh();
          return JSON.stringify(proxy.rule()) === JSON.stringify(stored());
        },
        10_000,
        50,
      ).then(() => undefined),
    stop: () => proxy.stop(),
  };
}

/** The traffic view of the drill's policy: the mesh for `router: asm`, the gateway otherwise. */
export function trafficView(d: Drill): Promise<TrafficView> {
  return routesThroughMesh(d.policy) ? meshView(d) : Promise.resolve(gatewayView(d));
}
