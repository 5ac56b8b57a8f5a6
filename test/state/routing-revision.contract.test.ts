/**
 * The routing state's revision rises by one on every commit, whatever the decision put in it, and on every
 * settle of the outbox; racing writers each get their own. Canaries are stamped with it, so without it a
 * late write of an older commit's canaries would overwrite newer weights: the last test shows that it does
 * not. Against the Kubernetes stand-in (one API server is the Fleet and, for the pin check, the members).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import type { OutboxRecord, RoutingState } from '../../shared/decision/routing-state';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { GatewayMembership } from '../../shared/gateway/membership';
import { MseIngressRouter } from '../../shared/gateway/mse-ingress-router';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { applyWeights } from '../../shared/pipeline/finish-committed';
import { RoutingStore } from '../../shared/state/routing-store';
import { examplePolicy, FAST, kubeconfigOf } from '../clients/fixture';

const policy = examplePolicy();
const route = policy.routes[0]!;
const [AZ1, AZ2] = policy.clusters.map((c) => c.id) as [string, string];

const pods = policy.clusters
  .map(
    (c) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${route.service}-${c.id}
  namespace: ${route.namespace}
  labels: { app: ${route.service}, ${c.podLabel?.key ?? 'topology.istio.io/cluster'}: ${c.podLabel?.value ?? c.id} }
spec: { containers: [{ name: app, image: web-demo:1 }] }`,
  )
  .join('\n---');

const SEED = `
apiVersion: v1
kind: Namespace
metadata: { name: ${policy.fleet.stateNamespace} }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${route.namespace} }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${route.ingress}, namespace: ${route.namespace} }
spec:
  ingressClassName: mse
  rules:
    - host: web-demo.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: ${route.service}, port: { number: ${route.servicePort} } } }
---
apiVersion: v1
kind: Service
metadata: { name: ${route.service}, namespace: ${route.namespace} }
spec: { selector: { app: ${route.service} }, ports: [{ port: ${route.servicePort}, targetPort: 8080 }] }
---${pods}
`;

const weights = (a: number, b: number) => ({ [route.name]: { [AZ1]: a, [AZ2]: b } });

/** A message record for the outbox (its content does not matter here). */
const record = (id: string): OutboxRecord => ({
  kind: 'audit',
  id,
  createdAt: '2026-01-01T00:00:00Z',
  attempts: 0,
  lastError: null,
  notBefore: null,
  content: { test: id },
});

describe('the routing state revision', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  before(async () => {
    server = await startKubeApiServer({ name: 'fleet', seedYaml: SEED });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), FAST);
  });
  after(async () => server?.stop());

  it('rises by one on every commit, whatever revision the decision returns; no commit, no rise', async () => {
    const store = new RoutingStore(kube, policy);
    assert.equal((await store.read()).value.revision, 0, 'nothing committed yet');
    const seen: number[] = [];
    const changes: Array<(s: RoutingState) => RoutingState> = [
      (s) => ({ ...s, mode: 'failed-over', weights: weights(0, 100) }),
      (s) => ({ ...s, revision: 0, weights: weights(50, 50) }), // a decision that resets it
      (s) => ({ ...s, revision: 41, weights: weights(0, 100) }), // or invents one
      (s) => ({ ...s, revision: s.revision, mode: 'normal' }), // or carries it through unchanged
    ];
    for (const change of changes) {
      const r = await store.commit(change);
      assert.equal(r.committed, true);
      seen.push(r.value.revision);
      assert.equal((await store.read()).value.revision, r.value.revision, 'the stored revision');
    }
    assert.deepEqual(seen, [1, 2, 3, 4]);
    const none = await store.commit(() => undefined);
    assert.equal(none.committed, false);
    assert.equal((await store.read()).value.revision, 4, 'a decision that changes nothing commits nothing');
  });

  it('rises on a settle of the outbox too, and not when there is nothing to settle', async () => {
    const store = new RoutingStore(kube, policy);
    const r0 = await store.commit((s) => ({ ...s, outbox: [record('r-a'), record('r-b')] }));
    const r1 = await store.settle([{ id: 'r-a', done: true }]);
    assert.equal(r1.value.revision, r0.value.revision + 1);
    assert.deepEqual(
      r1.value.outbox.map((r) => r.id),
      ['r-b'],
    );
    const r2 = await store.settle([
      { id: 'r-b', done: false, error: 'HTTP 500', notBefore: '2026-01-01T00:00:05Z' },
    ]);
    assert.equal(r2.value.revision, r0.value.revision + 2);
    assert.deepEqual(
      r2.value.outbox.map((r) => [r.id, r.attempts, r.lastError, r.notBefore]),
      [['r-b', 1, 'HTTP 500', '2026-01-01T00:00:05Z']],
      'a failed record stays, with its error and its next try',
    );
    const none = await store.settle([{ id: 'r-gone', done: true }]);
    assert.equal(none.committed, false);
    assert.equal((await store.read()).value.revision, r0.value.revision + 2);
  });

  it('racing writers each commit their own revision: no two commits share one', async () => {
    const start = (await new RoutingStore(kube, policy).read()).value.revision;
    const n = 5;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        new RoutingStore(kube, policy).commit(
          (s) => ({ ...s, handledAlarmKeys: [...s.handledAlarmKeys, `race-${i}`] }),
          { maxAttempts: 20 },
        ),
      ),
    );
    const revisions = results.map((r) => r.value.revision).sort((a, b) => a - b);
    assert.deepEqual(
      revisions,
      Array.from({ length: n }, (_, i) => start + i + 1),
    );
    const final = (await new RoutingStore(kube, policy).read()).value;
    assert.equal(final.revision, start + n);
    for (let i = 0; i < n; i++) assert.ok(final.handledAlarmKeys.includes(`race-${i}`));
  });

  it("a late write of an older commit's canaries leaves the newer commit's weights in place", async () => {
    const store = new RoutingStore(kube, policy);
    const writer = new IngressWeightWriter({
      fleetKube: kube,
      memberKube: async () => kube,
      clusters: policy.clusters,
      keys: gatewayKeys(policy.gateway),
    });
    const router = new MseIngressRouter(
      writer,
      new GatewayMembership(kube, policy.fleet.mseIngressConfig, policy.gateway.remoteClustersAnnotation),
    );
    const older = await store.commit((s) => ({ ...s, governsSplit: true, weights: weights(0, 100) }));
    const newer = await store.commit((s) => ({ ...s, governsSplit: true, weights: weights(50, 50) }));
    assert.ok(newer.value.revision > older.value.revision);
    // The newer commit's canaries land first; the slow writer of the older commit arrives afterwards.
    assert.deepEqual(await applyWeights({ policy, router }, newer.value, [route.name]), [route.name]);
    await applyWeights({ policy, router }, older.value, [route.name]);
    assert.deepEqual(await writer.read(route), { [AZ1]: 50, [AZ2]: 50 });
    const k = gatewayKeys(policy.gateway);
    const canaries = await kube.listIngresses(route.namespace, `${k.route}=${route.name}`);
    assert.deepEqual(
      canaries.map((c) => c.metadata?.annotations?.[k.revision]),
      canaries.map(() => String(newer.value.revision)),
    );
  });
});
