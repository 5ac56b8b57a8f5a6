/**
 * Repair, end to end on the sandbox, with `drift.repair: safe`: a changed weight and a cluster detached in the
 * console are repaired through the decision pipeline (the committed weights carried to the canaries again; a
 * `reassociate` decision, committed, applied, audited and messaged), while an OutOfSync Application is left
 * alone and named. Nothing is repaired while paused, toward a cluster that is down, or toward one an operator
 * fenced; with `drift.repair: report` nothing is repaired at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setApplicationStatus } from '../../sandbox/argocd';
import { detachInConsole } from '../../sandbox/cloud/products/adcp';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow } from '../../sandbox/drill/drill-helpers';
import type { Policy } from '../../shared/config';
import { canaryName, gatewayKeys } from '../../shared/gateway/annotations';
import { fleetMembers, operatorRequest } from './cluster-event-helpers';
import { type DriftInvoker, deliver, driftRun, keysOf, mentions, startDriftInvoker } from './drift-helpers';
import { auditRecords, remoteClusters } from './helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const ING = 'networking.k8s.io/v1';
const stable0 = (p: Policy): Policy => ({ ...p, timing: { ...p.timing, minStableSecondsBeforeFailback: 0 } });

describe('e2e drift-check: repair', () => {
  let d: Drill;
  let safe: DriftInvoker;
  let report: DriftInvoker;
  const setWeight = (id: string, w: number) => {
    const r = d.policy.routes[0]!;
    const o = d.sb.fleet.store.get(ING, 'Ingress', r.namespace, canaryName(r.ingress, id))!;
    o.metadata.annotations = {
      ...o.metadata.annotations,
      [gatewayKeys(d.policy.gateway).canaryWeight]: String(w),
    };
    d.sb.fleet.store.update(o);
  };
  const appOf = (id: string) =>
    `${d.policy.routes[0]!.name}-${d.policy.clusters.find((c) => c.id === id)!.name}`;
  const weightKey = (id: string) => {
    const r = d.policy.routes[0]!;
    return `canary-weight: ingress ${r.namespace}/${canaryName(r.ingress, id)}`;
  };

  before(async () => {
    d = await startDrill({ policy: stable0 });
    const shift = await operatorRequest(d, {
      action: 'shift',
      cluster: A,
      by: 'sre-alice',
      id: 'shift-1',
      until: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'maintenance',
    });
    assert.equal(shift.decision, 'shift', shift.reason);
    safe = await startDriftInvoker(d, (p) => ({ ...p, drift: { ...p.drift, repair: 'safe' } }));
    report = await startDriftInvoker(d);
    await deliver(d);
  });
  after(async () => {
    await safe?.close();
    await report?.close();
    await d?.stop();
  });

  it('with repair off, reports a safe difference and repairs nothing', async () => {
    setWeight(B, 70);
    const r = await driftRun(report.invoker);
    assert.ok(keysOf(r).includes(weightKey(B)));
    assert.deepEqual(r.repaired, []);
    assert.deepEqual(r.decisions, []);
    assert.match(r.repairSkipped ?? '', /drift\.repair is report/);
    assert.equal(canaryWeightsNow(d)[B], 70);
  });

  it('repairs the safe ones through the pipeline and leaves the unsafe ones alone, named', async () => {
    setWeight(B, 60);
    detachInConsole(d.sb.world, B);
    setApplicationStatus(d.sb.fleet.store, appOf(B), { sync: 'OutOfSync' });
    const audits = auditRecords(d).length;
    const r = await driftRun(safe.invoker);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.repaired.map((x) => `${x.kind}: ${x.object}`).sort(),
      [`fleet-association: cluster ${B}`, weightKey(B)].sort(),
      JSON.stringify(r.decisions.map((x) => [x.decision, x.reason, x.actions])),
    );
    // The pipeline did it: the committed weights carried again, a reassociate decision committed, applied, audited.
    assert.ok(
      r.decisions[0]!.actions.some((a) => /wrote weights of web-demo/.test(a)),
      r.decisions[0]!.actions.join(' | '),
    );
    assert.equal(r.decisions[0]!.decision, 'reassociate', r.decisions[0]!.reason);
    assert.ok(r.decisions[0]!.actions.includes(`asked the Fleet to re-associate ${B}`));
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 });
    assert.deepEqual(fleetMembers(d).sort(), [A, B]);
    assert.ok(
      auditRecords(d)
        .slice(audits)
        .some((x) => x.decision === 'reassociate'),
      'the re-association is audited',
    );
    // The unsafe one is left alone and named, and reported once.
    const app = r.differences.find((x) => x.kind === 'application-out-of-sync');
    assert.ok(app && !app.safeToRepair && app.why, JSON.stringify(r.differences));
    assert.deepEqual(r.appeared, [`application-out-of-sync: application argocd/${appOf(B)}`]);
    // The weight reported by the report-only run is resolved by the repair.
    assert.deepEqual(
      r.resolved.map((x) => x.key),
      [weightKey(B)],
    );
    await deliver(d);
    assert.equal(mentions(d, 'Repaired through the pipeline'), 1);
    setApplicationStatus(d.sb.fleet.store, appOf(B), { sync: 'Synced' });
    const clean = await driftRun(safe.invoker);
    assert.deepEqual(keysOf(clean), []);
  });

  it('re-admits a healthy cluster someone took off remote-clusters, at weight 0, audited', async () => {
    const key = gatewayKeys(d.policy.gateway).remoteClusters;
    const cfg = d.sb.fleet.store.get(
      'mse.alibabacloud.com/v1alpha1',
      'MseIngressConfig',
      undefined,
      d.policy.fleet.mseIngressConfig,
    )!;
    cfg.metadata.annotations = { ...cfg.metadata.annotations, [key]: A };
    d.sb.fleet.store.update(cfg);
    const audits = auditRecords(d).length;
    const r = await driftRun(safe.invoker);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.repaired.map((x) => `${x.kind}: ${x.object}`),
      [`gateway-membership: cluster ${B}`],
    );
    assert.equal(r.decisions[0]!.decision, 'readmit', r.decisions[0]!.reason);
    assert.match(r.decisions[0]!.reason, /missing from remote-clusters/);
    assert.deepEqual(remoteClusters(d).sort(), [A, B]);
    assert.deepEqual(
      canaryWeightsNow(d),
      { [A]: 0, [B]: 100 },
      'weights unchanged: re-admitted, not failed back',
    );
    assert.ok(
      auditRecords(d)
        .slice(audits)
        .some((x) => x.decision === 'readmit'),
      'the re-admission is audited',
    );
    const clean = await driftRun(safe.invoker);
    assert.deepEqual(keysOf(clean), []);
  });

  it('while paused, only reports', async () => {
    const pause = await operatorRequest(d, {
      action: 'pause',
      by: 'sre-bob',
      id: 'pause-1',
      reason: 'drill',
    });
    assert.equal(pause.rule, 'paused', pause.reason);
    setWeight(B, 40);
    const r = await driftRun(safe.invoker);
    assert.ok(keysOf(r).includes(weightKey(B)));
    assert.deepEqual(r.repaired, []);
    assert.deepEqual(r.decisions, []);
    assert.match(r.repairSkipped ?? '', /^paused by sre-bob/);
    assert.equal(canaryWeightsNow(d)[B], 40);
    const resume = await operatorRequest(d, { action: 'resume', by: 'sre-bob', id: 'resume-1' });
    assert.equal(resume.decision, 'hold', resume.reason);
    // (The operator's decision converged the committed weights already, as every pipeline run does.)
    setWeight(B, 30);
    const again = await driftRun(safe.invoker);
    assert.deepEqual(
      again.repaired.map((x) => x.kind),
      ['canary-weight'],
    );
    assert.equal(canaryWeightsNow(d)[B], 100);
  });

  it('repairs nothing toward a cluster that is down', async () => {
    await d.sb.zones.fault(A, 'dead', { controlPlane: 'down' });
    detachInConsole(d.sb.world, A);
    const r = await driftRun(safe.invoker);
    const diff = r.differences.find((x) => x.kind === 'fleet-association' && x.cluster === A);
    assert.ok(diff, keysOf(r).join(' | '));
    assert.equal(diff.safeToRepair, false);
    assert.match(diff.why ?? '', new RegExp(`${A} is (unavailable|down|suspect)`));
    assert.ok(!r.decisions.some((x) => x.plan?.cluster === A), 'no decision toward it');
    assert.deepEqual(fleetMembers(d), [B]);
    await d.sb.zones.fault(A, 'heal');
  });

  it('repairs nothing toward a cluster an operator fenced', async () => {
    const fence = await operatorRequest(d, {
      action: 'fence',
      cluster: A,
      by: 'sre-carol',
      id: 'fence-1',
      reason: 'rack work',
    });
    assert.equal(fence.decision, 'fence', fence.reason);
    assert.deepEqual(remoteClusters(d), [B]);
    const r = await driftRun(safe.invoker);
    const diff = r.differences.find((x) => x.kind === 'fleet-association' && x.cluster === A);
    assert.ok(diff, keysOf(r).join(' | '));
    assert.equal(diff.safeToRepair, false);
    assert.match(diff.why ?? '', /sre-carol fenced/);
    assert.ok(
      !keysOf(r).includes(`gateway-membership: cluster ${A}`),
      'a fenced cluster is expected off the gateway',
    );
    assert.deepEqual(fleetMembers(d), [B], 'not re-associated');
    assert.deepEqual(remoteClusters(d), [B], 'not re-admitted');
  });
});
