import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Policy } from '../../shared/config';
import { decide } from '../../shared/decision/decide';
import { isExpired } from '../../shared/decision/hysteresis';
import { type Observations, ObservationsSchema } from '../../shared/decision/observations';
import {
  type ClusterHistory,
  type RoutingState,
  RoutingStateSchema,
} from '../../shared/decision/routing-state';
import { checkSafety } from '../../shared/decision/safety';
import { currentRouteWeights } from '../../shared/decision/weights';
import { AZ1, AZ2, examplePolicy, t } from './fixtures';

const RUNS = 1000;
const base = examplePolicy();
const ids = [AZ1, AZ2];
const minute = fc.integer({ min: -60, max: 0 });
const at = minute.map(t);

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    confirmationsRequired: fc.integer({ min: 0, max: 2 }),
    insufficientData: fc.constantFrom('unknown' as const, 'alert' as const),
    paused: fc.boolean(),
    automatic: fc.boolean(),
    minHealthyWeight: fc.integer({ min: 0, max: 30 }),
    steps: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 }),
    cooldownSeconds: fc.constantFrom(0, 60, 300),
    minStable: fc.constantFrom(0, 120, 600),
    maxReadingAgeSeconds: fc.constantFrom(120, 600, 3600),
  })
  .map((r) => {
    const p = structuredClone(base);
    p.detection.confirmationsRequired = r.confirmationsRequired;
    p.detection.insufficientData = r.insufficientData;
    p.paused = r.paused;
    p.failback = { automatic: r.automatic, steps: r.steps };
    p.safety.minHealthyWeight = r.minHealthyWeight;
    p.timing = { cooldownSeconds: r.cooldownSeconds, minStableSecondsBeforeFailback: r.minStable };
    p.detection.maxReadingAgeSeconds = r.maxReadingAgeSeconds;
    return p;
  });

const clusterObsArb = fc.record(
  {
    alarms: fc.array(
      fc.record({
        name: fc.constantFrom('web-demo-5xx', 'probe', 'agent'),
        metricName: fc.constantFrom('http_5xx_ratio', 'fleet_dr_probe_success'),
        state: fc.constantFrom('OK' as const, 'ALERT' as const, 'INSUFFICIENT_DATA' as const),
        at,
        onProbeMetric: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
    probes: fc.array(fc.record({ at, ok: fc.boolean() }), { maxLength: 6 }),
    ackState: fc.option(
      fc.record({ state: fc.constantFrom('running', 'disconnected', 'unavailable', 'updating'), at }),
    ),
    gatewayHealth: fc.option(
      fc.record({ status: fc.constantFrom('Health' as const, 'Unhealthy' as const, 'Unknown' as const), at }),
    ),
    readyReplicas: fc.option(
      fc.record({ ready: fc.integer({ min: 0, max: 3 }), desired: fc.integer({ min: 0, max: 3 }), at }),
    ),
    membership: fc.option(fc.record({ attachedToFleet: fc.boolean(), onGateway: fc.boolean(), at })),
  },
  { requiredKeys: [] },
);

const obsArb: fc.Arbitrary<Observations> = fc
  .record({
    az1: clusterObsArb,
    az2: fc.option(clusterObsArb),
    trigger: fc.option(
      fc.record({
        key: fc.constantFrom('k1', 'k2', 'k3'),
        clusterId: fc.constantFrom(...ids),
        name: fc.constantFrom('web-demo-5xx', 'probe'),
        metricName: fc.constantFrom('http_5xx_ratio', 'fleet_dr_probe_success'),
        state: fc.constantFrom('OK' as const, 'ALERT' as const, 'INSUFFICIENT_DATA' as const),
        at,
      }),
    ),
    operatorRequest: fc.option(
      fc.record({
        action: fc.constantFrom(
          'failback-step' as const,
          'failback-abort' as const,
          'fence' as const,
          'readmit' as const,
          'reassociate' as const,
          'detach' as const,
          'pause' as const,
          'resume' as const,
        ),
        cluster: fc.constantFrom(...ids),
        by: fc.constant('alice'),
        at: fc.constant(t(0)),
      }),
      { freq: 4 },
    ),
  })
  .map((r) => {
    const clusters: Record<string, unknown> = { [AZ1]: r.az1 };
    if (r.az2) clusters[AZ2] = r.az2;
    return ObservationsSchema.parse({
      observedAt: t(0),
      clusters,
      trigger: r.trigger,
      ...(r.operatorRequest ? { operatorRequest: r.operatorRequest } : {}),
    });
  });

const srcHist = fc.record({
  verdict: fc.constantFrom('up' as const, 'down' as const, 'unknown' as const),
  failures: fc.integer({ min: 0, max: 4 }),
  successes: fc.integer({ min: 0, max: 4 }),
  lastSampleAt: fc.option(at),
  since: fc.option(at),
});
const histArb: fc.Arbitrary<ClusterHistory> = fc.record({
  verdict: fc.constantFrom('up' as const, 'down' as const, 'suspect' as const, 'unknown' as const),
  since: fc.option(at),
  upSince: fc.option(at),
  sources: fc.record(
    { alarm: srcHist, probe: srcHist, ackState: srcHist, gatewayHealth: srcHist, readyReplicas: srcHist },
    { requiredKeys: [] },
  ),
});
const mark = fc.record({ by: fc.constantFrom('automation', 'alice'), at, reason: fc.constant('r') });

const stateArb: fc.Arbitrary<RoutingState> = fc
  .record({
    mode: fc.constantFrom('normal' as const, 'failed-over' as const, 'failing-back' as const),
    w1: fc.integer({ min: 0, max: 100 }),
    failed: fc.constantFrom(...ids),
    hasIncident: fc.boolean(),
    lastTransition: fc.option(
      fc.record({
        at,
        by: fc.constantFrom('automation' as const, 'operator' as const),
        reason: fc.constant('x'),
      }),
    ),
    fenced: fc.option(fc.tuple(fc.constantFrom(...ids), mark)),
    detached: fc.option(fc.tuple(fc.constantFrom(...ids), mark)),
    stepIndex: fc.integer({ min: 0, max: 3 }),
    stepAt: at,
    h1: fc.option(histArb),
    h2: fc.option(histArb),
    keys: fc.subarray(['k1', 'k2', 'op:x']),
    paused: fc.option(mark, { freq: 5 }),
  })
  .map((r) => {
    const verdicts: Record<string, ClusterHistory> = {};
    if (r.h1) verdicts[AZ1] = r.h1;
    if (r.h2) verdicts[AZ2] = r.h2;
    return RoutingStateSchema.parse({
      version: 1,
      mode: r.mode,
      weights: { 'web-demo': { [AZ1]: r.w1, [AZ2]: 100 - r.w1 } },
      incident:
        r.hasIncident || r.mode !== 'normal'
          ? { id: 'i', cause: 'c', failedCluster: r.failed, openedAt: t(-60) }
          : null,
      lastTransition: r.lastTransition,
      fenced: r.fenced ? { [r.fenced[0]]: r.fenced[1] } : {},
      detached: r.detached ? { [r.detached[0]]: r.detached[1] } : {},
      failback:
        r.mode === 'failing-back'
          ? { cluster: r.failed, stepIndex: r.stepIndex, stepStartedAt: r.stepAt }
          : null,
      verdicts,
      handledAlarmKeys: r.keys,
      paused: r.paused,
    });
  });

const inputs = fc.tuple(policyArb, obsArb, stateArb);

describe('decide: properties over random observations and states', () => {
  it('every Plan obeys every safety rule and commits a valid state', () => {
    fc.assert(
      fc.property(inputs, ([policy, obs, state]) => {
        const plan = decide(policy, obs, state, t(0));
        assert.deepEqual(checkSafety(policy, plan, plan.verdicts), []);
        RoutingStateSchema.parse(JSON.parse(JSON.stringify(plan.nextState)));
        if ('weights' in plan) {
          const sum = Object.values(plan.weights['web-demo'] ?? {}).reduce((s, x) => s + x, 0);
          assert.equal(sum, 100);
          assert.deepEqual(plan.nextState.weights, plan.weights);
        }
        assert.ok(plan.reason.length > 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic and leaves its inputs unchanged', () => {
    fc.assert(
      fc.property(inputs, ([policy, obs, state]) => {
        const before = structuredClone({ policy, obs, state });
        const a = decide(policy, obs, state, t(0));
        const b = decide(structuredClone(policy), structuredClone(obs), structuredClone(state), t(0));
        assert.deepEqual(a, b);
        assert.deepEqual({ policy, obs, state }, before);
      }),
      { numRuns: RUNS },
    );
  });

  it('never moves traffic towards a cluster whose latest verdict is down', () => {
    fc.assert(
      fc.property(inputs, ([policy, obs, state]) => {
        const plan = decide(policy, obs, state, t(0));
        for (const route of policy.routes) {
          const before = currentRouteWeights(policy, route, state.weights);
          const after = currentRouteWeights(policy, route, plan.nextState.weights);
          for (const id of ids)
            if (plan.verdicts[id] === 'down')
              assert.ok((after[id] ?? 0) <= (before[id] ?? 0), `${plan.kind} moved traffic to down ${id}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a source reads up or down only on a reading within the max age (alarms aside)', () => {
    const now = t(0);
    fc.assert(
      fc.property(inputs, ([policy, obs, state]) => {
        const plan = decide(policy, obs, state, now);
        const max = policy.detection.maxReadingAgeSeconds;
        const recent = (at: string | null | undefined) => !!at && !isExpired(at, now, max);
        for (const id of ids) {
          const o = obs.clusters[id];
          const observed: Record<string, boolean> = {
            probe: (o?.probes ?? []).some((p) => recent(p.at)),
            ackState: recent(o?.ackState?.at),
            gatewayHealth: recent(o?.gatewayHealth?.at),
            readyReplicas: recent(o?.readyReplicas?.at),
          };
          for (const source of ['probe', 'ackState', 'gatewayHealth', 'readyReplicas'] as const) {
            const sig = plan.signals.find(
              (s) => s.cluster === id && s.source === source && !s.detail.startsWith('alarm '),
            );
            // An alarm on the probe metric can make `probe` down on its own: only `up` must rest on a reading.
            const verdict = source === 'probe' && sig?.verdict === 'down' ? 'unknown' : sig?.verdict;
            if (verdict === 'up' || verdict === 'down')
              assert.ok(
                observed[source] || recent(state.verdicts[id]?.sources[source]?.lastSampleAt),
                `${id} ${source} reads ${verdict} on no recent reading: ${sig?.detail}`,
              );
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a hold says when the action becomes possible exactly when it waits for time', () => {
    const now = t(0);
    fc.assert(
      fc.property(inputs, ([policy, obs, state]) => {
        const plan = decide(policy, obs, state, now);
        if (plan.kind !== 'hold') return;
        const timed = plan.rule === 'cooldown' || plan.rule === 'min-dwell' || plan.rule === 'planned-shift';
        assert.equal(plan.until !== undefined, timed, `${plan.rule}: ${plan.reason}`);
        assert.equal(plan.remainingSeconds !== undefined, timed, `${plan.rule}: ${plan.reason}`);
        if (plan.until === undefined) return;
        const left = Math.max(0, Math.ceil((Date.parse(plan.until) - Date.parse(now)) / 1000));
        assert.equal(plan.remainingSeconds, left);
        assert.ok(plan.reason.includes(`${left} s left`), plan.reason);
        assert.ok(plan.reason.includes(plan.until), plan.reason);
      }),
      { numRuns: RUNS },
    );
  });
});
