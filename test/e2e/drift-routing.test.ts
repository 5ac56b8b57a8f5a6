/**
 * Routing and GitOps drift, end to end on the sandbox: fleet-dr governs the split (a planned shift wrote its
 * canaries), then a weight is changed, a canary deleted, a canary's pin edited, and a canary is taken over by
 * Argo CD's tracking label. Each is reported exactly once over three runs of fleet-dr-drift-check and once as
 * resolved after it is fixed; with `drift.repair: report` (the default) nothing is repaired.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow } from '../../sandbox/drill/drill-helpers';
import type { KubeObject } from '../../sandbox/kubernetes/types';
import { canaryName, gatewayKeys } from '../../shared/gateway/annotations';
import { operatorRequest } from './cluster-event-helpers';
import {
  assertReportedOnceThenResolved,
  type DriftInvoker,
  deliver,
  driftRun,
  keysOf,
  startDriftInvoker,
} from './drift-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const ING = 'networking.k8s.io/v1';

describe('e2e drift-check: routing and GitOps ownership', () => {
  let d: Drill;
  let di: DriftInvoker;
  const canary = (id: string) => {
    const r = d.policy.routes[0]!;
    return { ns: r.namespace, name: canaryName(r.ingress, id) };
  };
  const get = (id: string) => {
    const c = canary(id);
    const o = d.sb.fleet.store.get(ING, 'Ingress', c.ns, c.name);
    assert.ok(o, `canary of ${id} exists`);
    return o;
  };
  const put = (o: KubeObject) => d.sb.fleet.store.update(o);
  const keyOf = (kind: string, id: string) => `${kind}: ingress ${canary(id).ns}/${canary(id).name}`;
  const keys = () => gatewayKeys(d.policy.gateway);

  before(async () => {
    d = await startDrill();
    const shift = await operatorRequest(d, {
      action: 'shift',
      cluster: A,
      by: 'sre-alice',
      id: 'shift-1',
      until: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'maintenance',
    });
    assert.equal(shift.decision, 'shift', shift.reason);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 });
    di = await startDriftInvoker(d);
    await deliver(d); // warm: notify delivers the shift's message
  });
  after(async () => {
    await di?.close();
    await d?.stop();
  });

  it('finds no drift on a fleet that is as committed', async () => {
    const r = await driftRun(di.invoker);
    assert.deepEqual(keysOf(r), [], JSON.stringify(r.differences, null, 1));
    assert.deepEqual(r.errors, []);
    assert.equal(r.repairMode, 'report');
  });

  it('a changed weight', async () => {
    let saved: KubeObject | undefined;
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      keyOf('canary-weight', B),
      () => {
        saved = get(B);
        const o = get(B);
        o.metadata.annotations = { ...o.metadata.annotations, [keys().canaryWeight]: '60' };
        put(o);
      },
      () => {
        const o = get(B);
        o.metadata.annotations = {
          ...o.metadata.annotations,
          [keys().canaryWeight]: saved!.metadata.annotations![keys().canaryWeight]!,
        };
        put(o);
      },
    );
    assert.equal(diff.expected, 'weight 100');
    assert.equal(diff.actual, 'weight 60');
    assert.equal(diff.safeToRepair, true);
    assert.equal(canaryWeightsNow(d)[B], 100, 'fixed by hand, not repaired (repair: report)');
  });

  it('a deleted canary', async () => {
    let saved: KubeObject | undefined;
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      keyOf('canary-missing', A),
      () => {
        saved = get(A);
        d.sb.fleet.store.delete(ING, 'Ingress', canary(A).ns, canary(A).name);
      },
      () => {
        if (d.sb.fleet.store.get(ING, 'Ingress', canary(A).ns, canary(A).name)) return;
        const { resourceVersion: _, uid: __, creationTimestamp: ___, ...meta } = saved!.metadata;
        d.sb.fleet.store.create({ ...saved!, metadata: meta as KubeObject['metadata'] });
      },
    );
    assert.equal(diff.expected, 'weight 0');
    assert.equal(diff.actual, 'missing');
  });

  it('a canary with a wrong pin label', async () => {
    let pin = '';
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      keyOf('canary-pin', B),
      () => {
        const o = get(B);
        pin = o.metadata.annotations![keys().subsetLabels]!;
        o.metadata.annotations = { ...o.metadata.annotations, [keys().subsetLabels]: 'app web-demo' };
        put(o);
      },
      () => {
        const o = get(B);
        o.metadata.annotations = { ...o.metadata.annotations, [keys().subsetLabels]: pin };
        put(o);
      },
    );
    assert.equal(diff.actual.includes('app web-demo'), true, diff.actual);
    assert.equal(diff.safeToRepair, false);
  });

  it('a canary Argo CD tracks', async () => {
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      keyOf('canary-gitops-tracked', A),
      () => {
        const o = get(A);
        o.metadata.labels = { ...o.metadata.labels, 'app.kubernetes.io/instance': 'web-demo' };
        put(o);
      },
      () => {
        const o = get(A);
        const { 'app.kubernetes.io/instance': _, ...labels } = o.metadata.labels ?? {};
        o.metadata.labels = labels;
        put(o);
      },
    );
    assert.match(diff.actual, /tracked by Argo CD/);
    assert.equal(diff.safeToRepair, false);
  });
});
