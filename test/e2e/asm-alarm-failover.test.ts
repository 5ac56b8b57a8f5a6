/**
 * The alarm path with `router: asm`: the same functions on their real triggers, the route carried by the
 * team's Istio DestinationRule on the ASM control plane stand-in instead of MSE canary Ingresses. A blackholed
 * zone's alarm, confirmed by the probes, is failed over by writing `localityLbSetting.distribute` (through the
 * servicemesh kubeconfig, RAM-granted by deploy/ram-policy-asm.json), and the mesh then sends callers in both
 * zones to the healthy one. The next alarm fences the zone (its locality stays at 0); then an alarm changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { asmPolicy, SANDBOX_MESH_ID } from '../../sandbox/drill/traffic-view';
import { type MeshProxy, zonePodEndpoints } from '../../sandbox/mesh/mesh-proxy';
import { clusterLocalities, weightsFromDistribute } from '../../shared/gateway/asm-distribute';
import { ASM_KEYS } from '../../shared/gateway/asm-router';
import { verdictsUp } from '../reliability/reliability-helpers';
import { proxyFor, ruleClient, sendAs } from '../sandbox/mesh-helpers';
import { alarmForm, invokeCallback } from './helpers';

describe('e2e: router asm — an alarm fails a blackholed zone over through the DestinationRule', () => {
  let d: Drill;
  let proxy: MeshProxy;
  let host: string;
  let rules: ReturnType<typeof ruleClient>;
  const rule = () => rules.get(d.policy.routes[0]!.namespace, d.policy.routes[0]!.service);

  before(async () => {
    d = await startDrill({ sandbox: { mesh: true }, policy: asmPolicy(SANDBOX_MESH_ID) });
    assert.equal(d.sb.mesh?.serviceMeshId, SANDBOX_MESH_ID);
    const route = d.policy.routes[0]!;
    host = `${route.service}.${route.namespace}.svc.cluster.local`;
    rules = ruleClient(d.sb.mesh!.kubeconfig());
    // The team's rule, as it is in Git: the host and the outlier detection locality load balancing needs.
    await rules.create(route.namespace, route.service, {
      host,
      trafficPolicy: {
        outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' },
      },
    });
    proxy = await proxyFor(d.sb.mesh!, host, zonePodEndpoints(d.sb.zones), 3);
  });
  after(async () => {
    await proxy?.stop();
    await d?.stop();
  });

  it('fails the zone over by its locality weights, and callers in both zones reach only the healthy one', async () => {
    const [A, B] = d.policy.clusters.map((c) => c.id) as [string, string];
    await waitFor('both clusters to read up', async () => {
      const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(B, 'OK'));
      assert.equal(r.body.decision, 'hold', r.body.reason);
      return verdictsUp(d, [A, B]) || undefined;
    });
    const untouched = await rule();
    await d.sb.zones.fault(A, 'blackhole');
    const failover = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT'));
    assert.equal(failover.body.decision, 'shift', failover.body.reason);
    const written = await waitFor('the DestinationRule to carry the failover', async () => {
      const r = await rule();
      return r.metadata.resourceVersion !== untouched.metadata.resourceVersion ? r : undefined;
    });
    const lb = (written.spec.trafficPolicy as { loadBalancer?: { localityLbSetting?: unknown } })
      .loadBalancer;
    assert.deepEqual(
      weightsFromDistribute(written.spec as never, clusterLocalities(d.policy)),
      { [A]: 0, [B]: 100 },
      JSON.stringify(lb),
    );
    assert.deepEqual(
      (written.spec.trafficPolicy as { outlierDetection?: unknown }).outlierDetection,
      { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' },
      'the team’s outlier detection is kept',
    );
    await proxy.refresh();
    for (const c of d.policy.clusters) {
      const zone = d.sb.world.cluster(c.id)!;
      const ids = await sendAs(proxy, { region: zone.regionId, zone: zone.zone }, 100, 8);
      assert.ok(
        ids.every((id) => id.startsWith(`${B}/`)),
        `a caller in ${zone.zone} reached ${ids.find((id) => !id.startsWith(`${B}/`))}`,
      );
    }
    // The next alarm fences the down zone (as on MSE): its locality stays at 0, fenced in fleet-dr's bookkeeping.
    const fence = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT'));
    assert.equal(fence.body.decision, 'fence', fence.body.reason);
    const fenced = await waitFor('the fence on the DestinationRule', async () => {
      const r = await rule();
      return r.metadata.annotations?.[ASM_KEYS.fenced] === A ? r : undefined;
    });
    assert.deepEqual(weightsFromDistribute(fenced.spec as never, clusterLocalities(d.policy)), {
      [A]: 0,
      [B]: 100,
    });
    // Then an alarm changes nothing.
    const again = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT'));
    assert.equal(again.body.decision, 'hold', again.body.reason);
    assert.equal(
      (await rule()).metadata.resourceVersion,
      fenced.metadata.resourceVersion,
      'nothing rewritten',
    );
  });
});
