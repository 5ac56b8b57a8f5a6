/**
 * The health-check's rounds within one invocation: a round every `detection.probeIntervalSeconds` until
 * shortly before the function's timeout. Each round probes every cluster (bounded concurrency, each request
 * bounded by its probe's timeout), publishes the round's metrics, and runs the decision pipeline on it; the
 * decision reads the other sources while the probes are still in flight, so it is taken as soon as the
 * probes end. No round starts that could not end, decision included, before `endAt`; so nothing a round
 * starts outlives the invocation.
 */
import type { MetricsReport } from '../../shared/clients/cms-client';
import type { Policy } from '../../shared/config';
import type { Logger } from '../../shared/log';
import type { ProbeReadings } from '../../shared/observe/gather';
import type { ClusterRound } from '../../shared/observe/probe-round';
import { ProbeWindow } from '../../shared/observe/probe-window';
import type { DecisionAnswer } from '../../shared/pipeline/answer';

/** What the rounds need: each outside effect is a function, so the schedule can be tested on its own. */
export interface RoundDeps {
  policy: Policy;
  log: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** One probe round; no request may start that could not end by `deadline`. */
  probe: (deadline: number) => Promise<ClusterRound[]>;
  /** The decision pipeline on a round's readings (a promise: they arrive when the probes end). */
  decide: (readings: Promise<ProbeReadings>) => Promise<DecisionAnswer>;
  /** Publishes a round's metrics (batched); never throws. */
  publish: (rounds: ClusterRound[]) => Promise<MetricsReport>;
}

/** The schedule. */
export interface RoundSchedule {
  /** Epoch ms by which every round, decision included, has ended. */
  endAt: number;
  intervalMs: number;
  /** The slowest probe's timeout: a round's probes end within it (per wave of the concurrency bound). */
  probeTimeoutMs: number;
  /** What a decision may take after its probes end, until one has been measured (default 1500 ms). */
  decisionReserveMs?: number;
}

/** One round, as the answer reports it. */
export interface RoundReport {
  at: string;
  /** Per cluster: failure share of the round (null: nothing sent), and whether the round passed. */
  clusters: Record<
    string,
    {
      share: number | null;
      ok: boolean | null;
      sent: number;
      latencyMs?: number;
      /** Failed requests by kind (`HTTP 503`, `timeout after 800 ms`, …), when some failed. */
      failures?: Record<string, number>;
    }
  >;
  decision: string;
  rule?: string;
  committed?: boolean;
  /** Why the decision was taken (every decision, a hold too, says why). */
  reason?: string;
  /** ms from the round's start to the end of its decision. */
  ms: number;
  errors?: string[];
}

/** Everything the rounds did. */
export interface RoundsReport {
  rounds: RoundReport[];
  /** Every decision that was not a hold, in order. */
  transitions: Array<{ at: string; decision: string; reason: string; committed?: boolean }>;
  metrics: MetricsReport;
  /** Why the loop stopped. */
  stopped: string;
  /** Decisions that failed (an outside call the pipeline could not make). */
  failedDecisions: number;
}

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Runs rounds until the next one could not end by `s.endAt`. */
export async function runRounds(deps: RoundDeps, schedule: RoundSchedule): Promise<RoundsReport> {
  const window = new ProbeWindow(deps.policy);
  const report: RoundsReport = {
    rounds: [],
    transitions: [],
    metrics: { published: 0, calls: 0, errors: [] },
    stopped: '',
    failedDecisions: 0,
  };
  // What a round costs after its probes end: the longest measured so far (a decision that writes canaries and
  // invokes notify is the slowest), and never less than the reserve.
  let tailMs = schedule.decisionReserveMs ?? 1_500;
  let next = deps.now();
  for (;;) {
    const start = Math.max(next, deps.now());
    if (start + schedule.probeTimeoutMs + tailMs > schedule.endAt) {
      report.stopped = `the next round (at ${new Date(start).toISOString()}) could not end before ${new Date(schedule.endAt).toISOString()}`;
      break;
    }
    const wait = start - deps.now();
    if (wait > 0) await deps.sleep(wait);
    const began = deps.now();
    // The round's probes may use the interval, but never the time its decision needs before the end.
    const deadline = Math.min(began + schedule.intervalMs, schedule.endAt - tailMs);
    let probedAt = began;
    const probing = deps.probe(deadline).then((rounds) => {
      probedAt = deps.now();
      return rounds;
    });
    const readings = probing.then((rounds) => {
      window.add(rounds);
      return window.readings();
    });
    const publishing = probing.then((rounds) => deps.publish(rounds));
    const deciding = deps.decide(readings).then(
      (a) => ({ ok: true as const, a }),
      (e: unknown) => ({ ok: false as const, error: describe(e) }),
    );
    const [rounds, decided, published] = await Promise.all([probing, deciding, publishing]);
    const ended = deps.now();
    tailMs = Math.max(tailMs, ended - probedAt);
    report.metrics.published += published.published;
    report.metrics.calls += published.calls;
    report.metrics.errors.push(...published.errors);
    report.rounds.push(roundReport(rounds, decided, began, ended, published.errors));
    if (decided.ok && decided.a.decision !== 'hold') {
      report.transitions.push({
        at: new Date(ended).toISOString(),
        decision: decided.a.decision,
        reason: decided.a.reason,
        committed: decided.a.committed,
      });
      deps.log.info('transition', { decision: decided.a.decision, reason: decided.a.reason });
    }
    if (!decided.ok) {
      report.failedDecisions += 1;
      deps.log.warn('round decision failed', { error: decided.error });
    }
    next = began + schedule.intervalMs;
  }
  return report;
}

function roundReport(
  rounds: ClusterRound[],
  decided: { ok: true; a: DecisionAnswer } | { ok: false; error: string },
  began: number,
  ended: number,
  publishErrors: string[],
): RoundReport {
  const clusters: RoundReport['clusters'] = {};
  for (const r of rounds)
    clusters[r.clusterId] = {
      share: r.share === null ? null : Math.round(r.share * 1000) / 1000,
      ok: r.ok,
      sent: r.sent,
      ...(r.latency ? { latencyMs: r.latency.mean } : {}),
      ...(r.failed > 0 ? { failures: r.failures } : {}),
    };
  const errors = [...publishErrors, ...(decided.ok ? decided.a.errors : [decided.error])];
  return {
    at: new Date(began).toISOString(),
    clusters,
    decision: decided.ok ? decided.a.decision : 'failed',
    ...(decided.ok && decided.a.rule ? { rule: decided.a.rule } : {}),
    ...(decided.ok && decided.a.committed !== undefined ? { committed: decided.a.committed } : {}),
    ...(decided.ok ? { reason: decided.a.reason } : {}),
    ms: ended - began,
    ...(errors.length ? { errors } : {}),
  };
}
