/**
 * health-check (deployed as fleet-dr-health-check): an FC timer every minute. Within one invocation it probes
 * every cluster every `detection.probeIntervalSeconds` until shortly before the function's timeout (rounds.ts),
 * publishes each round's success ratio and latency per cluster to CloudMonitor (one batched PutCustomMetric),
 * and runs the decision pipeline on each round (Trigger `probe-round`): a zone the quorum agrees is down is
 * failed over within the invocation, without waiting for a CloudMonitor alarm period. Answers
 * `{ rounds, transitions, metrics, stopped, … }`. Invoked with `{"mode":"preflight"}` (by `fleet-dr preflight`), it
 * only probes each probe once and answers the results (preflight-mode.ts).
 */
import { FleetDrError } from '../../shared/errors';
import { roundMetrics } from '../../shared/observe/probe-metrics';
import { runProbeRound } from '../../shared/observe/probe-round';
import { runDecision } from '../../shared/pipeline/run-decision';
import { createHandler, deployedName, ok, refuse } from '../../shared/runtime/handler-shell';
import { answerPreflight, modeOf } from './preflight-mode';
import { type RoundsReport, runRounds } from './rounds';
import { readSettings } from './settings';

/** Every round's decision failed: the invocation failed (FC's error metrics and logs show it). */
export class HealthCheckError extends FleetDrError {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** FC's `context.function.timeout` (seconds), when the context carries it. */
function timeoutOf(context: unknown): number | undefined {
  const t = (context as { function?: { timeout?: unknown } } | undefined)?.function?.timeout;
  return typeof t === 'number' && t > 0 ? t : undefined;
}

/** The FC 3.0 handler. */
export const handler = createHandler({
  fn: 'health-check',
  moduleUrl: import.meta.url,
  async run(inv) {
    const startedAt = Date.now();
    const { policy, env, log } = inv;
    const mode = modeOf(inv.input);
    if (mode.kind === 'reject') return refuse(400, mode.error);
    // fleet-dr preflight asks the probes from here: probe once, answer; no decision, no write, no metric.
    if (mode.kind === 'preflight') return ok(await answerPreflight(inv));
    const read = readSettings({
      input: inv.input,
      policy,
      env,
      timeoutSeconds: timeoutOf(inv.context),
      startedAt,
    });
    if (read.kind === 'reject') return refuse(400, read.error);
    const s = read.settings;
    const w = inv.wiring();
    const notifyFunction = env.FLEET_DR_NOTIFY_FUNCTION ?? deployedName('notify');
    const report: RoundsReport = await runRounds(
      {
        policy,
        log,
        now: Date.now,
        sleep,
        probe: (deadline) =>
          runProbeRound(policy.clusters, {
            concurrency: s.concurrency,
            requestsPerCluster: s.requestsPerCluster,
            failureShare: policy.detection.probeFailureShare,
            env,
            deadline,
          }),
        decide: (readings) =>
          runDecision({
            wiring: w,
            trigger: { kind: 'probe-round' },
            log,
            notifyFunction,
            probeReadings: readings,
            // A member API lost with its zone may hang: read it no longer than the probes take.
            memberReadTimeoutMs: s.probeTimeoutMs,
          }),
        publish: (rounds) => w.cms.putMetricsBatched(roundMetrics(policy, rounds, Date.now())),
      },
      { endAt: s.endAt, intervalMs: s.intervalMs, probeTimeoutMs: s.probeTimeoutMs },
    );
    log.info('health-check done', {
      rounds: report.rounds.length,
      transitions: report.transitions.length,
      metrics: report.metrics.published,
      stopped: report.stopped,
    });
    if (report.rounds.length > 0 && report.failedDecisions === report.rounds.length)
      throw new HealthCheckError(
        `every round's decision failed (${report.rounds.length}); last: ${report.rounds.at(-1)?.errors?.at(-1) ?? 'unknown'}`,
      );
    return ok({
      startedAt: new Date(startedAt).toISOString(),
      intervalSeconds: policy.detection.probeIntervalSeconds,
      ...report,
    });
  },
});
