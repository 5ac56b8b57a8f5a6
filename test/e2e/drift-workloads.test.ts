/**
 * Application, Service and capacity drift, end to end on the sandbox: an Argo CD Application that goes
 * OutOfSync, one that goes Degraded, a member cluster that loses the route's Service, and a zone whose ready
 * replicas fall below the share of the baseline the policy asks for (it could not take the other zone's traffic).
 * Each is reported exactly once over three runs and once as resolved after the fix; none is repaired.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setApplicationStatus } from '../../sandbox/argocd';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import type { KubeObject } from '../../sandbox/kubernetes/types';
import { callControl, startControlServer } from '../../sandbox/sandbox-control';
import type { DriftAnswer } from '../../shared/drift/run';
import {
  assertReportedOnceThenResolved,
  DRIFT_CHECK,
  type DriftInvoker,
  deliver,
  driftRun,
  keysOf,
  startDriftInvoker,
} from './drift-helpers';

const B = 'c-reg-az2';

describe('e2e drift-check: Applications, Services and capacity', () => {
  let d: Drill;
  let di: DriftInvoker;
  const route = () => d.policy.routes[0]!;
  const appOf = (id: string) => `${route().name}-${d.policy.clusters.find((c) => c.id === id)!.name}`;

  before(async () => {
    d = await startDrill();
    di = await startDriftInvoker(d, (p) => ({ ...p, drift: { ...p.drift, repair: 'safe' } }));
    await deliver(d);
  });
  after(async () => {
    await di?.close();
    await d?.stop();
  });

  it('finds no drift on a fresh fleet, whose split the gateway still owns', async () => {
    const r = await driftRun(di.invoker);
    assert.deepEqual(keysOf(r), [], JSON.stringify(r.differences, null, 1));
    assert.deepEqual(r.errors, []);
  });

  it('an OutOfSync Application', async () => {
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      `application-out-of-sync: application argocd/${appOf(B)}`,
      () => setApplicationStatus(d.sb.fleet.store, appOf(B), { sync: 'OutOfSync' }),
      () => setApplicationStatus(d.sb.fleet.store, appOf(B), { sync: 'Synced' }),
    );
    assert.equal(diff.cluster, B);
    assert.equal(diff.actual, 'OutOfSync');
    assert.equal(diff.safeToRepair, false);
  });

  it('a Degraded Application', async () => {
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      `application-unhealthy: application argocd/${appOf(B)}`,
      () => setApplicationStatus(d.sb.fleet.store, appOf(B), { health: 'Degraded' }),
      () => setApplicationStatus(d.sb.fleet.store, appOf(B), { health: 'Healthy' }),
    );
    assert.equal(diff.actual, 'Degraded');
  });

  it('a missing Service', async () => {
    const store = d.sb.members.get(B)!.store;
    const r = route();
    let saved: KubeObject | undefined;
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      `service-missing: service ${r.namespace}/${r.service} in ${B}`,
      () => {
        saved = store.get('v1', 'Service', r.namespace, r.service);
        assert.ok(saved);
        store.delete('v1', 'Service', r.namespace, r.service);
      },
      () => {
        const { resourceVersion: _, uid: __, creationTimestamp: ___, ...meta } = saved!.metadata;
        store.create({ ...saved!, metadata: meta as KubeObject['metadata'] });
      },
    );
    assert.equal(diff.safeToRepair, false);
  });

  it('low capacity', async () => {
    const zone = d.sb.zones.get(B);
    const pod = zone.pods[0]!.name;
    const r = route();
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      `capacity-low: workload ${r.namespace}/${r.service} in ${B}`,
      () => zone.setPodFault(pod, 'dead', { readinessLagMs: 0 }),
      () => zone.setPodFault(pod, 'none'),
    );
    assert.match(diff.expected, /^at least 3 ready replicas \(50% of the 6/);
    assert.equal(diff.actual, '2 ready');
  });

  it('on its timer, runs only when drift.intervalSeconds has passed since the last run', async () => {
    const timer = readFileSync(
      fileURLToPath(new URL('../../events/drift-check/timer.json', import.meta.url)),
    );
    const r = await di.invoker.invoke(DRIFT_CHECK, timer);
    assert.equal(r.error, undefined);
    const a = JSON.parse(r.payload.toString('utf8')) as DriftAnswer;
    assert.equal(a.ran, false);
    assert.match(a.skipped ?? '', /the next is due at/);
  });

  it('the sandbox control sets an Application’s status and detaches a cluster as the console does', async () => {
    const control = await startControlServer(d.sb);
    try {
      const state = { pid: process.pid, controlUrl: control.url, token: control.token, gatewayUrl: '' };
      await callControl(state, 'POST', '/argocd', { name: appOf(B), health: 'Progressing' });
      const app = d.sb.fleet.store.get('argoproj.io/v1alpha1', 'Application', 'argocd', appOf(B));
      assert.deepEqual(app?.status, { sync: { status: 'Synced' }, health: { status: 'Progressing' } });
      await callControl(state, 'POST', '/detach', { cluster: B });
      assert.equal(d.sb.world.cluster(B)?.attachedToFleet, false);
      await assert.rejects(callControl(state, 'POST', '/argocd', { name: 'no-such-app', sync: 'Synced' }));
      const r = await driftRun(di.invoker);
      assert.ok(keysOf(r).includes(`application-unhealthy: application argocd/${appOf(B)}`));
      assert.ok(keysOf(r).includes(`fleet-association: cluster ${B}`));
    } finally {
      await control.stop();
      setApplicationStatus(d.sb.fleet.store, appOf(B), { health: 'Healthy' });
      d.sb.world.updateCluster(B, { attachedToFleet: true });
    }
  });
});
