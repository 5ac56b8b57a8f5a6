/** Builds the real writer and routing store over a fixture (Fleet via adcp kubeconfig, members via ACK). */
import { createAckClient } from '../../shared/clients/ack-client';
import { createFleetClient } from '../../shared/clients/fleet-client';
import type { KubeClient } from '../../shared/clients/kube-client';
import type { Policy } from '../../shared/config';
import type { RoutingState } from '../../shared/decision/routing-state';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { GatewayMembership } from '../../shared/gateway/membership';
import { MseIngressRouter } from '../../shared/gateway/mse-ingress-router';
import type { TrafficRouter } from '../../shared/gateway/router';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { applyWeights } from '../../shared/pipeline/finish-committed';
import type { CommitOptions, CommitResult } from '../../shared/state/config-map-document';
import { RoutingStore } from '../../shared/state/routing-store';
import { FAST, type Fixture } from '../clients/fixture';

/** The Fleet's KubeClient, the weight writer, the router and the routing store over a fixture. */
export async function wire(fx: Fixture): Promise<{
  fleet: KubeClient;
  writer: IngressWeightWriter;
  router: MseIngressRouter;
  store: RoutingStore;
}> {
  const common = {
    region: fx.policy.region,
    credentials: fx.credentials,
    overrides: fx.overrides,
    limits: FAST,
  };
  const fleet = await createFleetClient({ ...common, fleetId: fx.policy.fleet.id }).kube();
  const ack = createAckClient(common);
  const members = new Map<string, Promise<KubeClient>>();
  const member = (id: string) => {
    if (!members.has(id)) members.set(id, ack.memberKube(id));
    return members.get(id)!;
  };
  const writer = new IngressWeightWriter({
    fleetKube: fleet,
    memberKube: member,
    clusters: fx.policy.clusters,
    keys: gatewayKeys(fx.policy.gateway),
  });
  const membership = new GatewayMembership(
    fleet,
    fx.policy.fleet.mseIngressConfig,
    fx.policy.gateway.remoteClustersAnnotation,
  );
  const router = new MseIngressRouter(writer, membership);
  return { fleet, writer, router, store: new RoutingStore(fleet, fx.policy) };
}

/**
 * What the pipeline does with a state change, without the decision: commit it (marking the split as governed
 * when the weights change, as decide() does), then write the weights of the routes that changed.
 */
export async function commitAndApply(
  o: { store: RoutingStore; router: TrafficRouter; policy: Policy },
  change: (s: RoutingState) => RoutingState | undefined,
  opts: CommitOptions & { afterCommit?: () => void } = {},
): Promise<CommitResult<RoutingState> & { applied: string[] }> {
  let before: RoutingState | undefined;
  const r = await o.store.commit((cur) => {
    before = cur;
    const next = change(cur);
    if (!next) return undefined;
    const moved = JSON.stringify(next.weights) !== JSON.stringify(cur.weights);
    return { ...next, governsSplit: cur.governsSplit || moved };
  }, opts);
  if (!r.committed) return { ...r, applied: [] };
  opts.afterCommit?.();
  const changed = o.policy.routes
    .map((x) => x.name)
    .filter((n) => JSON.stringify(before?.weights[n]) !== JSON.stringify(r.value.weights[n]));
  const applied = await applyWeights(o, r.value, changed);
  return { ...r, applied };
}
