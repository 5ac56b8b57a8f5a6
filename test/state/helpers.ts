/** Builds the real writer and routing store over a fixture (Fleet via adcp kubeconfig, members via ACK). */
import { createAckClient } from '../../shared/clients/ack-client';
import { createFleetClient } from '../../shared/clients/fleet-client';
import type { KubeClient } from '../../shared/clients/kube-client';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { RoutingStore } from '../../shared/state/routing-store';
import { FAST, type Fixture } from '../clients/fixture';

/** The Fleet's KubeClient, the weight writer and the routing store over a fixture. */
export async function wire(
  fx: Fixture,
): Promise<{ fleet: KubeClient; writer: IngressWeightWriter; store: RoutingStore }> {
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
    fleet,
    member,
    clusters: fx.policy.clusters,
    keys: gatewayKeys(fx.policy.gateway),
  });
  return { fleet, writer, store: new RoutingStore(fleet, fx.policy, writer) };
}
