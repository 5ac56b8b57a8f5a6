/**
 * The decision's side of operator requests (shared/decision/operator.ts): one step per expected step index (two
 * operators stepping at once give one step), no failback step while paused, a regressed ramp aborted by the
 * next step request, the dwell of an automatic ramp, and planned shifts (made, extended, refused, ended).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '../../shared/config';
import { decide } from '../../shared/decision/decide';
import type { OperatorRequest } from '../../shared/decision/observations';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import { AZ1, AZ2, examplePolicy, healthy, observe, t, trigger, zoneDown } from '../decision/fixtures';

const policy = examplePolicy();

function expectHold(p: Plan, rule: string): void {
  assert.equal(p.kind, 'hold', `expected hold ${rule}, got ${p.kind}: ${p.reason}`);
  if (p.kind === 'hold') assert.equal(p.rule, rule, p.reason);
}

const both = (m: number) => ({ [AZ1]: healthy(m), [AZ2]: healthy(m) });

/** Failed over at 0, healthy from 1, not fenced: ready for failback after the 10-minute stable window. */
function failedOverHealed(): RoutingState {
  const shift = decide(
    policy,
    observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
    initialRoutingState(policy),
    t(0),
  );
  assert.equal(shift.kind, 'shift');
  return decide(policy, observe(1, both(1)), shift.nextState, t(1)).nextState;
}

const op = (m: number, r: Partial<OperatorRequest> & Pick<OperatorRequest, 'action'>) => ({
  operatorRequest: { by: 'alice', at: t(m), id: `${r.action}-${m}-${r.stepIndex ?? ''}`, ...r },
});

const step = (st: RoutingState, m: number, r: Partial<OperatorRequest> = {}, obs = both(m)) =>
  decide(policy, observe(m, obs, op(m, { action: 'failback-step', cluster: AZ1, ...r })), st, t(m));

describe('operator requests in the decision', () => {
  it('two operators asking for the same step: the first steps, the second is refused as a conflict', () => {
    const st = failedOverHealed();
    const first = step(st, 20, { stepIndex: 0 });
    assert.equal(first.kind, 'failback-step', first.reason);
    // The second request was read against the same state, so it also expects step index 0.
    const second = step(first.nextState, 20, { stepIndex: 0, by: 'bob', id: 'bob-20' });
    expectHold(second, 'operator-conflict');
    assert.match(second.reason, /asked for failback step 1 of c-ack-az1, but the next step is 2 of 3/);
    assert.deepEqual(second.nextState.weights, first.nextState.weights, 'the weights stay at step 1');
  });

  it('refuses a step for a cluster that is not the one to fail back', () => {
    expectHold(step(failedOverHealed(), 20, { cluster: AZ2 }), 'invalid-request');
  });

  it('refuses a failback step while paused, but an abort still goes through', () => {
    const paused = { ...failedOverHealed(), paused: { by: 'bob', at: t(2), reason: 'incident review' } };
    const p = step(paused, 20);
    expectHold(p, 'paused');
    assert.match(p.reason, /fleet-dr is paused by bob/);
    const ramp = step(failedOverHealed(), 20);
    const stepping = { ...ramp.nextState, paused: { by: 'bob', at: t(21), reason: 'x' } };
    const abort = decide(
      policy,
      observe(22, both(22), op(22, { action: 'failback-abort', cluster: AZ1 })),
      stepping,
      t(22),
    );
    assert.equal(abort.kind, 'failback-abort', abort.reason);
  });

  it('aborts a ramp whose cluster regressed when the next step is asked for', () => {
    const s1 = step(failedOverHealed(), 20);
    const s2 = step(s1.nextState, 31);
    assert.equal(s2.kind, 'failback-step', s2.reason);
    // A regression aborts at once: the dwell does not delay an abort.
    const p = step(s2.nextState, 32, {}, { [AZ1]: zoneDown(32), [AZ2]: healthy(32) });
    assert.equal(p.kind, 'failback-abort', p.reason);
    if (p.kind !== 'failback-abort') return;
    assert.match(p.reason, /failback of c-ack-az1 regressed at step 2/);
    assert.deepEqual(p.weights['web-demo'], { [AZ1]: 0, [AZ2]: 100 });
    assert.equal(p.nextState.mode, 'failed-over');
  });

  it('an automatic ramp keeps its authorisation and waits out the dwell between steps', () => {
    const first = step(failedOverHealed(), 20, { auto: true, reason: 'night shift' });
    assert.equal(first.kind, 'failback-step');
    assert.deepEqual(first.nextState.failback?.auto, { by: 'alice', at: t(20), reason: 'night shift' });
    const early = step(first.nextState, 25, { auto: true, stepIndex: 1 });
    expectHold(early, 'min-dwell');
    assert.equal(early.kind === 'hold' ? early.remainingSeconds : undefined, 300);
    const next = step(early.nextState, 30, { auto: true, stepIndex: 1 });
    assert.equal(next.kind, 'failback-step', next.reason);
    assert.deepEqual(next.nextState.failback?.auto, { by: 'alice', at: t(20), reason: 'night shift' });
    expectHold(step(first.nextState, 21, { stepIndex: 1 }), 'min-dwell');
    const manual = step(first.nextState, 30, { stepIndex: 1 });
    assert.equal(manual.kind, 'failback-step', manual.reason);
    assert.equal(manual.nextState.failback?.auto, undefined, 'a manual step takes the ramp over');
  });

  it('waits for GitOps: a step is refused while an Argo CD Application of the cluster is not Synced and Healthy', () => {
    const st = failedOverHealed();
    const app = (sync: string, health: string) => ({
      name: 'web-demo-ack-az1',
      namespace: 'argocd',
      sync,
      health,
    });
    const withApps = (m: number, ...applications: ReturnType<typeof app>[]) => ({
      [AZ1]: healthy(m, { gitops: { applications, at: t(m) } }),
      [AZ2]: healthy(m),
    });
    const drifting = step(st, 20, {}, withApps(20, app('OutOfSync', 'Degraded')));
    expectHold(drifting, 'failback-waiting');
    assert.match(
      drifting.reason,
      /Argo CD Application argocd\/web-demo-ack-az1 is OutOfSync, Degraded: failback waits until GitOps has converged/,
    );
    assert.deepEqual(drifting.nextState.weights, st.weights, 'a refusal moves nothing');
    expectHold(step(st, 20, {}, withApps(20, app('Synced', 'Progressing'))), 'failback-waiting');
    const none = step(st, 20, {}, withApps(20));
    expectHold(none, 'failback-waiting');
    assert.match(none.reason, /no Argo CD Application deploys web-demo to c-ack-az1/);
    const converged = step(st, 20, {}, withApps(20, app('Synced', 'Healthy')));
    assert.equal(converged.kind, 'failback-step', converged.reason);
    assert.equal(step(st, 20).kind, 'failback-step', 'no GitOps reading (not gathered): no check');
  });

  it('fails closed when the Argo CD Applications could not be read, and never blocks a regression abort', () => {
    const unreadable = (m: number) => ({
      gitops: { error: 'Argo CD Applications could not be read: KubeError: 503', at: t(m) },
    });
    const st = failedOverHealed();
    const p = step(st, 20, {}, { [AZ1]: healthy(20, unreadable(20)), [AZ2]: healthy(20) });
    expectHold(p, 'failback-waiting');
    assert.match(
      p.reason,
      /could not be read: KubeError: 503: failback waits until GitOps has converged \(fail closed\)/,
    );
    const s1 = step(st, 20);
    assert.equal(s1.kind, 'failback-step', s1.reason);
    const down = { [AZ1]: zoneDown(31, unreadable(31)), [AZ2]: healthy(31) };
    const abort = step(s1.nextState, 31, {}, down);
    assert.equal(abort.kind, 'failback-abort', abort.reason);
  });

  it('a manual step waits out the dwell too: failback.stepDwellSeconds, with the time left', () => {
    const dwell2m: Policy = { ...policy, failback: { ...policy.failback, stepDwellSeconds: 120 } };
    const stepWith = (st: RoutingState, m: number) =>
      decide(dwell2m, observe(m, both(m), op(m, { action: 'failback-step', cluster: AZ1 })), st, t(m));
    const first = stepWith(failedOverHealed(), 20);
    assert.equal(first.kind, 'failback-step', first.reason);
    const early = stepWith(first.nextState, 21);
    expectHold(early, 'min-dwell');
    assert.equal(early.kind === 'hold' ? early.remainingSeconds : undefined, 60);
    assert.match(early.reason, /each step dwells 120 s so its traffic is watched: 60 s left/);
    assert.deepEqual(early.nextState.weights, first.nextState.weights, 'a refusal moves nothing');
    assert.equal(stepWith(first.nextState, 22).kind, 'failback-step');
  });

  it('a planned shift moves traffic off a healthy cluster until its expiry, and can be extended', () => {
    let st = decide(policy, observe(0, both(0)), initialRoutingState(policy), t(0)).nextState;
    const shift = decide(
      policy,
      observe(1, both(1), op(1, { action: 'shift', cluster: AZ1, until: t(121), reason: 'kernel upgrade' })),
      st,
      t(1),
    );
    assert.equal(shift.kind, 'shift', shift.reason);
    if (shift.kind !== 'shift') return;
    assert.deepEqual(shift.weights['web-demo'], { [AZ1]: 0, [AZ2]: 100 });
    assert.equal(shift.by, 'alice');
    assert.equal(shift.nextState.plannedShifts?.[AZ1]?.until, t(121));
    assert.equal(shift.nextState.incident?.failedCluster, AZ1);
    st = shift.nextState;
    const extend = decide(
      policy,
      observe(60, both(60), op(60, { action: 'shift', cluster: AZ1, until: t(240) })),
      st,
      t(60),
    );
    expectHold(extend, 'planned-shift');
    assert.equal(extend.nextState.plannedShifts?.[AZ1]?.until, t(240));
    assert.equal(extend.nextState.plannedShifts?.[AZ1]?.at, t(1), 'the shift keeps its start');
    const other = decide(
      policy,
      observe(61, both(61), op(61, { action: 'shift', cluster: AZ2, until: t(240) })),
      extend.nextState,
      t(61),
    );
    expectHold(other, 'operator-conflict');
    const back = step(extend.nextState, 241, { auto: true, stepIndex: 0 });
    assert.equal(back.kind, 'failback-step', back.reason);
    assert.deepEqual(back.nextState.plannedShifts, {}, 'the first failback step ends the shift');
  });

  it('never shifts toward a cluster that is not up, and needs an expiry in the future', () => {
    const st = initialRoutingState(policy);
    const toDown = decide(
      policy,
      observe(
        0,
        { [AZ1]: healthy(0), [AZ2]: zoneDown(0) },
        op(0, { action: 'shift', cluster: AZ1, until: t(60) }),
      ),
      st,
      t(0),
    );
    expectHold(toDown, 'no-healthy-target');
    const past = decide(
      policy,
      observe(5, both(5), op(5, { action: 'shift', cluster: AZ1, until: t(4) })),
      st,
      t(5),
    );
    expectHold(past, 'invalid-request');
  });
});
