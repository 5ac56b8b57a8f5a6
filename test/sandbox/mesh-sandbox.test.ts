/**
 * Contract: `startSandbox({ mesh: true })` adds the ASM control plane and the servicemesh product, and the mesh
 * proxy routes to the zones' demo pods by a DestinationRule applied with the official Kubernetes client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MeshProxy, zonePodEndpoints } from '../../sandbox/mesh/mesh-proxy';
import { type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { HOST, proxyFor, ruleClient, sendAs } from './mesh-helpers';

describe('mesh in the sandbox (opt-in)', () => {
  let sb: Sandbox;
  let proxy: MeshProxy;

  before(async () => {
    sb = await startSandbox({ mesh: true, readinessLagMs: 60_000, propagationDelayMs: 150 });
    proxy = await proxyFor(sb.mesh!, HOST, zonePodEndpoints(sb.zones), 11);
  });
  after(async () => {
    await proxy?.stop();
    await sb?.stop();
  });

  it('starts the control plane and the servicemesh listener only when asked', () => {
    assert.ok(sb.mesh);
    assert.ok(sb.cloud.servicemesh);
  });

  it("routes a caller's requests to the zones' pods by the rule's distribute weights", async () => {
    const [az1, az2] = sb.policy.clusters;
    const zoneOf = (id: string) => sb.world.cluster(id)!;
    const from = zoneOf(az1!.id);
    const to = zoneOf(az2!.id);
    await ruleClient(sb.mesh!.kubeconfig()).create('web-demo', 'web-demo', {
      host: HOST,
      trafficPolicy: {
        loadBalancer: {
          localityLbSetting: {
            distribute: [
              { from: `${from.regionId}/${from.zone}/*`, to: { [`${to.regionId}/${to.zone}/*`]: 100 } },
            ],
          },
        },
      },
    });
    await proxy.refresh();
    const ids = await sendAs(proxy, { region: from.regionId, zone: from.zone }, 200, 8);
    assert.ok(
      ids.every((id) => id.startsWith(`${to.id}/`)),
      ids.find((id) => !id.startsWith(`${to.id}/`)),
    );
  });
});
