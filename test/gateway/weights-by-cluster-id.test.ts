/**
 * Weights are looked up by cluster id, never by position: weights whose keys come in another order than the
 * policy's clusters, or that cover only some clusters (a route that does not span the whole fleet), must put
 * each weight on its own cluster's canary, pinned to that cluster's id (the pods carry no pin label). Against the Kubernetes stand-in
 * with three clusters (one API server serves as the Fleet and as each member for the pin check).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import type { Cluster, Route } from '../../shared/config';
import { canaryName, gatewayKeys, subsetLabelsValue } from '../../shared/gateway/annotations';
import { canaryWeights } from '../../shared/gateway/canary-weights';
import { pinOf } from '../../shared/gateway/pin';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { examplePolicy, FAST, kubeconfigOf } from '../clients/fixture';

const policy = examplePolicy();
const [AZ1, AZ2] = policy.clusters.map((c) => c.id) as [string, string];
const AZ3 = 'c-ack-az3';
const clusters: Cluster[] = [
  ...policy.clusters,
  { ...policy.clusters[0]!, id: AZ3, name: 'ack-az3', zone: 'cn-hangzhou-j' },
];
/** A route that spans only AZ2 and AZ3. */
const route: Route = { ...policy.routes[0]!, name: 'web-demo-b', baselineWeights: { [AZ2]: 50, [AZ3]: 50 } };
const keys = gatewayKeys(policy.gateway);

const SEED = `
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
${clusters
  .map(
    (c) => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${route.service}-${c.id}
  namespace: ${route.namespace}
  labels: { app: ${route.service} }
spec: { containers: [{ name: app, image: web-demo:1 }] }`,
  )
  .join('\n')}
`;

describe('canaryWeights: by cluster id', () => {
  it('maps each weight to its own cluster whatever the key order, absent clusters at 0', () => {
    assert.deepEqual(canaryWeights({ [AZ2]: 100, [AZ1]: 0 }, [AZ1, AZ2]), { [AZ1]: 0, [AZ2]: 100 });
    assert.deepEqual(canaryWeights({ [AZ2]: 70, [AZ1]: 30 }, [AZ1, AZ2]), { [AZ1]: 30, [AZ2]: 70 });
    assert.deepEqual(canaryWeights({ [AZ3]: 100, [AZ2]: 0 }, [AZ1, AZ2, AZ3]), {
      [AZ1]: 0,
      [AZ2]: 0,
      [AZ3]: 100,
    });
    assert.deepEqual(canaryWeights({ [AZ1]: 10, [AZ3]: 60, [AZ2]: 30 }, [AZ1, AZ2, AZ3]), {
      [AZ1]: 10,
      [AZ2]: 30,
      [AZ3]: 60,
    });
  });
});

describe('the weight writer: each canary carries its own cluster weight', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  let writer: IngressWeightWriter;
  before(async () => {
    server = await startKubeApiServer({ name: 'fleet', seedYaml: SEED });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), FAST);
    writer = new IngressWeightWriter({ fleetKube: kube, memberKube: async () => kube, clusters, keys });
  });
  after(async () => server?.stop());

  /** Each canary's weight and pin, by the cluster its name says it is for. */
  async function canaries(): Promise<Record<string, { weight: string; pin: string; subset: string }>> {
    const out: Record<string, { weight: string; pin: string; subset: string }> = {};
    for (const c of clusters) {
      const ing = await kube.getIngress(route.namespace, canaryName(route.ingress, c.id));
      const a = ing?.metadata?.annotations ?? {};
      out[c.id] = {
        weight: a[keys.canaryWeight] ?? '(none)',
        pin: a[keys.subsetLabels] ?? '(none)',
        subset: a[keys.serviceSubset] ?? '(none)',
      };
    }
    return out;
  }
  const expected = (w: Record<string, number>) =>
    Object.fromEntries(
      clusters.map((c) => [
        c.id,
        { weight: String(w[c.id] ?? 0), pin: subsetLabelsValue(pinOf(c, 'cluster-id')), subset: c.id },
      ]),
    );

  it('a route over some clusters, keys in another order: the weight lands on its own cluster', async () => {
    await writer.apply(route, { [AZ3]: 100, [AZ2]: 0 });
    assert.deepEqual(await canaries(), expected({ [AZ3]: 100 }));
    assert.deepEqual(await writer.read(route), { [AZ1]: 0, [AZ2]: 0, [AZ3]: 100 });
  });

  it('two clusters in reverse order and one absent: each canary carries its own cluster weight', async () => {
    await writer.apply(route, { [AZ3]: 20, [AZ1]: 80 });
    assert.deepEqual(await canaries(), expected({ [AZ1]: 80, [AZ3]: 20 }));
    await writer.apply(route, { [AZ2]: 60, [AZ1]: 0, [AZ3]: 40 });
    assert.deepEqual(await canaries(), expected({ [AZ2]: 60, [AZ3]: 40 }));
  });
});
