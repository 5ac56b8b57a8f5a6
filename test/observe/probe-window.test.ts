// A health-check round's readings, as decide() reads them: the probe samples, and the probe-metric alarm the
// health-check evaluates itself on its rounds (the rule deploy/create-alarm-rules.ts gives CloudMonitor).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '../../shared/config';
import { decide } from '../../shared/decision/decide';
import { type ClusterObservation, ObservationsSchema } from '../../shared/decision/observations';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState } from '../../shared/decision/routing-state';
import type { ClusterRound } from '../../shared/observe/probe-round';
import { ProbeWindow, probeAlarmName, probeMetricName, sampleOf } from '../../shared/observe/probe-window';
import { AZ1, AZ2, examplePolicy } from '../decision/fixtures';

const T0 = Date.parse('2025-06-01T08:00:00Z');
const at = (round: number) => new Date(T0 + round * 10_000).toISOString();

function round(clusterId: string, n: number, failed: number, sent = 10): ClusterRound {
  const share = failed / sent;
  return {
    clusterId,
    at: at(n),
    sent,
    failed,
    skipped: 0,
    share,
    ok: share < 0.3,
    latency: failed === sent ? null : { mean: 40, max: 90 },
    failures: failed ? { 'HTTP 503': failed } : {},
  };
}

/** Feeds rounds into a window: AZ1 fails `failed[i]` of 10 in round i, AZ2 always passes. */
function windowAfter(policy: Policy, failed: number[]): ProbeWindow {
  const w = new ProbeWindow(policy);
  failed.forEach((f, i) => {
    w.add([round(AZ1, i, f), round(AZ2, i, 0)]);
  });
  return w;
}

/** What a round decides, with the other sources as given for AZ1 (AZ2 serving). */
function decideRound(policy: Policy, w: ProbeWindow, az1: Partial<ClusterObservation>, n: number): Plan {
  const r = w.readings();
  const now = at(n);
  const serving = {
    ackState: { state: 'running', at: now },
    gatewayHealth: { status: 'Health' as const, at: now },
    readyReplicas: { ready: 3, desired: 3, at: now },
  };
  const obs = ObservationsSchema.parse({
    observedAt: now,
    trigger: null,
    clusters: {
      [AZ1]: { probes: r.probes[AZ1], alarms: r.alarms[AZ1], ...serving, ...az1 },
      [AZ2]: { probes: r.probes[AZ2], alarms: r.alarms[AZ2], ...serving },
    },
  });
  return decide(policy, obs, initialRoutingState(policy), now);
}

const rule = (p: Plan) => (p.kind === 'hold' ? `hold ${p.rule}` : p.kind);

describe('ProbeWindow: a round is one probe sample, judged by its failure share', () => {
  const policy = examplePolicy((p) => {
    p.detection.failuresToDown = 2;
    p.detection.successesToUp = 2;
  });

  it('turns a round into a sample whose error says the share and the threshold', () => {
    const s = sampleOf(round(AZ1, 0, 5), 0.3);
    assert.deepEqual(s, {
      at: at(0),
      ok: false,
      status: 503,
      latencyMs: 40,
      error: '5 of 10 probe requests failed (50%, at or above the 30% threshold): 5 × HTTP 503',
    });
    assert.deepEqual(sampleOf(round(AZ1, 0, 1), 0.3), { at: at(0), ok: true, latencyMs: 40 });
    assert.equal(sampleOf({ ...round(AZ1, 0, 0), share: null, ok: null, sent: 0 }, 0.3), null);
  });

  it('raises the probe-metric alarm only after failuresToDown failing rounds in a row', () => {
    assert.equal(windowAfter(policy, [0, 10]).alarmOf(AZ1), null, 'one failing round: no alarm');
    assert.equal(windowAfter(policy, [10, 0, 10]).alarmOf(AZ1), null, 'a passing round in between');
    const a = windowAfter(policy, [0, 10, 5]).alarmOf(AZ1);
    assert.deepEqual(a, {
      name: probeAlarmName('ack-az1'),
      metricName: probeMetricName(policy),
      state: 'ALERT',
      at: at(2),
      onProbeMetric: true,
    });
    assert.equal(a?.name, 'ack-az1-probe', 'the RuleName deploy/create-alarm-rules.ts gives the rule');
    assert.equal(a?.metricName, 'fleet_dr_probe_success');
    assert.equal(windowAfter(policy, [0, 10, 5]).alarmOf(AZ2), null);
  });

  it('keeps the last max(failuresToDown, successesToUp) samples per cluster', () => {
    const r = windowAfter(policy, [0, 0, 10, 10]).readings();
    assert.deepEqual(
      r.probes[AZ1]!.map((s) => [s.at, s.ok]),
      [
        [at(2), false],
        [at(3), false],
      ],
    );
    assert.deepEqual(r.alarms[AZ2], []);
  });
});

describe('a round through decide(): the quorum still rules', () => {
  const policy = examplePolicy((p) => {
    p.detection.failuresToDown = 2;
    p.detection.successesToUp = 2;
  });

  it('fails a zone over when its rounds fail and the gateway agrees', () => {
    const p = decideRound(
      policy,
      windowAfter(policy, [10, 10]),
      { gatewayHealth: { status: 'Unhealthy', at: at(1) } },
      1,
    );
    assert.equal(rule(p), 'shift', p.reason);
    assert.match(
      p.reason,
      /c-ack-az1: down \(an alarm on the fleet-dr probe metric, confirmed by gatewayHealth\)/,
    );
  });

  it('fails a zone over when its rounds fail and no replica is ready', () => {
    const p = decideRound(
      policy,
      windowAfter(policy, [10, 10]),
      { readyReplicas: { ready: 0, desired: 3, at: at(1) } },
      1,
    );
    assert.equal(rule(p), 'shift', p.reason);
  });

  it('holds when only the probes see it (a zone answering half its requests with 5xx, the gateway content)', () => {
    const p = decideRound(policy, windowAfter(policy, [5, 5]), {}, 1);
    assert.equal(rule(p), 'hold unconfirmed', p.reason);
    assert.match(p.reason, /the probes are the alarm's own source and cannot confirm it/);
  });

  it('fails such a zone over where the policy lets the probes act alone (confirmationsRequired: 0)', () => {
    const alone = examplePolicy((p) => {
      p.detection.failuresToDown = 2;
      p.detection.successesToUp = 2;
      p.detection.confirmationsRequired = 0;
    });
    const p = decideRound(alone, windowAfter(alone, [5, 5]), {}, 1);
    assert.equal(rule(p), 'shift', p.reason);
  });

  it('waits for the second failing round: one round is not enough', () => {
    const p = decideRound(
      policy,
      windowAfter(policy, [0, 10]),
      { gatewayHealth: { status: 'Unhealthy', at: at(1) } },
      1,
    );
    assert.notEqual(p.kind, 'shift', p.reason);
  });

  it('holds an agent partition: a registered cluster disconnected while its rounds pass', () => {
    const w = new ProbeWindow(policy);
    w.add([round(AZ1, 0, 0), round(AZ2, 0, 0)]);
    w.add([round(AZ1, 1, 0), round(AZ2, 1, 0)]);
    const r = w.readings();
    const now = at(1);
    const serving = {
      gatewayHealth: { status: 'Health' as const, at: now },
      readyReplicas: { ready: 3, desired: 3, at: now },
    };
    const obs = ObservationsSchema.parse({
      observedAt: now,
      trigger: null,
      clusters: {
        [AZ1]: { probes: r.probes[AZ1], alarms: [], ackState: { state: 'running', at: now }, ...serving },
        [AZ2]: {
          probes: r.probes[AZ2],
          alarms: [],
          ackState: { state: 'disconnected', at: now },
          ...serving,
        },
      },
    });
    const p = decide(policy, obs, initialRoutingState(policy), now);
    assert.equal(rule(p), 'hold agent-partition', p.reason);
  });

  it('decides as the alarm path does on the same evidence (CloudMonitor’s alarm on the probe metric as the trigger)', () => {
    const w = windowAfter(policy, [10, 10]);
    const round1 = decideRound(policy, w, { gatewayHealth: { status: 'Unhealthy', at: at(1) } }, 1);
    const r = w.readings();
    const alarm = r.alarms[AZ1]![0]!;
    const now = at(1);
    const serving = {
      ackState: { state: 'running', at: now },
      gatewayHealth: { status: 'Health' as const, at: now },
      readyReplicas: { ready: 3, desired: 3, at: now },
    };
    const viaAlarm = decide(
      policy,
      ObservationsSchema.parse({
        observedAt: now,
        trigger: { key: `fleet-dr-probe-${AZ1}/k`, clusterId: AZ1, ...alarm },
        clusters: {
          [AZ1]: { probes: r.probes[AZ1], ...serving, gatewayHealth: { status: 'Unhealthy', at: now } },
          [AZ2]: { probes: r.probes[AZ2], ...serving },
        },
      }),
      initialRoutingState(policy),
      now,
    );
    assert.equal(rule(viaAlarm), rule(round1));
    assert.deepEqual(
      viaAlarm.kind === 'shift' && viaAlarm.weights,
      round1.kind === 'shift' && round1.weights,
    );
  });
});
