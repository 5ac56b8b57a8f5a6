/**
 * E2E helpers for the health-check: a drill policy with its timers (probe interval P, probe timeout T), the
 * timer event, the committed routing state, and one measured detection run: client load through the gateway,
 * the health-check running, a zone fault at a random moment, and the time from the fault to the decision,
 * to the canaries and to the load's last failure. Every wait is on a signal of the sandbox (a metric point,
 * the committed state, the canaries, the gateway's applied config, the load's own samples).
 */

import assert from 'node:assert/strict';
import type { RoundsReport } from '../../functions/health-check/rounds';
import type { Drill } from '../../sandbox/drill/drill-env';
import { committedRoutingState, sleep, waitFor } from '../../sandbox/drill/drill-helpers';
import { failuresOf, whyFailed } from '../../sandbox/drill/drill-measure';
import { describeStalls, watchStalls } from '../../sandbox/drill/host-stalls';
import { type LoadSample, startLoad } from '../../sandbox/drill/load';
import { type TrafficView, trafficView } from '../../sandbox/drill/traffic-view';
import type { LocalInvoker } from '../../sandbox/invoker/index';
import type { ZoneFault } from '../../sandbox/world';
import type { Policy } from '../../shared/config';
import type { RoutingState } from '../../shared/decision/routing-state';

/** The probe interval of the health-check drills, seconds. */
export const P_SECONDS = 2.5;
/** The probe timeout of the health-check drills: well above a healthy answer on a busy 2-core machine. */
export const T_MS = 1_200;
/** The detection bound the issue sets: two probe intervals plus one probe timeout. */
export const BOUND_MS = 2 * P_SECONDS * 1000 + T_MS;

/**
 * The gateway's active check switched to HTTP (MSE `UpdateGatewayServiceCheck`: Protocol HTTP, HttpPath, Timeout,
 * Interval, thresholds), its timeout well below the probe interval: then MSE's service health is an independent
 * source that sees a zone that accepts connections but does not answer in time. With MSE's default TCP check
 * (the sandbox's default too), a slow zone passes, and a blackholed one fails only after the check's own timeout.
 */
export const HTTP_GATEWAY_CHECK = {
  protocol: 'HTTP' as const,
  httpPath: '/healthz',
  expectedStatuses: [200],
  intervalMs: 500,
  timeoutMs: 400,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};

/** The drill policy with the health-check's timers (and any further edit). */
export function healthCheckPolicy(edit: (p: Policy) => Policy = (p) => p) {
  return (p: Policy): Policy =>
    edit({
      ...p,
      clusters: p.clusters.map((c) => ({ ...c, probes: c.probes.map((x) => ({ ...x, timeoutMs: T_MS })) })),
      detection: { ...p.detection, probeIntervalSeconds: P_SECONDS },
    });
}

/** The FC timer event, its payload shortening the run to `maxRunSeconds`. */
export const timerEvent = (maxRunSeconds: number) => ({
  triggerTime: new Date().toISOString(),
  triggerName: 'health-check',
  payload: JSON.stringify({ maxRunSeconds }),
});

/** The health-check's answer. */
export type HealthCheckAnswer = RoundsReport & { startedAt: string; intervalSeconds: number };

/** Invokes the health-check and decodes its answer (an invocation error fails the test). */
export async function runHealthCheck(inv: LocalInvoker, maxRunSeconds: number): Promise<HealthCheckAnswer> {
  const r = await inv.invoke('fleet-dr-health-check', timerEvent(maxRunSeconds));
  if (r.error) throw new Error(`health-check failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  const body = JSON.parse(r.payload.toString('utf8')) as HealthCheckAnswer & { error?: string };
  if (body.error) throw new Error(`health-check refused: ${body.error}`);
  return body;
}

/** The committed routing state (undefined before the first commit), read as the drill reads it. */
export const routingState = (d: Drill): RoutingState | undefined => committedRoutingState(d);

/** Success-ratio points the health-check has published for a cluster since `since`. */
export function probePoints(d: Drill, clusterId: string, since = 0) {
  const name = d.policy.detection.probeMetricNames[0];
  return d.sb.cloud.cms
    .metrics()
    .filter((m) => m.metricName === name && m.dimensions.clusterId === clusterId && m.timestamp >= since);
}

/** What one detection run measured. */
export interface Detection {
  fault: ZoneFault;
  failed: string;
  healthy: string;
  /** ms from the fault to the committed decision (its lastTransition time). */
  decidedMs: number;
  /** ms from the fault until the canaries on the Fleet carried the new weights. */
  canariesMs: number;
  /** ms from the fault to the start of the load's last failed request (0: none failed). */
  lastFailureMs: number;
  state: RoutingState;
  weights: Record<string, number>;
  answer: HealthCheckAnswer;
  /**
   * The load's requests before the fault, while it moved and after; `afterFailures` counts the failures after
   * the move, but not a timeout that ended as the test's own process came back from a stall (host-stalls.ts,
   * the drill's rule), and `afterWhy` says what failed, when, and what the host did.
   */
  load: {
    before: number;
    during: number;
    after: number;
    afterFailures: number;
    afterWhy: string;
  };
}

/**
 * Runs the health-check with load running, waits for two rounds, puts `failed`'s zone in `fault` at a random
 * moment of the next interval, and measures until the traffic has moved. `whileRunning` runs after the
 * failover, while the invocation still runs (e.g. waiting for a CloudMonitor alarm on its metrics).
 */
export async function detect(
  d: Drill,
  o: {
    fault: ZoneFault;
    failed?: string;
    maxRunSeconds: number;
    invoker?: LocalInvoker;
    whileRunning?: () => Promise<void>;
    /** The traffic manager the load goes through and whose weights are watched; default the MSE gateway. */
    traffic?: TrafficView;
  },
): Promise<Detection> {
  const ids = d.policy.clusters.map((c) => c.id);
  const failed = o.failed ?? ids[0]!;
  const healthy = ids.find((id) => id !== failed)!;
  const traffic = o.traffic ?? (await trafficView(d));
  const load = startLoad(traffic.url, { concurrency: 4, timeoutMs: 3_000, headers: traffic.headers });
  const host = watchStalls();
  try {
    // A warm instance first (a run too short for any round): the measured run counts its time from the timer,
    // cold start included, and should spend it on rounds.
    await runHealthCheck(o.invoker ?? d.invoker, 1);
    const started = Date.now();
    const run = runHealthCheck(o.invoker ?? d.invoker, o.maxRunSeconds);
    run.catch(() => undefined);
    // Two rounds of healthy evidence first (the first invocation includes the instance's cold start).
    await waitFor('two health-check rounds', () => probePoints(d, failed, started).length >= 2, 90_000);
    // A random moment within the next probe interval.
    await sleep(Math.random() * P_SECONDS * 1000);
    const faultAt = Date.now();
    await d.sb.zones.fault(failed, o.fault);
    const state = await waitFor(
      'the failover commit',
      () => {
        const s = routingState(d);
        return s?.mode === 'failed-over' && s.lastTransition ? s : undefined;
      },
      BOUND_MS + 20_000,
    ).catch(async (err: Error) => {
      // Say what the rounds saw: the invocation's answer once it ends.
      const a = await run.catch((e: Error) => ({ error: e.message }));
      throw new Error(
        `${err.message}; fault at ${new Date(faultAt).toISOString()}; health-check: ${brief(a)}`,
      );
    });
    await waitFor(
      `the ${traffic.router} weights`,
      () => traffic.weights()[failed] === 0 || undefined,
      20_000,
    );
    const canariesMs = Date.now() - faultAt;
    await traffic.settle();
    const settledFrom = Date.now();
    await waitFor(
      'requests after the move',
      () => load.samples.filter((s) => s.start >= settledFrom).length >= 20,
      30_000,
    );
    await o.whileRunning?.();
    const answer = await run;
    const samples = (await load.stop()).sort((a, b) => a.start - b.start);
    const failures = samples.filter((s) => !s.ok);
    const lastFailure = failures.length ? Math.max(...failures.map((s) => s.start)) : faultAt;
    const after = samples.filter((s: LoadSample) => s.start >= settledFrom);
    const stalls = host.stop();
    const afterFailed = failuresOf(after, stalls);
    return {
      fault: o.fault,
      failed,
      healthy,
      decidedMs: Date.parse(state.lastTransition!.at) - faultAt,
      canariesMs,
      lastFailureMs: Math.max(0, lastFailure - faultAt),
      state,
      weights: traffic.weights(),
      answer,
      load: {
        before: samples.filter((s) => s.end < faultAt).length,
        during: samples.filter((s) => s.end >= faultAt && s.start < settledFrom).length,
        after: after.length,
        afterFailures: afterFailed.counted.length,
        afterWhy: `${whyFailed(afterFailed.counted, faultAt)}${afterFailed.byHost ? ` ${afterFailed.byHost} timed out as the host stalled (not counted)` : ''}; host stalls: ${describeStalls(stalls)}`,
      },
    };
  } finally {
    host.stop();
    await load.stop();
    if (!o.traffic) await traffic.stop();
  }
}

/** One line for the test output: the measured detection times against the bound. */
export function report(x: Detection): string {
  return `health-check ${x.fault} on ${x.failed}: decided ${x.decidedMs} ms after the fault (bound 2P+T = ${BOUND_MS} ms, P ${P_SECONDS * 1000} ms, T ${T_MS} ms); canaries ${x.canariesMs} ms; load's last failure began ${x.lastFailureMs} ms after the fault; after the move: ${x.load.afterFailures} failed${x.load.afterWhy}`;
}

/** The rounds of an answer, one short line each, for a failure message. */
function brief(a: HealthCheckAnswer | { error: string }): string {
  if ('error' in a) return a.error;
  return a.rounds
    .map(
      (r) =>
        `${r.at} ${r.decision}${r.rule ? `/${r.rule}` : ''} ${JSON.stringify(r.clusters)}${r.errors ? ` ${r.errors.join('; ')}` : ''} ${r.reason ?? ''}`,
    )
    .join('\n');
}

/** What every detection must show: one failover, within the bound, by the health-check, and the load healed. */
export function assertFailover(x: Detection, evidence: RegExp) {
  console.log(report(x));
  assert.ok(
    x.decidedMs <= BOUND_MS,
    `decided ${x.decidedMs} ms after the fault; the bound is ${BOUND_MS} ms`,
  );
  const shifts = x.answer.transitions.filter((t) => t.decision === 'shift');
  assert.equal(shifts.length, 1, JSON.stringify(x.answer.transitions));
  assert.match(
    shifts[0]!.reason,
    new RegExp(
      `fail over from ${x.failed}: ${x.failed}: down \\(an alarm on the fleet-dr probe metric, confirmed by gatewayHealth`,
    ),
  );
  assert.deepEqual(x.weights, { [x.failed]: 0, [x.healthy]: 100 });
  assert.equal(x.state.incident?.failedCluster, x.failed);
  const failing = x.answer.rounds.filter((r) => r.clusters[x.failed]?.ok === false);
  assert.ok(failing.length >= 2, 'at least two failing rounds');
  // The fault's signature in the failing rounds (a round the fault struck mid-way may show only timeouts).
  const kinds = failing.flatMap((r) => Object.keys(r.clusters[x.failed]!.failures ?? {}));
  assert.ok(
    kinds.some((k) => evidence.test(k)),
    `no failing round shows ${evidence}: ${JSON.stringify(failing.map((r) => r.clusters[x.failed]))}`,
  );
  assert.ok(
    x.answer.rounds.every((r) => r.clusters[x.healthy]?.sent),
    'every round probed the healthy zone too',
  );
  assert.ok(x.load.before > 0 && x.load.after >= 20, JSON.stringify(x.load));
  assert.equal(
    x.load.afterFailures,
    0,
    `no failure once the gateway applied the new weights:${x.load.afterWhy} (times from the fault)`,
  );
}
