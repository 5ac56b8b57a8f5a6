/**
 * The health-check with `router: asm`: the same measured detection run as with MSE (health-check-detection),
 * the load through the mesh proxy from callers in both zones, the route carried by the team's DestinationRule
 * on the ASM control plane stand-in. A dead zone is failed over within two probe intervals plus a probe
 * timeout, in the invocation, by its locality weights; the next round fences it (its locality stays at 0);
 * once healed it is re-admitted with weight 0: no automatic failback. A blackholed and a slow zone are failed
 * over within the same bound, confirmed by MSE's service health on its HTTP check (as with MSE). Same objectives
 * as with MSE; the rounds where the quorum holds run for both routers in health-check-holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDrill } from '../../sandbox/drill/drill-env';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import {
  asmPolicy,
  SANDBOX_MESH_ID,
  TEAM_OUTLIER_DETECTION,
  trafficView,
} from '../../sandbox/drill/traffic-view';
import { destinationRuleOf } from '../../shared/config';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { ASM_KEYS } from '../../shared/gateway/asm-router';
import { assertFailover, detect, HTTP_GATEWAY_CHECK, healthCheckPolicy } from './health-check-helpers';

describe('e2e: router asm — the health-check fails a lost zone over through the DestinationRule', () => {
  it('dead at a random moment: failed over in the invocation, fenced, re-admitted at weight 0 once healed', async () => {
    const d = await startDrill({
      policy: healthCheckPolicy((p) => ({
        ...asmPolicy(SANDBOX_MESH_ID)(p),
        timing: { ...p.timing, minStableSecondsBeforeFailback: 3 },
      })),
      sandbox: { healthFallback: false, mesh: true },
    });
    const traffic = await trafficView(d);
    try {
      assert.equal(traffic.router, 'asm');
      const A = d.policy.clusters[0]!.id;
      const { namespace, name } = destinationRuleOf(d.policy.routes[0]!);
      const rule = () =>
        d.sb.mesh!.api.store.get('networking.istio.io/v1', 'DestinationRule', namespace, name);
      const fenced = () => rule()?.metadata.annotations?.[ASM_KEYS.fenced] ?? '';
      let readmitted: Record<string, number> | undefined;
      const x = await detect(d, {
        fault: 'dead',
        maxRunSeconds: 45,
        traffic,
        whileRunning: async () => {
          await waitFor(
            'the fence on the DestinationRule',
            () => fenced().split(',').includes(A) || undefined,
            20_000,
          );
          await d.sb.zones.fault(A, 'heal');
          await waitFor('the re-admission', () => (fenced() === '' ? true : undefined), 30_000);
          readmitted = traffic.weights();
        },
      });
      assertFailover(x, /ECONNREFUSED/);
      assert.deepEqual(
        x.answer.transitions.map((t) => t.decision),
        ['shift', 'fence', 'readmit'],
      );
      assert.equal(readmitted?.[A], 0, 'back in the mesh at weight 0: no automatic failback');
      const spec = rule()?.spec as { trafficPolicy?: { outlierDetection?: unknown } };
      assert.deepEqual(
        spec.trafficPolicy?.outlierDetection,
        TEAM_OUTLIER_DETECTION,
        'the team’s outlier detection kept',
      );
      // Nothing was written through MSE: the route has no canary Ingress on the Fleet.
      const canaries = d.sb.fleet.store
        .list('networking.k8s.io/v1', 'Ingress', d.policy.routes[0]!.namespace)
        .filter((i) => i.metadata.annotations?.[gatewayKeys(d.policy.gateway).canary] === 'true');
      assert.deepEqual(
        canaries.map((i) => i.metadata.name),
        [],
      );
    } finally {
      await traffic.stop();
      await d.stop();
    }
  });

  for (const [fault, evidence] of [
    ['blackhole', /timeout after/],
    ['slow', /timeout after/],
  ] as const)
    it(`${fault} at a random moment: failed over in the invocation by its locality weights`, async () => {
      const d = await startDrill({
        policy: healthCheckPolicy(asmPolicy(SANDBOX_MESH_ID)),
        sandbox: { healthFallback: false, mesh: true, gatewayHealthCheck: HTTP_GATEWAY_CHECK },
      });
      const traffic = await trafficView(d);
      try {
        assert.equal(traffic.router, 'asm');
        const x = await detect(d, { fault, maxRunSeconds: 30, traffic });
        assertFailover(x, evidence);
      } finally {
        await traffic.stop();
        await d.stop();
      }
    });
});
