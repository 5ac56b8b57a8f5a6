// Issue 20: gateway health and ready replicas are levels, already debounced where they come from, so one fresh
// reading confirms an alarm in one invocation. Every case runs through the alarm path and a health-check round
// on the same readings, and both must decide alike (paths.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '../../shared/config';
import { decide } from '../../shared/decision/decide';
import type { ClusterObservation, TriggerAlarm } from '../../shared/decision/observations';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, healthy, probes, t } from './fixtures';
import { assertAlike, decideBothWays, type Readings, roundPath } from './paths';

const policy = examplePolicy();
const at0 = t(0);
const secondsAgo = (s: number) => new Date(Date.parse(at0) - s * 1000).toISOString();

/** fleet-dr's probe-metric alarm (the rule deploy/create-alarm-rules.ts creates) on `cluster`. */
const probeAlarm = (cluster = AZ1, state: TriggerAlarm['state'] = 'ALERT'): TriggerAlarm => ({
  key: `fleet-dr-probe-${cluster}/${cluster}/${state}/${Date.parse(at0)}`,
  ruleId: `fleet-dr-probe-${cluster}`,
  clusterId: cluster,
  name: `${cluster}-probe`,
  metricName: 'fleet_dr_probe_success',
  state,
  at: secondsAgo(10),
  onProbeMetric: true,
});

/** An alarm on an independent metric (5xx ratio). */
const metricAlarm = (cluster = AZ1): TriggerAlarm => ({
  key: `web-demo-5xx/${cluster}/${Date.parse(at0)}`,
  clusterId: cluster,
  name: 'web-demo-5xx',
  metricName: 'http_5xx_ratio',
  state: 'ALERT',
  at: secondsAgo(10),
  onProbeMetric: false,
});

/** AZ1 with nothing observed but what is given; AZ2 serving. */
function readings(az1: Partial<ClusterObservation>): Readings {
  return { observedAt: at0, clusters: { [AZ1]: { alarms: [], probes: [], ...az1 }, [AZ2]: healthy(0) } };
}

const failing = probes(0, [false, false, false]);
const passing = probes(0, [true, true, true]);
const unhealthy = { status: 'Unhealthy' as const, at: secondsAgo(5) };
const health = { status: 'Health' as const, at: secondsAgo(5) };
const ready = (n: number, desired = 3, ago = 5) => ({ ready: n, desired, at: secondsAgo(ago) });

/** Both paths on the same readings; asserts they decide alike and returns the alarm path's Plan. */
function both(
  r: Readings,
  alarm: TriggerAlarm,
  p: Policy = policy,
  st: RoutingState = initialRoutingState(p),
): Plan {
  const [viaAlarm, viaRound] = decideBothWays(p, r, alarm, st);
  assertAlike(viaAlarm, viaRound);
  return viaAlarm;
}

const rule = (p: Plan) => (p.kind === 'hold' ? `hold ${p.rule}` : p.kind);
const sig = (p: Plan, source: string, cluster = AZ1) =>
  p.signals.find((s) => s.cluster === cluster && s.source === source && !s.detail.startsWith('alarm '));

describe('level confirmations: one invocation is enough when the quorum says so', () => {
  it('probe-metric ALERT, failing probes, gateway Unhealthy → shift', () => {
    const p = both(
      readings({ probes: failing, gatewayHealth: unhealthy, readyReplicas: ready(3) }),
      probeAlarm(),
    );
    assert.equal(rule(p), 'shift', p.reason);
    assert.match(
      p.reason,
      /c-ack-az1: down \(an alarm on the fleet-dr probe metric, confirmed by gatewayHealth\)/,
    );
    assert.deepEqual(p.nextState.weights, { 'web-demo': { [AZ1]: 0, [AZ2]: 100 } });
  });

  it('the same with gateway Health but 0 of 3 ready → shift', () => {
    const p = both(
      readings({ probes: failing, gatewayHealth: health, readyReplicas: ready(0) }),
      probeAlarm(),
    );
    assert.equal(rule(p), 'shift', p.reason);
    assert.match(p.reason, /confirmed by readyReplicas\)/);
    assert.equal(sig(p, 'readyReplicas')?.detail, '0/3 replicas ready');
  });

  it('the SRE’s case: probe ALERT, 3 of 3 failing, Unhealthy, 0 of 3 ready → shift, confirmed twice', () => {
    const p = both(
      readings({ probes: failing, gatewayHealth: unhealthy, readyReplicas: ready(0) }),
      probeAlarm(),
    );
    assert.equal(rule(p), 'shift', p.reason);
    assert.match(p.reason, /confirmed by gatewayHealth, readyReplicas\)/);
    for (const s of ['gatewayHealth', 'readyReplicas']) assert.equal(sig(p, s)?.verdict, 'down', s);
  });

  it('a probe-metric ALERT with nothing else → hold: the probe source alone', () => {
    const p = both(readings({}), probeAlarm());
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(p.verdicts[AZ1], 'suspect');
    assert.match(
      p.reason,
      /0 of 1 required independent confirmation\(s\); down: probe; confirming sources: gatewayHealth unknown, readyReplicas unknown; the probes are the alarm's own source and cannot confirm it/,
    );
  });

  it('a probe-metric ALERT with failing probes, the gateway and replicas healthy → hold (the probes are the alarm)', () => {
    const p = both(
      readings({ probes: failing, gatewayHealth: health, readyReplicas: ready(3) }),
      probeAlarm(),
    );
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.match(p.reason, /confirming sources: gatewayHealth up, readyReplicas up/);
  });

  it('an alarm on another metric is confirmed by one Unhealthy gateway reading → shift', () => {
    const p = both(
      readings({ probes: passing, gatewayHealth: unhealthy, readyReplicas: ready(3) }),
      metricAlarm(),
    );
    assert.equal(rule(p), 'shift', p.reason);
    assert.match(p.reason, /down \(an alarm, confirmed by gatewayHealth\)/);
  });
});

describe('level confirmations: gateway Unhealthy with no alarm → as the quorum says', () => {
  const round = (az1: Partial<ClusterObservation>, p: Policy = policy) =>
    decide(p, roundPath(readings(az1), null), initialRoutingState(p), at0);

  it('no alarm, no trigger: gateway Unhealthy makes the cluster suspect and nothing moves', () => {
    const p = round({ probes: passing, gatewayHealth: unhealthy, readyReplicas: ready(3) });
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(p.verdicts[AZ1], 'suspect');
    assert.match(p.reason, /c-ack-az1: suspect \(no alarm fired; down: gatewayHealth\)/);
  });

  it('no alarm: every confirming source down is still no trigger (only an alarm starts a failover)', () => {
    const p = round({ probes: failing, gatewayHealth: unhealthy, readyReplicas: ready(0) });
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.match(p.reason, /no alarm fired; down: probe, gatewayHealth, readyReplicas/);
  });

  const quorum: Array<[string, (p: Policy) => void, Partial<ClusterObservation>, string]> = [
    [
      'confirmationsRequired 2, gateway alone',
      (p) => (p.detection.confirmationsRequired = 2),
      { gatewayHealth: unhealthy, readyReplicas: ready(3) },
      'hold unconfirmed',
    ],
    [
      'confirmationsRequired 2, gateway and replicas',
      (p) => (p.detection.confirmationsRequired = 2),
      { gatewayHealth: unhealthy, readyReplicas: ready(0) },
      'shift',
    ],
    [
      'gatewayHealth not a confirming source',
      (p) => (p.detection.confirmingSources = ['probe', 'readyReplicas']),
      { gatewayHealth: unhealthy, readyReplicas: ready(3) },
      'hold unconfirmed',
    ],
    [
      'confirmationsRequired 0: the alarm alone',
      (p) => (p.detection.confirmationsRequired = 0),
      { gatewayHealth: health, readyReplicas: ready(3) },
      'shift',
    ],
    [
      'ackState listed: one unavailable reading confirms',
      (p) => (p.detection.confirmingSources = ['ackState']),
      { ackState: { state: 'unavailable', at: secondsAgo(5) }, readyReplicas: ready(3) },
      'shift',
    ],
  ];
  for (const [what, change, az1, expected] of quorum)
    it(`with an alarm: ${what} → ${expected}`, () => {
      const p = examplePolicy(change);
      const plan = both(readings({ probes: passing, ...az1 }), metricAlarm(), p);
      assert.equal(rule(plan), expected, plan.reason);
    });
});

describe('level confirmations: how old a level reading may be', () => {
  it('a stale gateway reading (older than its maximum age) → unknown, and the alarm stays unconfirmed', () => {
    const stale = { status: 'Unhealthy' as const, at: secondsAgo(121) };
    const p = both(readings({ probes: failing, gatewayHealth: stale }), probeAlarm());
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(sig(p, 'gatewayHealth')?.verdict, 'unknown');
    assert.match(
      sig(p, 'gatewayHealth')?.detail ?? '',
      /reading expired: .* 121 s old and detection.maxReadingAgeSeconds is 120 s/,
    );
  });

  it('a gateway reading within its maximum age counts', () => {
    const recent = { status: 'Unhealthy' as const, at: secondsAgo(120) };
    assert.equal(rule(both(readings({ probes: failing, gatewayHealth: recent }), probeAlarm())), 'shift');
  });

  it('follows a source’s own maximum age, and names it', () => {
    const short = examplePolicy((p) => {
      p.detection.sources.gatewayHealth.maxReadingAgeSeconds = 30;
    });
    const p = both(
      readings({ probes: failing, gatewayHealth: { ...unhealthy, at: secondsAgo(60) } }),
      probeAlarm(),
      short,
    );
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.match(
      sig(p, 'gatewayHealth')?.detail ?? '',
      /detection.sources.gatewayHealth.maxReadingAgeSeconds is 30 s/,
    );
    const long = examplePolicy((p) => {
      p.detection.sources.readyReplicas.maxReadingAgeSeconds = 600;
    });
    const q = both(readings({ probes: failing, readyReplicas: ready(0, 3, 300) }), probeAlarm(), long);
    assert.equal(rule(q), 'shift', q.reason);
  });

  it('a stale replica reading does not confirm, whatever its value', () => {
    const p = both(readings({ probes: failing, readyReplicas: ready(0, 3, 300) }), probeAlarm());
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(sig(p, 'readyReplicas')?.verdict, 'unknown');
  });
});

describe('level confirmations: zero ready replicas that are not a zone down', () => {
  it('scaled to zero on purpose (desired 0): no evidence either way, the alarm stays unconfirmed', () => {
    const p = both(
      readings({
        probes: failing,
        gatewayHealth: { status: 'Unknown', at: secondsAgo(5) },
        readyReplicas: ready(0, 0),
      }),
      probeAlarm(),
    );
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(sig(p, 'readyReplicas')?.verdict, 'unknown');
    assert.match(
      sig(p, 'readyReplicas')?.detail ?? '',
      /^0\/0 replicas ready: no replica is meant to run here \(the Deployment is scaled to zero, or missing from this cluster\), which is no evidence either way$/,
    );
    assert.match(sig(p, 'gatewayHealth')?.detail ?? '', /no evidence either way/);
  });

  it('a Deployment missing from the cluster reads 0 of 0 and is treated the same', () => {
    // gather reads the Deployments of the route's namespace; none there sums to 0 ready of 0 desired.
    const p = both(
      readings({ probes: failing, gatewayHealth: health, readyReplicas: ready(0, 0) }),
      probeAlarm(),
    );
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(p.nextState.verdicts[AZ1]?.sources.readyReplicas?.verdict, 'unknown');
  });

  it('a 0-of-0 reading replaces an earlier 0-of-3: the level is what it reads now', () => {
    // A minute ago 0 of 3 were ready (down); then the team scaled the Deployment to zero.
    const before = decide(
      policy,
      roundPath(readings({ readyReplicas: ready(0, 3, 65) }), null),
      initialRoutingState(policy),
      at0,
    );
    assert.equal(before.nextState.verdicts[AZ1]?.sources.readyReplicas?.verdict, 'down');
    const p = both(
      readings({ probes: failing, readyReplicas: ready(0, 0) }),
      probeAlarm(),
      policy,
      before.nextState,
    );
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.equal(p.nextState.verdicts[AZ1]?.sources.readyReplicas?.verdict, 'unknown');
  });

  it('some replicas ready is up by default; minReadyShare makes too few ready a failure', () => {
    const some = readings({ probes: failing, readyReplicas: ready(1, 3) });
    assert.equal(rule(both(some, probeAlarm())), 'hold unconfirmed');
    const half = examplePolicy((p) => {
      p.detection.sources.readyReplicas.minReadyShare = 0.5;
    });
    const p = both(some, probeAlarm(), half);
    assert.equal(rule(p), 'shift', p.reason);
    assert.equal(
      sig(p, 'readyReplicas')?.detail,
      '1/3 replicas ready (detection.sources.readyReplicas.minReadyShare 0.5 needs 2)',
    );
    assert.equal(
      rule(both(readings({ probes: failing, readyReplicas: ready(2, 3) }), probeAlarm(), half)),
      'hold unconfirmed',
    );
    const all = examplePolicy((p) => {
      p.detection.sources.readyReplicas.minReadyShare = 1;
    });
    assert.equal(
      rule(both(readings({ probes: failing, readyReplicas: ready(2, 3) }), probeAlarm(), all)),
      'shift',
    );
    assert.equal(
      rule(both(readings({ probes: failing, readyReplicas: ready(3, 3) }), probeAlarm(), all)),
      'hold unconfirmed',
    );
  });

  it('a target zone with too few ready replicas is not a healthy target', () => {
    const half = examplePolicy((p) => {
      p.detection.sources.readyReplicas.minReadyShare = 0.5;
    });
    const r: Readings = {
      observedAt: at0,
      clusters: {
        [AZ1]: { alarms: [], probes: failing, gatewayHealth: unhealthy, readyReplicas: ready(0) },
        [AZ2]: healthy(0, { readyReplicas: ready(1, 3) }),
      },
    };
    const p = both(r, probeAlarm(), half);
    assert.equal(rule(p), 'hold no-healthy-target', p.reason);
  });
});
