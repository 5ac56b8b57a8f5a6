// The health-check's schedule (functions/health-check/rounds.ts) on a virtual clock, and its edge
// (functions/health-check/settings.ts): rounds every interval until shortly before the timeout, none that could
// not end in time, the decision fed by the round as it ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRounds } from '../../functions/health-check/rounds';
import { readSettings } from '../../functions/health-check/settings';
import { ConfigError } from '../../shared/errors';
import { silentLogger } from '../../shared/log';
import type { ProbeReadings } from '../../shared/observe/gather';
import type { ClusterRound } from '../../shared/observe/probe-round';
import type { DecisionAnswer } from '../../shared/pipeline/answer';
import { AZ1, AZ2, examplePolicy } from '../decision/fixtures';

const log = silentLogger;

/** A virtual clock: sleeping moves it; each probe round takes `probeMs`, each decision `decideMs` after it. */
function world(o: { probeMs: number; decideMs: number; failing?: (round: number) => boolean }) {
  let now = 1_000_000;
  const probes: number[] = [];
  const deadlines: number[] = [];
  const decided: ProbeReadings[] = [];
  const published: number[] = [];
  const policy = examplePolicy((p) => {
    p.detection.failuresToDown = 2;
    p.detection.probeIntervalSeconds = 10;
  });
  const answer = (decision: DecisionAnswer['decision'], rule?: string): DecisionAnswer => ({
    decision,
    ...(rule ? { rule } : {}),
    reason: decision === 'hold' ? 'nothing to do' : 'fail over from c-ack-az1',
    actions: [],
    timings: {},
    dryRun: false,
    committed: true,
    errors: [],
  });
  const deps = {
    policy,
    log,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    probe: async (deadline: number): Promise<ClusterRound[]> => {
      const n = probes.length;
      probes.push(now);
      deadlines.push(deadline);
      const at = new Date(now).toISOString();
      now += o.probeMs;
      const fail = o.failing?.(n) ?? false;
      return [AZ1, AZ2].map((id) => ({
        clusterId: id,
        at,
        sent: 20,
        failed: id === AZ1 && fail ? 20 : 0,
        skipped: 0,
        share: id === AZ1 && fail ? 1 : 0,
        ok: !(id === AZ1 && fail),
        latency: id === AZ1 && fail ? null : { mean: 30, max: 50 },
        failures: (id === AZ1 && fail ? { 'timeout after 2000 ms': 20 } : {}) as Record<string, number>,
      }));
    },
    decide: async (readings: Promise<ProbeReadings>) => {
      const r = await readings;
      decided.push(r);
      now += o.decideMs;
      return (r.alarms[AZ1] ?? []).length > 0 ? answer('shift') : answer('hold', 'steady');
    },
    publish: async (rounds: ClusterRound[]) => {
      published.push(rounds.length);
      return { published: rounds.length * 2, calls: 1, errors: [] };
    },
  };
  return { deps, policy, probes, deadlines, decided, published, start: now, clock: () => now };
}

describe('health-check rounds', () => {
  it('runs a round every interval until the next one could not end before the deadline', async () => {
    const w = world({ probeMs: 300, decideMs: 200 });
    const endAt = w.start + 58_000;
    const r = await runRounds(w.deps, { endAt, intervalMs: 10_000, probeTimeoutMs: 2_000 });
    assert.deepEqual(
      w.probes.map((t) => t - w.start),
      [0, 10_000, 20_000, 30_000, 40_000, 50_000],
    );
    assert.equal(r.rounds.length, 6);
    assert.ok(w.clock() <= endAt, 'nothing runs past the deadline');
    assert.match(r.stopped, /could not end before/);
    assert.deepEqual(w.published, [2, 2, 2, 2, 2, 2], 'every round publishes its metrics');
    assert.equal(r.metrics.published, 24);
  });

  it('gives the round’s probes until the next round, but never the time its decision needs', async () => {
    const w = world({ probeMs: 300, decideMs: 200 });
    const endAt = w.start + 14_000;
    await runRounds(w.deps, { endAt, intervalMs: 10_000, probeTimeoutMs: 2_000, decisionReserveMs: 1_500 });
    assert.deepEqual(
      w.deadlines.map((t) => t - w.start),
      [10_000, 12_500],
    );
  });

  it('decides on the round’s own readings, and the second failing round raises the probe alarm', async () => {
    const w = world({ probeMs: 300, decideMs: 200, failing: (n) => n >= 2 });
    const r = await runRounds(w.deps, {
      endAt: w.start + 58_000,
      intervalMs: 10_000,
      probeTimeoutMs: 2_000,
    });
    assert.deepEqual(
      w.decided.map((x) => x.probes[AZ1]!.at(-1)?.ok),
      [true, true, false, false, false, false],
    );
    assert.deepEqual(
      w.decided.map((x) => (x.alarms[AZ1] ?? []).length),
      [0, 0, 0, 1, 1, 1],
    );
    assert.deepEqual(
      r.rounds.map((x) => x.decision),
      ['hold', 'hold', 'hold', 'shift', 'shift', 'shift'],
    );
    assert.equal(r.transitions.length, 3);
    assert.deepEqual(r.rounds[2]!.clusters[AZ1], {
      share: 1,
      ok: false,
      sent: 20,
      failures: { 'timeout after 2000 ms': 20 },
    });
  });

  it('keeps the cadence when a round runs long, and starts the next at once when it overran', async () => {
    const w = world({ probeMs: 2_000, decideMs: 9_000 });
    await runRounds(w.deps, { endAt: w.start + 40_000, intervalMs: 10_000, probeTimeoutMs: 2_000 });
    assert.deepEqual(
      w.probes.map((t) => t - w.start),
      [0, 11_000, 22_000],
    );
  });

  it('reports a decision that failed, and goes on with the next round', async () => {
    const w = world({ probeMs: 100, decideMs: 100 });
    let calls = 0;
    const decide = w.deps.decide;
    w.deps.decide = async (r) => {
      calls += 1;
      if (calls === 1) throw new Error('Fleet API unreachable');
      return decide(r);
    };
    const r = await runRounds(w.deps, { endAt: w.start + 25_000, intervalMs: 10_000, probeTimeoutMs: 2_000 });
    assert.equal(r.failedDecisions, 1);
    assert.deepEqual(
      r.rounds.map((x) => x.decision),
      ['failed', 'hold', 'hold'],
    );
    assert.deepEqual(r.rounds[0]!.errors, ['Error: Fleet API unreachable']);
  });
});

describe('health-check settings (the edge)', () => {
  const policy = examplePolicy();
  const START = Date.parse('2025-06-01T08:00:00Z');
  const timer = (payload = '', triggerTime = '2025-06-01T08:00:00Z') => ({
    triggerTime,
    triggerName: 'health-check',
    payload,
  });
  const read = (input: unknown, env: NodeJS.ProcessEnv = {}, timeoutSeconds: number | undefined = 60) =>
    readSettings({
      input: Buffer.from(JSON.stringify(input)),
      policy,
      env,
      timeoutSeconds,
      startedAt: START,
    });

  it('runs until shortly before the function timeout, at the policy’s interval', () => {
    const r = read(timer());
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.deepEqual(r.settings, {
      endAt: START + 59_000,
      intervalMs: 10_000,
      probeTimeoutMs: 1_000,
      concurrency: 32,
      requestsPerCluster: 20,
    });
  });

  it('lets the timer payload shorten the run, never lengthen it', () => {
    const short = read(timer('{"maxRunSeconds":12}'));
    assert.equal(short.kind === 'run' && short.settings.endAt, START + 11_000);
    const long = read(timer('{"maxRunSeconds":600}'));
    assert.equal(long.kind === 'run' && long.settings.endAt, START + 59_000);
  });

  it('counts the run from the timer’s time when plausible: a cold start before the handler uses up the budget', () => {
    const at = (ms: number) => new Date(START + ms).toISOString();
    const late = read(timer('', at(-20_000)));
    assert.equal(late.kind === 'run' && late.settings.endAt, START - 20_000 + 59_000);
    // A time in the future, or older than the timeout, is not a clock: the handler's start counts.
    for (const t of [at(5_000), at(-61_000), '2099-01-01T00:00:00Z']) {
      const r = read(timer('', t));
      assert.equal(r.kind === 'run' && r.settings.endAt, START + 59_000, t);
    }
  });

  it('refuses an event that is not its timer’s, and a payload that is not JSON', () => {
    assert.deepEqual(read({ hello: 'world' }).kind, 'reject');
    const bad = read(timer('maxRunSeconds=12'));
    assert.equal(bad.kind, 'reject');
    assert.match(bad.kind === 'reject' ? bad.error : '', /timer payload must be JSON/);
  });

  it('reads its concurrency and requests per cluster from the environment, refusing nonsense', () => {
    const r = read(timer(), { FLEET_DR_PROBE_CONCURRENCY: '8', FLEET_DR_PROBE_REQUESTS: '4' });
    assert.deepEqual(r.kind === 'run' && [r.settings.concurrency, r.settings.requestsPerCluster], [8, 4]);
    assert.throws(() => read(timer(), { FLEET_DR_PROBE_CONCURRENCY: '0' }), ConfigError);
  });

  it('refuses an interval that is not above the slowest probe timeout (a round would run into the next)', () => {
    const tight = examplePolicy((p) => {
      p.detection.probeIntervalSeconds = 1;
    });
    assert.throws(
      () =>
        readSettings({
          input: Buffer.from(JSON.stringify(timer())),
          policy: tight,
          env: {},
          timeoutSeconds: 60,
          startedAt: START,
        }),
      /detection\.probeIntervalSeconds: 1 s is not above the slowest probe timeout \(1000 ms\): a health-check round/,
    );
  });
});
