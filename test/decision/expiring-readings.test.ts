// A gateway-health, ready-replicas, cluster-state or probe reading older than detection.maxReadingAgeSeconds
// counts as unknown, not as its last verdict. Alarms are events, not readings: they do not expire.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../shared/config';
import { decide } from '../../shared/decision/decide';
import { expireHistory, isExpired, updateHistory } from '../../shared/decision/hysteresis';
import { type ClusterObservation, ObservationsSchema, type Source } from '../../shared/decision/observations';
import type { Plan } from '../../shared/decision/plan';
import {
  initialRoutingState,
  type RoutingState,
  RoutingStateSchema,
  type SourceHistory,
} from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, healthy, observe, probes, t, trigger, zoneDown } from './fixtures';

const policy = examplePolicy();
const MAX = policy.detection.maxReadingAgeSeconds;
const at = (seconds: number) => new Date(Date.parse(t(0)) + seconds * 1000).toISOString();

/** A source history that has reached `verdict`, its newest sample at `last`. */
const hist = (verdict: 'up' | 'down', last: string): SourceHistory => ({
  verdict,
  failures: verdict === 'down' ? 3 : 0,
  successes: verdict === 'up' ? 3 : 0,
  lastSampleAt: last,
  since: last,
});

/** A state whose AZ1 history has `sources`, as a decision at `last` left them. */
function stateWith(sources: Partial<Record<Source, SourceHistory>>, verdict: 'up' | 'suspect' = 'suspect') {
  const s = initialRoutingState(policy);
  return RoutingStateSchema.parse({
    ...s,
    verdicts: { [AZ1]: { verdict, since: t(-10), upSince: verdict === 'up' ? t(-10) : null, sources } },
  });
}

const signal = (p: Plan, cluster: string, source: Source) =>
  p.signals.find((s) => s.cluster === cluster && s.source === source && !/^alarm /.test(s.detail))!;

/** AZ1 observed with nothing but an OK alarm (every other source silent), AZ2 healthy, at minute 0. */
const silent = (extra: Partial<ClusterObservation> = {}) =>
  observe(0, {
    [AZ1]: { alarms: healthy(0).alarms, probes: [], ...extra },
    [AZ2]: healthy(0),
  });

describe('expiring readings: a source that stops reporting reads unknown', () => {
  const sources = ['gatewayHealth', 'readyReplicas', 'ackState', 'probe'] as const;
  for (const source of sources) {
    it(`${source}: a down reading ${5 * 60} s old counts as unknown, and the signal says it expired`, () => {
      const p = decide(policy, silent(), stateWith({ [source]: hist('down', t(-5)) }), t(0));
      const sig = signal(p, AZ1, source);
      assert.equal(sig.verdict, 'unknown', sig.detail);
      assert.match(sig.detail, /expired/);
      assert.match(sig.detail, /300 s old/);
      assert.match(sig.detail, new RegExp(`maxReadingAgeSeconds is ${MAX} s`));
      assert.equal(p.nextState.verdicts[AZ1]?.sources[source]?.verdict, 'unknown');
    });

    it(`${source}: a down reading within the max age still stands`, () => {
      const p = decide(policy, silent(), stateWith({ [source]: hist('down', at(-MAX)) }), t(0));
      const sig = signal(p, AZ1, source);
      assert.equal(sig.verdict, 'down', sig.detail);
      assert.match(sig.detail, /the last counted reading, at .* \(120 s old\), stands/);
    });
  }

  it('expires a reading one second past the max age, not at it', () => {
    const last = (seconds: number) =>
      decide(policy, silent(), stateWith({ gatewayHealth: hist('down', at(-seconds)) }), t(0)).nextState
        .verdicts[AZ1]?.sources.gatewayHealth?.verdict;
    assert.equal(last(MAX), 'down');
    assert.equal(last(MAX + 1), 'unknown');
  });

  it('follows the policy setting', () => {
    const patient = examplePolicy((p) => {
      p.detection.maxReadingAgeSeconds = 600;
    });
    const p = decide(patient, silent(), stateWith({ gatewayHealth: hist('down', t(-5)) }), t(0));
    assert.equal(signal(p, AZ1, 'gatewayHealth').verdict, 'down');
  });

  it('does not let a stale confirmation fail a zone over', () => {
    // The probe round brought nothing and MSE could not be read: only the 10-minute-old gateway `down`
    // would confirm the new alarm. Before, it did, and the zone failed over.
    const obs = observe(
      0,
      { [AZ1]: { alarms: zoneDown(0).alarms, probes: [] }, [AZ2]: healthy(0) },
      { trigger: trigger(0) },
    );
    const p = decide(policy, obs, stateWith({ gatewayHealth: hist('down', t(-10)) }), t(0));
    assert.equal(p.kind, 'hold', p.reason);
    assert.equal(p.kind === 'hold' && p.rule, 'unconfirmed', p.reason);
    assert.equal(p.verdicts[AZ1], 'suspect');
  });

  it('does not let stale `up` readings keep a silent cluster up', () => {
    const up = hist('up', t(-10));
    const st = stateWith({ probe: up, gatewayHealth: up, readyReplicas: up, ackState: up }, 'up');
    const p = decide(policy, observe(0, { [AZ1]: {}, [AZ2]: healthy(0) }), st, t(0));
    assert.equal(p.verdicts[AZ1], 'unknown');
    assert.equal(p.nextState.verdicts[AZ1]?.upSince, null);
  });

  // Gateway health is a level (one reading counts by default); a team that asks for three consecutive
  // readings gets them counted within the max age, and never across a silence longer than it.
  const threeReadings = examplePolicy((p) => {
    p.detection.sources.gatewayHealth.consecutiveReadings = 3;
  });

  it('forgets an expired history before counting, so one new sample cannot revive an old verdict', () => {
    // Gateway health said `up` ten minutes ago; now one Unhealthy sample. Before, the old `up` stood (one
    // failure of three); now the count starts again from unknown.
    const st = stateWith({ gatewayHealth: hist('up', t(-10)) });
    const obs = silent({ gatewayHealth: { status: 'Unhealthy', at: t(0) } });
    const h = decide(threeReadings, obs, st, t(0)).nextState.verdicts[AZ1]?.sources.gatewayHealth;
    assert.deepEqual(h, {
      verdict: 'unknown',
      failures: 1,
      successes: 0,
      lastSampleAt: t(0),
      since: at(-600 + MAX),
    });
  });

  it('keeps counting consecutive samples that arrive within the max age of each other', () => {
    let st = initialRoutingState(threeReadings);
    for (const m of [0, 1, 2]) {
      assert.notEqual(st.verdicts[AZ1]?.sources.gatewayHealth?.verdict, 'down', `after ${m} reading(s)`);
      const obs = silent({ gatewayHealth: { status: 'Unhealthy', at: t(m) } });
      st = decide(threeReadings, { ...obs, observedAt: t(m) }, st, t(m)).nextState;
    }
    assert.equal(st.verdicts[AZ1]?.sources.gatewayHealth?.verdict, 'down');
  });
});

describe('expiring readings: an observation older than the max age is not a sample', () => {
  const quick = examplePolicy((p) => {
    p.detection.failuresToDown = 1;
    p.detection.successesToUp = 1;
  });
  const cases: Array<[string, Partial<ClusterObservation>, Source]> = [
    ['gateway health', { gatewayHealth: { status: 'Unhealthy', at: t(-5) } }, 'gatewayHealth'],
    ['ready replicas', { readyReplicas: { ready: 0, desired: 3, at: t(-5) } }, 'readyReplicas'],
    ['cluster state', { ackState: { state: 'unavailable', at: t(-5) } }, 'ackState'],
    ['probes', { probes: probes(-5, [false, false, false]) }, 'probe'],
  ];
  for (const [what, obs, source] of cases)
    it(`${what} read 5 minutes ago counts as unknown`, () => {
      const p = decide(quick, silent(obs), initialRoutingState(quick), t(0));
      const sig = signal(p, AZ1, source);
      assert.equal(sig.verdict, 'unknown', sig.detail);
      assert.match(sig.detail, /reading expired: the newest, at .*, is \d+ s old/);
      assert.equal(p.nextState.verdicts[AZ1]?.sources[source]?.lastSampleAt ?? null, null);
    });

  it('counts only the recent probe results of a round and says how many were too old', () => {
    const mixed = [...probes(-5, [false, false]), ...probes(0, [true])];
    const p = decide(quick, silent({ probes: mixed }), initialRoutingState(quick), t(0));
    const sig = signal(p, AZ1, 'probe');
    assert.equal(sig.verdict, 'up');
    assert.match(
      sig.detail,
      /0 of 1 probe results failed; latest ok \(2 older result\(s\) past the max age not counted\)/,
    );
  });

  it('needs a recent cluster state for an agent partition', () => {
    const agent = {
      name: 'agent',
      metricName: 'cluster_agent_connected',
      state: 'ALERT' as const,
      at: t(0),
      onProbeMetric: false,
    };
    const az2 = (ackAt: string) =>
      healthy(0, { ackState: { state: 'disconnected', at: ackAt }, alarms: [agent] });
    const recent = decide(
      policy,
      observe(0, { [AZ1]: healthy(0), [AZ2]: az2(t(0)) }),
      initialRoutingState(policy),
      t(0),
    );
    assert.equal(recent.kind === 'hold' && recent.rule, 'agent-partition', recent.reason);
    const old = decide(
      policy,
      observe(0, { [AZ1]: healthy(0), [AZ2]: az2(t(-5)) }),
      initialRoutingState(policy),
      t(0),
    );
    assert.equal(old.kind === 'hold' && old.rule, 'unconfirmed', old.reason);
    assert.doesNotMatch(old.reason, /agent partition/);
  });

  it('leaves alarms alone: an old ALERT still reads down (alarms are events, not readings)', () => {
    const alarm = { name: 'web-demo-5xx', metricName: 'http_5xx_ratio', state: 'ALERT' as const, at: t(-30) };
    const p = decide(
      policy,
      silent({ alarms: [{ ...alarm, onProbeMetric: false }] }),
      initialRoutingState(policy),
      t(0),
    );
    const sig = p.signals.find((s) => s.cluster === AZ1 && s.source === 'alarm');
    assert.equal(sig?.verdict, 'down');
    assert.equal(p.nextState.verdicts[AZ1]?.sources.alarm?.verdict, 'down');
  });
});

describe('expiring readings: the hysteresis helpers', () => {
  it('isExpired is strict: exactly the max age is not expired', () => {
    assert.equal(isExpired(at(-120), t(0), 120), false);
    assert.equal(isExpired(at(-120.001), t(0), 120), true);
    assert.equal(isExpired(at(30), t(0), 120), false, 'a reading from the future is not expired');
  });

  it('expireHistory keeps an already forgotten history as it is (same since on every round)', () => {
    const once = expireHistory(hist('down', t(-10)), t(0), 120);
    assert.deepEqual(once, {
      verdict: 'unknown',
      failures: 0,
      successes: 0,
      lastSampleAt: t(-10),
      since: t(-8),
    });
    assert.equal(expireHistory(once, t(5), 120), once);
  });

  it('updateHistory ignores expired samples and counts fresh ones', () => {
    const c = { failuresToDown: 2, successesToUp: 2, maxAgeSeconds: 120, now: t(0) };
    const h = updateHistory(
      hist('up', at(-60)),
      [
        { at: t(-5), ok: false },
        { at: at(-30), ok: false },
        { at: at(-10), ok: false },
      ],
      c,
    );
    assert.deepEqual(h, {
      verdict: 'down',
      failures: 2,
      successes: 0,
      lastSampleAt: at(-10),
      since: at(-10),
    });
  });
});

describe('expiring readings: the example observations still decide as documented', () => {
  const dir = fileURLToPath(new URL('../../events/observations/', import.meta.url));
  const state = (name: string): RoutingState =>
    RoutingStateSchema.parse(
      JSON.parse(
        readFileSync(fileURLToPath(new URL(`../../events/state/${name}.json`, import.meta.url)), 'utf8'),
      ),
    );
  const decideFile = (file: string, p: Policy, st: RoutingState) => {
    const obs = ObservationsSchema.parse(JSON.parse(readFileSync(`${dir}${file}`, 'utf8')));
    return decide(p, obs, st, obs.observedAt);
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')))
    it(`${file}: no reading has expired at observedAt`, () => {
      for (const st of [initialRoutingState(policy), state('recovered-awaiting-failback')]) {
        const p = decideFile(file, policy, st);
        for (const s of p.signals) assert.doesNotMatch(s.detail, /expired/, `${s.cluster} ${s.source}`);
      }
    });
});
