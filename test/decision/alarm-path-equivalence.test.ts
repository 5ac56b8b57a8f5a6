// The alarm path and a health-check round give the same verdict on the same evidence: decide() with the alarm
// as its trigger, and decide() with no trigger and the alarm's state among the readings, decide alike (same
// Plan, same verdicts and evidence, same state to commit, bookkeeping of the trigger aside). Checked on one
// decision from a realistic state and on whole sequences of rounds, 1,000 runs each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Policy } from '../../shared/config';
import { changesNothing } from '../../shared/decision/bookkeeping';
import { decide } from '../../shared/decision/decide';
import type { ClusterObservation, TriggerAlarm } from '../../shared/decision/observations';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, t } from './fixtures';
import { alarmPath, assertAlike, decideBothWays, type Readings, roundPath } from './paths';

const RUNS = 1000;
const ids = [AZ1, AZ2];
const base = examplePolicy();

/** `seconds` after minute `m` (negative: before). */
const atSec = (m: number, seconds: number) => new Date(Date.parse(t(m)) + seconds * 1000).toISOString();

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    failuresToDown: fc.integer({ min: 1, max: 3 }),
    successesToUp: fc.integer({ min: 1, max: 3 }),
    confirmationsRequired: fc.integer({ min: 0, max: 2 }),
    confirmingSources: fc.subarray(['probe', 'gatewayHealth', 'readyReplicas', 'ackState'] as const, {
      minLength: 2,
    }),
    insufficientData: fc.constantFrom('unknown' as const, 'alert' as const),
    maxReadingAgeSeconds: fc.constantFrom(60, 120, 600),
    gatewayReadings: fc.integer({ min: 1, max: 3 }),
    replicaReadings: fc.integer({ min: 1, max: 2 }),
    gatewayMaxAge: fc.option(fc.constantFrom(30, 300)),
    minReadyShare: fc.constantFrom(0, 0.5, 1),
    paused: fc.boolean(),
    automatic: fc.boolean(),
    cooldownSeconds: fc.constantFrom(0, 90, 300),
    minStable: fc.constantFrom(0, 60, 600),
  })
  .map((r) => {
    const p = structuredClone(base);
    const d = p.detection;
    d.failuresToDown = r.failuresToDown;
    d.successesToUp = r.successesToUp;
    d.confirmationsRequired = Math.min(r.confirmationsRequired, r.confirmingSources.length);
    d.confirmingSources = [...r.confirmingSources];
    d.insufficientData = r.insufficientData;
    d.maxReadingAgeSeconds = r.maxReadingAgeSeconds;
    d.sources.gatewayHealth.consecutiveReadings = r.gatewayReadings;
    if (r.gatewayMaxAge !== null) d.sources.gatewayHealth.maxReadingAgeSeconds = r.gatewayMaxAge;
    d.sources.readyReplicas.consecutiveReadings = r.replicaReadings;
    d.sources.readyReplicas.minReadyShare = r.minReadyShare;
    p.paused = r.paused;
    p.failback = { ...p.failback, automatic: r.automatic };
    p.timing = { cooldownSeconds: r.cooldownSeconds, minStableSecondsBeforeFailback: r.minStable };
    return p;
  });

/**
 * One cluster's readings taken up to `spread` seconds before minute `m` (alarms included): anything at all, or
 * a zone that serves, or one that is gone (each reading still may be missing or old), so that sequences reach
 * failovers, fences and recoveries as well as holds.
 */
const clusterArb = (
  m: number,
  spread: number,
  weights: [number, number, number],
): fc.Arbitrary<Partial<ClusterObservation>> =>
  fc.oneof(
    { arbitrary: anyCluster(m, spread), weight: weights[0] },
    { arbitrary: zoneCluster(m, spread, true), weight: weights[1] },
    { arbitrary: zoneCluster(m, spread, false), weight: weights[2] },
  );

/** A zone that serves (`up`) or is gone, as its readings say, each reading optional. */
const zoneCluster = (m: number, spread: number, up: boolean): fc.Arbitrary<Partial<ClusterObservation>> => {
  const at = fc.integer({ min: -spread, max: 0 }).map((s) => atSec(m, s));
  return fc.record(
    {
      probes: fc.array(fc.record({ at, ok: fc.constant(up) }), { minLength: 3, maxLength: 3 }),
      ackState: fc.record({ state: fc.constant('running'), at }),
      gatewayHealth: fc.record({
        status: fc.constant(up ? ('Health' as const) : ('Unhealthy' as const)),
        at,
      }),
      readyReplicas: fc.record({ ready: fc.constant(up ? 3 : 0), desired: fc.constant(3), at }),
      membership: fc.record({ attachedToFleet: fc.constant(true), onGateway: fc.boolean(), at }),
    },
    { requiredKeys: [] },
  );
};

/** Any readings at all. */
const anyCluster = (m: number, spread: number): fc.Arbitrary<Partial<ClusterObservation>> => {
  const at = fc.integer({ min: -spread, max: 0 }).map((s) => atSec(m, s));
  return fc.record(
    {
      alarms: fc.array(
        fc.record({
          name: fc.constantFrom('web-demo-5xx', 'web-demo-probe'),
          metricName: fc.constantFrom('http_5xx_ratio', 'fleet_dr_probe_success'),
          state: fc.constantFrom('OK' as const, 'ALERT' as const, 'INSUFFICIENT_DATA' as const),
          at,
          onProbeMetric: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
      probes: fc.array(fc.record({ at, ok: fc.boolean() }), { maxLength: 4 }),
      ackState: fc.option(
        fc.record({ state: fc.constantFrom('running', 'disconnected', 'unavailable', 'updating'), at }),
        { freq: 3 },
      ),
      gatewayHealth: fc.option(
        fc.record({
          status: fc.constantFrom('Health' as const, 'Unhealthy' as const, 'Unknown' as const),
          at,
        }),
        { freq: 4 },
      ),
      readyReplicas: fc.option(
        fc.record({ ready: fc.integer({ min: 0, max: 3 }), desired: fc.integer({ min: 0, max: 3 }), at }),
        { freq: 4 },
      ),
      membership: fc.option(fc.record({ attachedToFleet: fc.boolean(), onGateway: fc.boolean(), at }), {
        freq: 3,
      }),
    },
    { requiredKeys: [] },
  );
};

/** Readings of both clusters at minute `m`. */
const readingsArb = (m: number, spread = 200): fc.Arbitrary<Readings> =>
  fc
    .record({ az1: clusterArb(m, spread, [2, 1, 2]), az2: clusterArb(m, spread, [1, 3, 1]) })
    .map((r) => ({ observedAt: t(m), clusters: { [AZ1]: r.az1, [AZ2]: r.az2 } }));

/** An alarm delivered at minute `m`, raised up to 50 s before it (after any earlier round). */
const alarmArb = (m: number): fc.Arbitrary<TriggerAlarm> =>
  fc
    .record({
      clusterId: fc.constantFrom(...ids),
      probeMetric: fc.boolean(),
      onProbeMetric: fc.boolean(),
      state: fc.constantFrom('ALERT' as const, 'ALERT' as const, 'OK' as const, 'INSUFFICIENT_DATA' as const),
      ago: fc.integer({ min: 0, max: 50 }),
      withRule: fc.boolean(),
    })
    .map((r) => {
      const name = r.probeMetric ? 'web-demo-probe' : 'web-demo-5xx';
      const at = atSec(m, -r.ago);
      return {
        key: `${name}/${r.clusterId}/${r.state}/${Date.parse(at)}`,
        ...(r.withRule ? { ruleId: `rule-${name}` } : {}),
        clusterId: r.clusterId,
        name,
        metricName: r.probeMetric ? 'fleet_dr_probe_success' : 'http_5xx_ratio',
        state: r.state,
        at,
        onProbeMetric: r.onProbeMetric,
      };
    });

/** A realistic prior state: the health-check rounds of the last minutes, run from the initial state. */
function priorState(policy: Policy, rounds: Readings[]): RoutingState {
  let st = initialRoutingState(policy);
  for (const r of rounds) st = decide(policy, roundPath(r, null), st, r.observedAt).nextState;
  return st;
}

describe('the alarm path and a health-check round decide alike on the same readings', () => {
  it('one decision, from the state earlier rounds left (1,000 runs)', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(readingsArb(-3), { maxLength: 1 }),
        fc.array(readingsArb(-1), { maxLength: 1 }),
        readingsArb(0),
        alarmArb(0),
        (policy, earlier, last, now, alarm) => {
          const st = priorState(policy, [...earlier, ...last]);
          const [viaAlarm, viaRound] = decideBothWays(policy, now, alarm, st);
          // Earlier rounds handled no alarm, and the alarm is newer than any transition: no dedup hold.
          assert.ok(!changesNothing(viaAlarm), viaAlarm.reason);
          assertAlike(viaAlarm, viaRound, `(alarm ${alarm.name} ${alarm.state} on ${alarm.clusterId})`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a whole sequence of rounds, one alarm or none per minute (1,000 runs)', () => {
    const rounds = fc
      .integer({ min: 2, max: 5 })
      .chain((n) =>
        fc.tuple(
          ...Array.from({ length: n }, (_, m) =>
            fc.record({ readings: readingsArb(m, 150), alarm: fc.option(alarmArb(m), { freq: 3 }) }),
          ),
        ),
      );
    fc.assert(
      fc.property(policyArb, rounds, (policy, seq) => {
        let viaAlarms = initialRoutingState(policy);
        let viaRounds = initialRoutingState(policy);
        for (const [m, { readings, alarm }] of seq.entries()) {
          const now = t(m);
          // A minute without an alarm is a health-check round on both sides.
          const a = decide(
            policy,
            alarm ? alarmPath(readings, alarm) : roundPath(readings, null),
            viaAlarms,
            now,
          );
          const b = decide(policy, roundPath(readings, alarm), viaRounds, now);
          assert.ok(!changesNothing(a), `minute ${m}: ${a.reason}`);
          assertAlike(a, b, `at minute ${m}`);
          viaAlarms = a.nextState;
          viaRounds = b.nextState;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('on the issue’s readings, both fail over in one invocation', () => {
    // Probe-metric ALERT, 3 of 3 probes failing, MSE Unhealthy, 0 of 3 ready: before, both held `unconfirmed`
    // for minutes, because gateway health and ready replicas were counted like probe samples.
    const policy = examplePolicy();
    const r: Readings = {
      observedAt: t(0),
      clusters: {
        [AZ1]: {
          probes: [-30, -20, -10].map((s) => ({ at: atSec(0, s), ok: false, error: 'timeout' })),
          gatewayHealth: { status: 'Unhealthy', at: atSec(0, -5) },
          readyReplicas: { ready: 0, desired: 3, at: atSec(0, -5) },
          ackState: { state: 'running', at: atSec(0, -5) },
        },
        [AZ2]: {
          probes: [-30, -20, -10].map((s) => ({ at: atSec(0, s), ok: true, status: 200 })),
          gatewayHealth: { status: 'Health', at: atSec(0, -5) },
          readyReplicas: { ready: 3, desired: 3, at: atSec(0, -5) },
        },
      },
    };
    const alarm: TriggerAlarm = {
      key: 'fleet-dr-probe-c-ack-az1/c-ack-az1/ALERT/1',
      ruleId: 'fleet-dr-probe-c-ack-az1',
      clusterId: AZ1,
      name: 'ack-az1-probe',
      metricName: 'fleet_dr_probe_success',
      state: 'ALERT',
      at: atSec(0, -10),
      onProbeMetric: true,
    };
    const [a, b] = decideBothWays(policy, r, alarm, initialRoutingState(policy));
    assert.equal(a.kind, 'shift', a.reason);
    assertAlike(a, b);
  });
});
