import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FleetConflictError, PinLabelError } from '../../shared/clients/errors';
import type { KubeClient } from '../../shared/clients/kube-client';
import type { RoutingState } from '../../shared/decision/routing-state';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { GatewayMembership } from '../../shared/gateway/membership';
import type { MseIngressRouter } from '../../shared/gateway/mse-ingress-router';
import type { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { applyWeights } from '../../shared/pipeline/finish-committed';
import type { RoutingStore } from '../../shared/state/routing-store';
import { type Fixture, startFixture } from '../clients/fixture';
import { commitAndApply, wire } from '../state/helpers';

const failover = (s: RoutingState): RoutingState | undefined =>
  s.mode === 'failed-over'
    ? undefined
    : {
        ...s,
        mode: 'failed-over',
        weights: { 'web-demo': { 'c-ack-az1': 0, 'c-reg-az2': 100 } },
        incident: {
          id: 'inc-1',
          cause: 'zone cn-hangzhou-h down',
          failedCluster: 'c-ack-az1',
          openedAt: '2026-01-01T00:00:00Z',
        },
        lastTransition: { at: '2026-01-01T00:00:00Z', by: 'automation', reason: 'failover' },
      };

describe('weight writer, routing store and membership against the Kubernetes stand-in', () => {
  let fx: Fixture;
  let fleet: KubeClient;
  let writer: IngressWeightWriter;
  let store: RoutingStore;
  let router: MseIngressRouter;
  const on = () => ({ store, router, policy: fx.policy });
  const route = () => fx.policy.routes[0]!;
  const keys = () => gatewayKeys(fx.policy.gateway);

  before(async () => {
    fx = await startFixture();
    ({ fleet, writer, store, router } = await wire(fx));
  });
  after(async () => fx?.stop());

  it('writes one pinned canary per member cluster, weights summing to 100, base Ingress untouched', async () => {
    const baseBefore = fx.fleet.store.get('networking.k8s.io/v1', 'Ingress', 'web-demo', 'web-demo');
    await writer.apply(route(), { 'c-ack-az1': 70, 'c-reg-az2': 30 });
    const baseAfter = fx.fleet.store.get('networking.k8s.io/v1', 'Ingress', 'web-demo', 'web-demo');
    assert.equal(baseAfter?.metadata.resourceVersion, baseBefore?.metadata.resourceVersion);
    assert.equal(baseAfter?.metadata.annotations, baseBefore?.metadata.annotations);
    const k = keys();
    const canary = fx.fleet.store.get(
      'networking.k8s.io/v1',
      'Ingress',
      'web-demo',
      'web-demo-fleet-dr-c-reg-az2',
    );
    assert.ok(canary);
    assert.equal(canary.metadata.annotations?.[k.canary], 'true');
    assert.equal(canary.metadata.annotations?.[k.canaryWeight], '30');
    assert.equal(canary.metadata.annotations?.[k.subsetLabels], 'topology.istio.io/cluster c-reg-az2');
    assert.equal(canary.metadata.labels?.['app.kubernetes.io/managed-by'], 'fleet-dr');
    assert.deepEqual(
      (canary.spec as { rules: unknown }).rules,
      (baseAfter?.spec as { rules: unknown } | undefined)?.rules,
    );
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 70, 'c-reg-az2': 30 });
    await writer.apply(route(), { 'c-ack-az1': 0, 'c-reg-az2': 100 });
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 0, 'c-reg-az2': 100 });
  });

  it("a slow writer holding an older revision leaves a newer commit's canaries alone", async () => {
    await writer.apply(route(), { 'c-ack-az1': 0, 'c-reg-az2': 100 }, { revision: 7 });
    await writer.apply(route(), { 'c-ack-az1': 50, 'c-reg-az2': 50 }, { revision: 6 });
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 0, 'c-reg-az2': 100 });
    await writer.apply(route(), { 'c-ack-az1': 30, 'c-reg-az2': 70 }, { revision: 8 });
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 30, 'c-reg-az2': 70 });
    await writer.release(route());
  });

  it('refuses weights that do not sum to 100', async () => {
    await assert.rejects(writer.apply(route(), { 'c-ack-az1': 60, 'c-reg-az2': 30 }), /sum to 100/);
  });

  it('release() removes the canaries and hands the route back to the gateway', async () => {
    await writer.apply(route(), { 'c-ack-az1': 50, 'c-reg-az2': 50 });
    await writer.release(route());
    assert.equal(await writer.read(route()), undefined);
    assert.ok(
      fx.fleet.store.get('networking.k8s.io/v1', 'Ingress', 'web-demo', 'web-demo'),
      'base Ingress kept',
    );
    await writer.release(route()); // twice is fine
  });

  it('refuses to overwrite an Ingress with the canary name that fleet-dr does not own', async () => {
    fx.fleet.store.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web-demo-fleet-dr-c-ack-az1', namespace: 'web-demo' },
      spec: { defaultBackend: { service: { name: 'other', port: { number: 80 } } } },
    });
    try {
      await assert.rejects(
        writer.apply(route(), { 'c-ack-az1': 50, 'c-reg-az2': 50 }),
        /not owned by fleet-dr/,
      );
    } finally {
      fx.fleet.store.delete('networking.k8s.io/v1', 'Ingress', 'web-demo', 'web-demo-fleet-dr-c-ack-az1');
    }
  });

  it('commits a transition, then writes the canaries; a second decision sees it and does nothing', async () => {
    const r = await commitAndApply(on(), failover);
    assert.equal(r.committed, true);
    assert.deepEqual(r.applied, ['web-demo']);
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 0, 'c-reg-az2': 100 });
    const again = await commitAndApply(on(), failover);
    assert.equal(again.committed, false);
    const cm = fx.fleet.store.get('v1', 'ConfigMap', 'fleet-dr', 'fleet-dr-routing-state');
    assert.equal(cm?.metadata.resourceVersion, r.resourceVersion);
  });

  it('converges the committed weights after a crash between commit and canaries', async () => {
    const back = (s: RoutingState): RoutingState | undefined =>
      s.mode === 'normal'
        ? undefined
        : {
            ...s,
            mode: 'normal',
            incident: null,
            weights: { 'web-demo': { 'c-ack-az1': 50, 'c-reg-az2': 50 } },
          };
    await assert.rejects(
      commitAndApply(on(), back, {
        afterCommit: () => {
          throw new Error('simulated crash');
        },
      }),
      /simulated crash/,
    );
    assert.equal((await store.read()).value.mode, 'normal', 'the intent was committed');
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 0, 'c-reg-az2': 100 }, 'canaries still old');
    const converge = async () => applyWeights(on(), (await store.read()).value);
    assert.deepEqual(await converge(), ['web-demo']);
    assert.deepEqual(await writer.read(route()), { 'c-ack-az1': 50, 'c-reg-az2': 50 });
    assert.deepEqual(await converge(), [], 'nothing left to do');
  });

  it('fences and re-admits clusters with conditional writes, concurrent edits all landing', async () => {
    const k = keys();
    const m = new GatewayMembership(fleet, fx.policy.fleet.mseIngressConfig, k.remoteClusters);
    assert.deepEqual(await m.members(), ['c-ack-az1', 'c-reg-az2']);
    assert.deepEqual(await m.fence('c-ack-az1'), ['c-reg-az2']);
    assert.deepEqual(await m.fence('c-ack-az1'), ['c-reg-az2'], 'idempotent');
    await assert.rejects(m.fence('c-reg-az2'), /last cluster/);
    const before409 = fx.fleet.requestLog.filter((e) => e.status === 409).length;
    const m2 = new GatewayMembership(fleet, fx.policy.fleet.mseIngressConfig, k.remoteClusters, 20);
    await Promise.all([m2.readmit('c-ack-az1'), m2.readmit('c-extra-1'), m2.readmit('c-extra-2')]);
    assert.deepEqual((await m.members()).sort(), ['c-ack-az1', 'c-extra-1', 'c-extra-2', 'c-reg-az2']);
    assert.ok(
      fx.fleet.requestLog.filter((e) => e.status === 409).length > before409,
      'the racing edits met a 409',
    );
    await m.fence('c-extra-1');
    await m.fence('c-extra-2');
    const stuck = new GatewayMembership(
      {
        ...fleet,
        replaceClusterCustomObject: async () =>
          Promise.reject(
            new (await import('../../shared/clients/errors')).KubeApiError('x', 'update', 409, 'Conflict'),
          ),
      },
      fx.policy.fleet.mseIngressConfig,
      k.remoteClusters,
      3,
    );
    await assert.rejects(stuck.fence('c-ack-az1'), FleetConflictError);
  });
});

describe('the pin check', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ podLabelValues: { 'c-reg-az2': 'somewhere-else' } });
  });
  after(async () => fx?.stop());

  it('refuses a zone pin whose nodes show no zone, and writes nothing', async () => {
    const { writer } = await wire({
      ...fx,
      policy: { ...fx.policy, gateway: { ...fx.policy.gateway, pin: 'zone' } },
    });
    const route = fx.policy.routes[0]!;
    await assert.rejects(
      writer.apply(route, { 'c-ack-az1': 0, 'c-reg-az2': 100 }),
      (e: unknown) =>
        e instanceof PinLabelError &&
        e.clusterId === 'c-reg-az2' &&
        /topology.kubernetes.io\/zone/.test(e.message),
    );
    assert.equal(await writer.read(route), undefined);
  });

  it('pins by cluster id whatever the pods carry; a cluster that gets no traffic is not checked', async () => {
    // c-reg-az2's pods carry topology.istio.io/cluster=somewhere-else: the gateway overwrites it with the id.
    const { writer } = await wire(fx);
    const route = fx.policy.routes[0]!;
    await writer.apply(route, { 'c-ack-az1': 50, 'c-reg-az2': 50 });
    assert.deepEqual(await writer.read(route), { 'c-ack-az1': 50, 'c-reg-az2': 50 });
    await writer.apply(route, { 'c-ack-az1': 100, 'c-reg-az2': 0 });
    assert.deepEqual(await writer.read(route), { 'c-ack-az1': 100, 'c-reg-az2': 0 });
  });
});
