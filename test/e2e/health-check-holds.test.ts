// The health-check where the quorum decides: an agent partition holds; a zone answering half its requests
// with 5xx, seen by the probes alone, holds `unconfirmed` under the default quorum and fails over once its
// failure share crosses the threshold where the policy lets the probes act alone; two overlapping ticks (a
// slow invocation and the next minute's) give one transition and one failover message. Run once per router:
// the MSE canary Ingresses, and `router: asm` (the team's DestinationRule, the load through the mesh proxy).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { sleep, waitFor, warmUp } from '../../sandbox/drill/drill-helpers';
import { startLoad } from '../../sandbox/drill/load';
import { asmPolicy, SANDBOX_MESH_ID, type TrafficView, trafficView } from '../../sandbox/drill/traffic-view';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import {
  healthCheckPolicy,
  P_SECONDS,
  probePoints,
  routingState,
  runHealthCheck,
} from './health-check-helpers';

const ROUTERS = ['mse-ingress', 'asm'] as const;

for (const router of ROUTERS)
  describe(`e2e: health-check rounds where the quorum decides (router ${router})`, () => {
    let d: Drill;
    let traffic: TrafficView;
    let A: string;
    let B: string;
    before(async () => {
      d = await startDrill(
        router === 'asm'
          ? {
              policy: healthCheckPolicy(asmPolicy(SANDBOX_MESH_ID)),
              sandbox: { healthFallback: false, mesh: true },
            }
          : { policy: healthCheckPolicy(), sandbox: { healthFallback: false } },
      );
      traffic = await trafficView(d);
      assert.equal(traffic.router, router);
      [A, B] = d.policy.clusters.map((c) => c.id) as [string, string];
      // Warm instances (a run too short for any round): each measured run counts from its timer, cold start included.
      await Promise.all([warmUp(d), runHealthCheck(d.invoker, 1)]);
    });
    after(async () => {
      await traffic?.stop();
      await d?.stop();
    });

    it('holds an agent partition: the registered cluster disconnected while its probes pass', async () => {
      await d.sb.zones.fault(B, 'agent-partition');
      const a = await runHealthCheck(d.invoker, 14);
      await d.sb.zones.fault(B, 'heal');
      assert.deepEqual(a.transitions, []);
      assert.ok(a.rounds.length >= 2, `${a.rounds.length} rounds`);
      assert.ok(
        a.rounds.every((r) => r.decision === 'hold' && r.rule === 'agent-partition'),
        JSON.stringify(a.rounds.map((r) => r.rule)),
      );
      assert.ok(a.rounds.every((r) => r.clusters[B]?.ok === true && r.clusters[A]?.ok === true));
      assert.equal(routingState(d)?.mode, 'normal');
      assert.equal(routingState(d)?.governsSplit, false, 'a hold never takes over the gateway’s split');
      assert.deepEqual(traffic.weights(), {}, `nothing written through ${router}`);
    });

    it('holds a zone that answers half its requests with 5xx while only the probes see it (default quorum)', async () => {
      await d.sb.zones.fault(A, 'errors');
      const a = await runHealthCheck(d.invoker, 16);
      await d.sb.zones.fault(A, 'heal');
      assert.deepEqual(a.transitions, []);
      const failing = a.rounds.filter((r) => r.clusters[A]?.ok === false);
      assert.ok(failing.length >= 2, JSON.stringify(a.rounds.map((r) => r.clusters[A])));
      for (const r of failing) assert.deepEqual(Object.keys(r.clusters[A]!.failures ?? {}), ['HTTP 503']);
      assert.ok(
        a.rounds.some((r) => r.rule === 'unconfirmed'),
        JSON.stringify(a.rounds.map((r) => r.rule)),
      );
      assert.equal(routingState(d)?.mode, 'normal');
      assert.deepEqual(traffic.weights(), {}, `nothing written through ${router}`);
    });

    it('fails it over once the share crosses the threshold where the probes may act alone; two overlapping ticks give one transition', async () => {
      const inv = d.invokerWith({
        policy: (p) => ({ ...p, detection: { ...p.detection, confirmationsRequired: 0 } }),
      });
      // Two warm instances: the slow tick and the next one run side by side.
      await Promise.all([runHealthCheck(inv, 1), runHealthCheck(inv, 1)]);
      const load = startLoad(traffic.url, { concurrency: 4, timeoutMs: 3_000, headers: traffic.headers });
      try {
        const started = Date.now();
        // The slow tick, then the next one half an interval later, on another instance: both run at once.
        const first = runHealthCheck(inv, 30);
        first.catch(() => undefined);
        await waitFor('the first tick’s first round', () => probePoints(d, A, started).length >= 1, 90_000);
        const second = runHealthCheck(inv, 26);
        second.catch(() => undefined);
        await waitFor('rounds of both ticks', () => probePoints(d, A, started).length >= 4, 90_000);
        await sleep(Math.random() * P_SECONDS * 1000);
        const faultAt = Date.now();
        await d.sb.zones.fault(A, 'errors');
        const state = await waitFor(
          'the failover commit',
          () => {
            const s = routingState(d);
            return s?.mode === 'failed-over' && s.lastTransition ? s : undefined;
          },
          60_000,
        );
        const decidedMs = Date.parse(state.lastTransition!.at) - faultAt;
        const [a1, a2] = await Promise.all([first, second]);
        const shifts = [...a1.transitions, ...a2.transitions].filter((t) => t.decision === 'shift');
        console.log(
          `health-check errors on ${A} (50% 5xx, threshold ${d.policy.detection.probeFailureShare}): decided ${decidedMs} ms after the fault; ticks: ${a1.rounds.length} and ${a2.rounds.length} rounds, ${shifts.length} shift`,
        );
        assert.equal(shifts.length, 1, JSON.stringify([a1.transitions, a2.transitions]));
        assert.match(
          shifts[0]!.reason,
          new RegExp(`fail over from ${A}: ${A}: down \\(an alarm on the fleet-dr probe metric`),
        );
        // The failing rounds that led to it: shares at or above the threshold.
        const crossing = [...a1.rounds, ...a2.rounds].filter((r) => r.clusters[A]?.ok === false);
        assert.ok(crossing.length >= 2);
        for (const r of crossing)
          assert.ok((r.clusters[A]!.share ?? 0) >= d.policy.detection.probeFailureShare, JSON.stringify(r));
        assert.equal(state.incident?.failedCluster, A);
        // One failover message reaches DingTalk (the fence that follows joins the same incident's message).
        const failovers = await waitFor('the failover message', () => {
          const m = d.sb.cloud.dingtalk
            .messages(SANDBOX_DINGTALK.accessToken)
            .filter((x) => JSON.stringify(x.body).includes(`failed over from ${A}`));
          return m.length > 0 ? m : undefined;
        });
        assert.equal(failovers.length, 1, 'one failover message');
        assert.equal(routingState(d)?.lastTransition?.at, state.lastTransition?.at, 'one transition');
        // Written through the router the route names: its weights moved off the failing zone.
        await waitFor(`the ${router} weights`, () => traffic.weights()[A] === 0 || undefined, 20_000);
        assert.deepEqual(traffic.weights(), { [A]: 0, [B]: 100 });
        // One audit record of the shift. Two overlapping finishers may both write it (audit is at-least-once,
        // README "Architecture"); each copy carries the record id, so readers count it once.
        const shiftAudits = d.sb.cloud.cms
          .customEvents()
          .map((e) => JSON.parse(e.content) as { decision?: string; record?: string })
          .filter((e) => e.decision === 'shift');
        assert.equal(new Set(shiftAudits.map((e) => e.record)).size, 1);
      } finally {
        await load.stop();
      }
    });
  });
