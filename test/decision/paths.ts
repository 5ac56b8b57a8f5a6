/**
 * The two ways one set of readings reaches decide(): the alarm path (a CloudMonitor alarm is the trigger) and a
 * health-check round (no trigger; the alarm's state is one of the readings, as a round that reads alarm states
 * sees it). Both must decide alike; these helpers build both inputs and compare the decisions.
 */
import assert from 'node:assert/strict';
import type { Policy } from '../../shared/config';
import { decide } from '../../shared/decision/decide';
import {
  type AlarmObservation,
  type ClusterObservation,
  type Observations,
  ObservationsSchema,
  type TriggerAlarm,
} from '../../shared/decision/observations';
import type { Plan } from '../../shared/decision/plan';
import type { RoutingState } from '../../shared/decision/routing-state';

/** Readings of every cluster at `observedAt` (alarms included), before a trigger is added. */
export interface Readings {
  observedAt: string;
  clusters: Record<string, Partial<ClusterObservation>>;
}

/** The alarm path: the alarm is the trigger, not among the readings. */
export function alarmPath(r: Readings, alarm: TriggerAlarm): Observations {
  return ObservationsSchema.parse({ observedAt: r.observedAt, clusters: r.clusters, trigger: alarm });
}

/** A health-check round: no trigger; the alarm's latest state is read with the cluster's other readings. */
export function roundPath(r: Readings, alarm: TriggerAlarm | null): Observations {
  const clusters = { ...r.clusters };
  if (alarm) {
    const own = clusters[alarm.clusterId] ?? {};
    const reading: AlarmObservation = {
      name: alarm.name,
      metricName: alarm.metricName,
      state: alarm.state,
      at: alarm.at,
      onProbeMetric: alarm.onProbeMetric,
    };
    clusters[alarm.clusterId] = { ...own, alarms: [...(own.alarms ?? []), reading] };
  }
  return ObservationsSchema.parse({ observedAt: r.observedAt, clusters, trigger: null });
}

/** Both decisions on the same readings: [alarm path, health-check round]. */
export function decideBothWays(
  policy: Policy,
  r: Readings,
  alarm: TriggerAlarm,
  stateA: RoutingState,
  stateB: RoutingState = stateA,
  now: string = r.observedAt,
): [Plan, Plan] {
  return [decide(policy, alarmPath(r, alarm), stateA, now), decide(policy, roundPath(r, alarm), stateB, now)];
}

/**
 * The verdicts without sample bookkeeping: a healthy fleet's quiet round writes nothing, so an up source's
 * success count and newest sample may stay as they were (they matter only on the way up), and the newest probe
 * round (`probeRound`, shown as the error rate) is not a decision input.
 */
function decisionVerdicts(v: RoutingState['verdicts']) {
  return Object.fromEntries(
    Object.entries(v).map(([id, h]) => {
      const { probeRound: _, ...rest } = h;
      const sources = Object.fromEntries(
        Object.entries(h.sources).map(([k, src]) =>
          src && src.verdict === 'up'
            ? [k, { verdict: src.verdict, failures: src.failures, since: src.since }]
            : [k, src],
        ),
      );
      return [id, { ...rest, sources }];
    }),
  );
}

/** The part of a committed state that is the decision, not the bookkeeping of what triggered it. */
export function decisionState(s: RoutingState) {
  return {
    mode: s.mode,
    weights: s.weights,
    // Whether a recovery was announced is message bookkeeping: an OK alarm announces it before the verdict is up.
    incident: s.incident && { ...s.incident, recoveryAnnounced: undefined },
    lastTransition: s.lastTransition,
    fenced: s.fenced,
    detached: s.detached,
    failback: s.failback,
    verdicts: decisionVerdicts(s.verdicts),
    paused: s.paused,
    governsSplit: s.governsSplit,
    holdAlert: s.holdAlert,
    membershipChanges: s.outbox
      .filter((o) => o.kind === 'membership')
      .map((o) => (o.kind === 'membership' ? `${o.op} ${o.cluster}` : '')),
  };
}

/**
 * Asserts two Plans decide alike: same kind, rule, reason, wait, weights, verdicts, evidence (the trigger's
 * own signal aside) and the same state to commit, bookkeeping aside (handled keys, alarm times, audit records
 * and messages, which say what triggered the decision).
 */
export function assertAlike(a: Plan, b: Plan, context = ''): void {
  const view = (p: Plan) => ({
    kind: p.kind,
    rule: p.kind === 'hold' ? p.rule : undefined,
    reason: p.reason,
    until: p.kind === 'hold' ? p.until : undefined,
    remainingSeconds: p.kind === 'hold' ? p.remainingSeconds : undefined,
    cluster: 'cluster' in p ? p.cluster : undefined,
    weights: 'weights' in p ? p.weights : undefined,
    verdicts: p.verdicts,
    signals: p.signals.filter((s) => s.source !== 'trigger'),
    state: decisionState(p.nextState),
  });
  assert.deepEqual(view(a), view(b), `the alarm path and a health-check round differ ${context}`);
}
