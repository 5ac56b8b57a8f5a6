/**
 * The Fleet permissions in deploy/fleet-rbac.yaml are enough for the state store, the weight writer and
 * gateway membership, and a token without them gets a clean, named 403 with nothing half-written.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KubeApiError } from '../../shared/clients/errors';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import type { RoutingState } from '../../shared/decision/routing-state';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { GatewayMembership } from '../../shared/gateway/membership';
import { MseIngressRouter } from '../../shared/gateway/mse-ingress-router';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { RoutingStore } from '../../shared/state/routing-store';
import { FAST, type Fixture, kubeconfigOf, startFixture } from '../clients/fixture';
import { commitAndApply } from './helpers';

/** Resources the RBAC file lets fleet-dr write (create, update or delete). */
function writableResources(): string[] {
  const docs = parseAllDocuments(
    readFileSync(new URL('../../deploy/fleet-rbac.yaml', import.meta.url), 'utf8'),
  );
  const out = new Set<string>();
  for (const d of docs.map((x) => x.toJS()))
    if (d?.kind === 'Role' || d?.kind === 'ClusterRole')
      for (const rule of d.rules as Array<{ resources: string[]; verbs: string[] }>)
        if (rule.verbs.some((v) => ['create', 'update', 'delete', 'patch'].includes(v)))
          for (const r of rule.resources) out.add(r);
  return [...out].sort();
}

const failover = (s: RoutingState): RoutingState => ({
  ...s,
  mode: 'failed-over',
  weights: { 'web-demo': { 'c-ack-az1': 0, 'c-reg-az2': 100 } },
  lastTransition: { at: '2026-01-01T00:00:00Z', by: 'automation', reason: 'failover' },
});

describe('Fleet RBAC (deploy/fleet-rbac.yaml) against the scoped tokens of the Kubernetes stand-in', () => {
  let fx: Fixture;
  const wireWith = (token: string) => {
    const fleet = kubeClientFromKubeconfig('fleet', kubeconfigOf(fx.fleet, token), FAST);
    const member = async (id: string): Promise<KubeClient> =>
      kubeClientFromKubeconfig(id, kubeconfigOf(fx.members.get(id)!), FAST);
    const keys = gatewayKeys(fx.policy.gateway);
    const writer = new IngressWeightWriter({
      fleetKube: fleet,
      memberKube: member,
      clusters: fx.policy.clusters,
      keys,
    });
    const membership = new GatewayMembership(
      fleet,
      fx.policy.fleet.mseIngressConfig,
      fx.policy.gateway.remoteClustersAnnotation,
    );
    const store = new RoutingStore(fleet, fx.policy);
    const router = new MseIngressRouter(writer, membership);
    return { store, membership, on: { store, router, policy: fx.policy } };
  };

  before(async () => {
    fx = await startFixture({
      fleetTokens: [
        { token: 'read-only-token', scope: 'read-only' },
        { token: 'fleet-dr-rbac-token', scope: { readWrite: writableResources() } },
      ],
    });
  });
  after(async () => fx?.stop());

  it('grants exactly the resources the code writes', () => {
    assert.deepEqual(writableResources(), ['configmaps', 'ingresses', 'mseingressconfigs']);
  });

  it('a read-only identity gets a named 403 on the state ConfigMap, and nothing is written', async () => {
    const { on, membership } = wireWith('read-only-token');
    await assert.rejects(
      commitAndApply(on, failover),
      (e: unknown) =>
        e instanceof KubeApiError && e.status === 403 && /fleet-dr-routing-state/.test(e.message),
    );
    await assert.rejects(
      membership.fence('c-ack-az1'),
      (e: unknown) => e instanceof KubeApiError && e.status === 403,
    );
    assert.equal(fx.fleet.store.get('v1', 'ConfigMap', 'fleet-dr', 'fleet-dr-routing-state'), undefined);
    assert.equal(fx.fleet.store.list('networking.k8s.io/v1', 'Ingress', 'web-demo').length, 1, 'base only');
  });

  it('the RBAC file is enough to commit a transition, write the canaries and fence a cluster', async () => {
    const { on, membership } = wireWith('fleet-dr-rbac-token');
    const r = await commitAndApply(on, failover);
    assert.equal(r.committed, true);
    assert.deepEqual(r.applied, ['web-demo']);
    const canary = fx.fleet.store.get(
      'networking.k8s.io/v1',
      'Ingress',
      'web-demo',
      'web-demo-fleet-dr-c-reg-az2',
    );
    assert.equal(canary?.metadata.annotations?.[gatewayKeys(fx.policy.gateway).canaryWeight], '100');
    assert.deepEqual(await membership.fence('c-ack-az1'), ['c-reg-az2']);
  });
});
