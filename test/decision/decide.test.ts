import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import type { Plan } from '../../shared/decision/plan';
import {
  initialRoutingState,
  type RoutingState,
  RoutingStateSchema,
} from '../../shared/decision/routing-state';
import {
  AZ1,
  AZ2,
  examplePolicy,
  failedOverState,
  healthy,
  observe,
  probes,
  t,
  trigger,
  zoneDown,
} from './fixtures';

const policy = examplePolicy();
const fresh = () => initialRoutingState(policy);

function expectHold(p: Plan, rule: string): void {
  assert.equal(p.kind, 'hold', `expected hold ${rule}, got ${p.kind}: ${p.reason}`);
  if (p.kind === 'hold') assert.equal(p.rule, rule, p.reason);
}

/** The state after a confirmed zone-down of AZ1 at minute 0. */
const failedOver = (): RoutingState => failedOverState(policy);

describe('decide: failover', () => {
  it('fails over from a zone that is down when an alarm is confirmed by the probes', () => {
    const p = decide(
      policy,
      observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
      fresh(),
      t(0),
    );
    assert.equal(p.kind, 'shift');
    if (p.kind !== 'shift') return;
    assert.deepEqual(p.weights, { 'web-demo': { [AZ1]: 0, [AZ2]: 100 } });
    assert.equal(p.nextState.mode, 'failed-over');
    assert.equal(p.nextState.incident?.failedCluster, AZ1);
    assert.equal(p.nextState.lastTransition?.by, 'automation');
    assert.match(p.reason, /c-ack-az1: down \(an alarm, confirmed by probe, gatewayHealth, readyReplicas\)/);
    assert.ok(p.signals.some((s) => s.cluster === AZ1 && s.source === 'probe' && s.verdict === 'down'));
    assert.ok(p.signals.some((s) => s.source === 'trigger'));
    assert.ok(p.nextState.handledAlarmKeys.includes(trigger(0).key));
  });

  it('holds when an alarm fires but no independent source confirms it', () => {
    const az1 = healthy(0, {
      alarms: [
        {
          name: 'web-demo-5xx',
          metricName: 'http_5xx_ratio',
          state: 'ALERT',
          at: t(0),
          onProbeMetric: false,
        },
      ],
    });
    const p = decide(
      policy,
      observe(0, { [AZ1]: az1, [AZ2]: healthy(0) }, { trigger: trigger(0) }),
      fresh(),
      t(0),
    );
    expectHold(p, 'unconfirmed');
    assert.equal(p.verdicts[AZ1], 'suspect');
    assert.match(p.reason, /0 of 1 required independent confirmation/);
  });

  it('counts an alarm on the probe metric as the probe source, not as a second source', () => {
    const az1 = zoneDown(0, {
      alarms: [
        {
          name: 'probe',
          metricName: 'fleet_dr_probe_success',
          state: 'ALERT',
          at: t(0),
          onProbeMetric: false,
        },
      ],
      gatewayHealth: { status: 'Health', at: t(0) },
      readyReplicas: { ready: 3, desired: 3, at: t(0) },
    });
    const p = decide(policy, observe(0, { [AZ1]: az1, [AZ2]: healthy(0) }), fresh(), t(0));
    expectHold(p, 'unconfirmed');
    assert.match(p.reason, /fleet-dr probe metric/);
  });

  it('fails over on a probe-metric alarm in one decision when gateway health agrees (a level: one reading counts)', () => {
    const az1 = zoneDown(0, {
      alarms: [
        {
          name: 'probe',
          metricName: 'fleet_dr_probe_success',
          state: 'ALERT',
          at: t(0),
          onProbeMetric: false,
        },
      ],
      readyReplicas: null,
    });
    const p = decide(policy, observe(0, { [AZ1]: az1, [AZ2]: healthy(0) }), fresh(), t(0));
    assert.equal(p.kind, 'shift', p.reason);
    assert.match(p.reason, /confirmed by gatewayHealth\)/);
  });

  it('waits for consecutive gateway readings when a team asks for them (consecutiveReadings 3)', () => {
    const policy = examplePolicy((p) => {
      p.detection.sources.gatewayHealth.consecutiveReadings = 3;
    });
    let st = fresh();
    const az1 = (m: number) =>
      zoneDown(m, {
        alarms: [
          {
            name: 'probe',
            metricName: 'fleet_dr_probe_success',
            state: 'ALERT',
            at: t(m),
            onProbeMetric: false,
          },
        ],
        readyReplicas: null,
      });
    for (const m of [0, 1]) {
      const p = decide(policy, observe(m, { [AZ1]: az1(m), [AZ2]: healthy(m) }), st, t(m));
      expectHold(p, 'unconfirmed');
      const sig = p.signals.find((s) => s.cluster === AZ1 && s.source === 'gatewayHealth');
      assert.match(
        sig?.detail ?? '',
        new RegExp(
          `${m + 1} of 3 consecutive readings needed: detection.sources.gatewayHealth.consecutiveReadings`,
        ),
      );
      st = p.nextState;
    }
    const p = decide(policy, observe(2, { [AZ1]: az1(2), [AZ2]: healthy(2) }), st, t(2));
    assert.equal(p.kind, 'shift', p.reason);
  });

  it('does not call flapping probes down (hysteresis), so an alarm stays unconfirmed', () => {
    let st = fresh();
    for (let m = 0; m < 6; m++) {
      const flap = probes(m, m % 2 === 0 ? [false, true, false] : [true, false, true]);
      const az1 = healthy(m, {
        probes: flap,
        alarms: [
          {
            name: 'web-demo-5xx',
            metricName: 'http_5xx_ratio',
            state: 'ALERT',
            at: t(m),
            onProbeMetric: false,
          },
        ],
      });
      const p = decide(policy, observe(m, { [AZ1]: az1, [AZ2]: healthy(m) }), st, t(m));
      expectHold(p, 'unconfirmed');
      assert.notEqual(p.nextState.verdicts[AZ1]?.sources.probe?.verdict, 'down');
      st = p.nextState;
    }
  });

  it('reads INSUFFICIENT_DATA as unknown: failing probes alone do not fail over', () => {
    const az1 = zoneDown(0, {
      alarms: [
        {
          name: 'web-demo-5xx',
          metricName: 'http_5xx_ratio',
          state: 'INSUFFICIENT_DATA',
          at: t(0),
          onProbeMetric: false,
        },
      ],
    });
    const p = decide(policy, observe(0, { [AZ1]: az1, [AZ2]: healthy(0) }), fresh(), t(0));
    expectHold(p, 'insufficient-data');
    assert.equal(p.verdicts[AZ1], 'suspect');
    assert.match(p.reason, /INSUFFICIENT_DATA, which counts as unknown/);
  });

  it('reads INSUFFICIENT_DATA as an alert when the policy says so', () => {
    const alertPolicy = examplePolicy((p) => {
      p.detection.insufficientData = 'alert';
    });
    const az1 = zoneDown(0, {
      alarms: [
        {
          name: 'web-demo-5xx',
          metricName: 'http_5xx_ratio',
          state: 'INSUFFICIENT_DATA',
          at: t(0),
          onProbeMetric: false,
        },
      ],
    });
    const p = decide(alertPolicy, observe(0, { [AZ1]: az1, [AZ2]: healthy(0) }), fresh(), t(0));
    assert.equal(p.kind, 'shift');
  });

  it('never reads INSUFFICIENT_DATA as healthy, and holds when the probes pass', () => {
    const only = healthy(0, {
      alarms: [
        {
          name: 'web-demo-5xx',
          metricName: 'http_5xx_ratio',
          state: 'INSUFFICIENT_DATA',
          at: t(0),
          onProbeMetric: false,
        },
      ],
      probes: [],
      gatewayHealth: null,
      readyReplicas: null,
    });
    const p0 = decide(policy, observe(0, { [AZ1]: only, [AZ2]: healthy(0) }), fresh(), t(0));
    assert.equal(p0.verdicts[AZ1], 'unknown');
    const withProbes = healthy(0, { alarms: only.alarms });
    const p = decide(policy, observe(0, { [AZ1]: withProbes, [AZ2]: healthy(0) }), fresh(), t(0));
    expectHold(p, 'insufficient-data');
    assert.deepEqual(p.nextState.weights, fresh().weights);
  });

  it('holds on an agent partition: a registered cluster disconnected while its probes pass', () => {
    const az2 = healthy(0, {
      ackState: { state: 'disconnected', at: t(0) },
      alarms: [
        {
          name: 'agent',
          metricName: 'cluster_agent_connected',
          state: 'ALERT',
          at: t(0),
          onProbeMetric: false,
        },
      ],
      gatewayHealth: { status: 'Unhealthy', at: t(0) },
    });
    const p = decide(policy, observe(0, { [AZ1]: healthy(0), [AZ2]: az2 }), fresh(), t(0));
    expectHold(p, 'agent-partition');
    assert.match(p.reason, /agent partition/);
  });

  it('lets a running control plane never veto: a managed cluster whose zone died still fails over', () => {
    const p = decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }), fresh(), t(0));
    assert.equal(p.kind, 'shift');
    assert.ok(p.signals.some((s) => s.source === 'ackState' && /never vetoes/.test(s.detail)));
  });

  it('moves nothing when every cluster looks down (observer guard)', () => {
    const p = decide(
      policy,
      observe(0, { [AZ1]: zoneDown(0), [AZ2]: zoneDown(0) }, { trigger: trigger(0) }),
      fresh(),
      t(0),
    );
    expectHold(p, 'observer-guard');
    assert.match(p.reason, /observer may be the one cut off/);
  });

  it('holds during the cooldown after a transition, then acts', () => {
    const st: RoutingState = { ...fresh(), lastTransition: { at: t(-2), by: 'operator', reason: 'test' } };
    const p = decide(policy, observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }), st, t(0));
    expectHold(p, 'cooldown');
    assert.match(p.reason, /cooldown has 180 s left/);
    const later = decide(policy, observe(3, { [AZ1]: zoneDown(3), [AZ2]: healthy(3) }), p.nextState, t(3));
    assert.equal(later.kind, 'shift');
  });
});

describe('decide: dedup', () => {
  it('holds on a repeated alarm that was already handled', () => {
    const st = failedOver();
    const p = decide(
      policy,
      observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }, { trigger: trigger(0) }),
      st,
      t(1),
    );
    expectHold(p, 'duplicate-alarm');
  });

  it('holds on an alarm older than the last transition (out of order)', () => {
    const st = failedOver();
    const old = trigger(-1, AZ1, 'ALERT', 'late-key');
    const p = decide(
      policy,
      observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }, { trigger: old }),
      st,
      t(1),
    );
    expectHold(p, 'stale-alarm');
  });

  it('holds on a new alarm for an incident already handled (after fencing)', () => {
    let st = failedOver();
    const fence = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), st, t(1));
    assert.equal(fence.kind, 'fence');
    st = fence.nextState;
    const p = decide(
      policy,
      observe(2, { [AZ1]: zoneDown(2), [AZ2]: healthy(2) }, { trigger: trigger(2) }),
      st,
      t(2),
    );
    expectHold(p, 'already-handled');
  });
});

describe('decide: recovery and failback', () => {
  /** Failed over, fenced, recovered for long enough and re-admitted. */
  function recovered(): RoutingState {
    let st = failedOver();
    st = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), st, t(1)).nextState;
    const early = decide(policy, observe(30, { [AZ1]: healthy(30), [AZ2]: healthy(30) }), st, t(30));
    expectHold(early, 'min-dwell');
    const readmit = decide(
      policy,
      observe(41, { [AZ1]: healthy(41), [AZ2]: healthy(41) }),
      early.nextState,
      t(41),
    );
    assert.equal(readmit.kind, 'readmit', readmit.reason);
    assert.deepEqual(readmit.nextState.fenced, {});
    return readmit.nextState;
  }
  const op = (m: number, action: 'failback-step' | 'failback-abort', id: string) => ({
    operatorRequest: { action, by: 'alice', at: t(m), id },
  });

  it('waits for an operator when failback is manual', () => {
    const p = decide(policy, observe(42, { [AZ1]: healthy(42), [AZ2]: healthy(42) }), recovered(), t(42));
    expectHold(p, 'awaiting-operator');
  });

  it('refuses an operator failback step before the minimum dwell', () => {
    let st = failedOver();
    st = decide(policy, observe(20, { [AZ1]: healthy(20), [AZ2]: healthy(20) }), st, t(20)).nextState;
    const p = decide(
      policy,
      observe(21, { [AZ1]: healthy(21), [AZ2]: healthy(21) }, op(21, 'failback-step', 'r1')),
      st,
      t(21),
    );
    expectHold(p, 'min-dwell');
  });

  it('steps back through the ramp on operator request, then closes the incident', () => {
    let st = recovered();
    const expected = [
      { [AZ1]: 10, [AZ2]: 90 },
      { [AZ1]: 50, [AZ2]: 50 },
      { [AZ1]: 50, [AZ2]: 50 },
    ];
    for (const [i, w] of expected.entries()) {
      const m = 45 + i * 10; // each step after the dwell (the stable window by default)
      const p = decide(
        policy,
        observe(m, { [AZ1]: healthy(m), [AZ2]: healthy(m) }, op(m, 'failback-step', `s${i}`)),
        st,
        t(m),
      );
      assert.equal(p.kind, 'failback-step', p.reason);
      if (p.kind !== 'failback-step') return;
      assert.equal(p.stepIndex, i);
      assert.deepEqual(p.weights['web-demo'], w);
      assert.equal(p.by, 'alice');
      st = p.nextState;
    }
    assert.equal(st.mode, 'normal');
    assert.equal(st.incident, null);
    assert.equal(st.failback, null);
  });

  it('aborts a failback step when the recovered cluster regresses', () => {
    const st0 = recovered();
    const step = decide(
      policy,
      observe(45, { [AZ1]: healthy(45), [AZ2]: healthy(45) }, op(45, 'failback-step', 'a')),
      st0,
      t(45),
    );
    assert.equal(step.kind, 'failback-step');
    const p = decide(policy, observe(46, { [AZ1]: zoneDown(46), [AZ2]: healthy(46) }), step.nextState, t(46));
    assert.equal(p.kind, 'failback-abort', p.reason);
    if (p.kind !== 'failback-abort') return;
    assert.deepEqual(p.weights['web-demo'], { [AZ1]: 0, [AZ2]: 100 });
    assert.equal(p.nextState.mode, 'failed-over');
    assert.equal(p.nextState.failback, null);
  });

  it('aborts on operator request', () => {
    const step = decide(
      policy,
      observe(45, { [AZ1]: healthy(45), [AZ2]: healthy(45) }, op(45, 'failback-step', 'b')),
      recovered(),
      t(45),
    );
    const p = decide(
      policy,
      observe(46, { [AZ1]: healthy(46), [AZ2]: healthy(46) }, op(46, 'failback-abort', 'c')),
      step.nextState,
      t(46),
    );
    assert.equal(p.kind, 'failback-abort');
  });

  it('fails back on its own only when the policy says so', () => {
    const auto = examplePolicy((p) => {
      p.failback.automatic = true;
    });
    const p = decide(auto, observe(42, { [AZ1]: healthy(42), [AZ2]: healthy(42) }), recovered(), t(42));
    assert.equal(p.kind, 'failback-step');
    const again = decide(auto, observe(43, { [AZ1]: healthy(43), [AZ2]: healthy(43) }), p.nextState, t(43));
    expectHold(again, 'min-dwell');
    const next = decide(
      auto,
      observe(53, { [AZ1]: healthy(53), [AZ2]: healthy(53) }),
      again.nextState,
      t(53),
    );
    assert.equal(next.kind, 'failback-step');
  });

  it('ignores a repeated operator request', () => {
    const st = recovered();
    const p = decide(
      policy,
      observe(45, { [AZ1]: healthy(45), [AZ2]: healthy(45) }, op(45, 'failback-step', 'same')),
      st,
      t(45),
    );
    const again = decide(
      policy,
      observe(46, { [AZ1]: healthy(46), [AZ2]: healthy(46) }, op(45, 'failback-step', 'same')),
      p.nextState,
      t(46),
    );
    expectHold(again, 'duplicate-alarm');
  });
});

describe('decide: paused and operator intent', () => {
  it('turns an automatic failover into a hold when the policy is paused', () => {
    const paused = examplePolicy((p) => {
      p.paused = true;
    });
    const p = decide(paused, observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }), fresh(), t(0));
    expectHold(p, 'paused');
    assert.match(p.reason, /would have done shift/);
    assert.deepEqual(p.nextState.weights, fresh().weights);
  });

  it('honours an operator pause until resumed', () => {
    const pause = decide(
      policy,
      observe(
        0,
        { [AZ1]: healthy(0), [AZ2]: healthy(0) },
        { operatorRequest: { action: 'pause', by: 'bob', at: t(0) } },
      ),
      fresh(),
      t(0),
    );
    expectHold(pause, 'paused');
    const p = decide(policy, observe(1, { [AZ1]: zoneDown(1), [AZ2]: healthy(1) }), pause.nextState, t(1));
    expectHold(p, 'paused');
    const resume = decide(
      policy,
      observe(
        2,
        { [AZ1]: zoneDown(2), [AZ2]: healthy(2) },
        { operatorRequest: { action: 'resume', by: 'bob', at: t(2) } },
      ),
      p.nextState,
      t(2),
    );
    assert.equal(resume.nextState.paused, null);
    const after = decide(
      policy,
      observe(3, { [AZ1]: zoneDown(3), [AZ2]: healthy(3) }),
      resume.nextState,
      t(3),
    );
    assert.equal(after.kind, 'shift');
  });

  it('does not re-associate a cluster an operator detached, but re-associates one that fell off', () => {
    const detachedObs = (m: number) =>
      observe(m, {
        [AZ1]: healthy(m, { membership: { attachedToFleet: false, onGateway: true, at: t(m) } }),
        [AZ2]: healthy(m),
      });
    let st = fresh();
    st = decide(policy, detachedObs(0), st, t(0)).nextState;
    const fellOff = decide(policy, detachedObs(11), st, t(11));
    assert.equal(fellOff.kind, 'reassociate');
    const marked: RoutingState = {
      ...st,
      detached: { [AZ1]: { by: 'alice', at: t(0), reason: 'maintenance' } },
    };
    const p = decide(policy, detachedObs(11), marked, t(11));
    assert.equal(p.kind, 'hold');
  });

  it('does not re-admit a cluster an operator fenced', () => {
    let st = failedOver();
    st = { ...st, fenced: { [AZ1]: { by: 'alice', at: t(0), reason: 'bad disk' } } };
    st = decide(policy, observe(20, { [AZ1]: healthy(20), [AZ2]: healthy(20) }), st, t(20)).nextState;
    const p = decide(policy, observe(40, { [AZ1]: healthy(40), [AZ2]: healthy(40) }), st, t(40));
    expectHold(p, 'operator-fenced');
  });

  it('lets an operator fence a healthy cluster, moving its traffic first', () => {
    const p = decide(
      policy,
      observe(
        0,
        { [AZ1]: healthy(0), [AZ2]: healthy(0) },
        { operatorRequest: { action: 'fence', cluster: AZ2, by: 'bob', at: t(0) } },
      ),
      fresh(),
      t(0),
    );
    assert.equal(p.kind, 'fence');
    if (p.kind !== 'fence') return;
    assert.deepEqual(p.weights['web-demo'], { [AZ1]: 100, [AZ2]: 0 });
    assert.equal(p.nextState.fenced[AZ2]?.by, 'bob');
  });
});

describe('decide: determinism and state', () => {
  it('gives the same Plan for the same input and does not change its inputs', () => {
    const obs = observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) });
    const st = fresh();
    const before = structuredClone({ obs, st });
    assert.deepEqual(decide(policy, obs, st, t(0)), decide(policy, obs, st, t(0)));
    assert.deepEqual({ obs, st }, before);
  });

  it('commits a state that round-trips through JSON', () => {
    const st = failedOver();
    assert.deepEqual(RoutingStateSchema.parse(JSON.parse(JSON.stringify(st))), st);
  });
});
