/**
 * What the sandbox's Fleet holds at start, derived from the policy (the seed documents' fleet): the
 * application and state namespaces, Argo CD's namespace with one cluster Secret per member, the `mse`
 * IngressClass, the MseIngressConfig listing every member in remote-clusters, the base Ingress of each route
 * (no annotation: the gateway pools both clusters by pod count) and one Argo CD Application per route and cluster.
 */
import { stringify } from 'yaml';
import type { Policy } from '../shared/config';
import type { WorldCluster } from './world';

/** The Fleet's seed objects as one multi-document YAML. */
export function fleetSeedYaml(policy: Policy): string {
  const remote = policy.gateway.remoteClustersAnnotation;
  const docs: unknown[] = [];
  const namespaces = new Set([
    policy.fleet.stateNamespace,
    'argocd',
    ...policy.routes.map((r) => r.namespace),
  ]);
  for (const ns of namespaces) docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  docs.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'mse' },
    spec: {
      controller: 'mse.alibabacloud.com/ingress',
      parameters: {
        apiGroup: 'mse.alibabacloud.com',
        kind: 'MseIngressConfig',
        name: policy.fleet.mseIngressConfig,
      },
    },
  });
  docs.push({
    apiVersion: 'mse.alibabacloud.com/v1alpha1',
    kind: 'MseIngressConfig',
    metadata: {
      name: policy.fleet.mseIngressConfig,
      annotations: { [remote]: policy.clusters.map((c) => c.id).join(',') },
    },
    spec: {
      name: 'mse-ingress',
      common: {
        instance: { spec: '2c4g', replicas: 3 },
        network: { vSwitches: policy.clusters.flatMap((c) => c.vSwitches.map((v) => v.id)) },
      },
      ingress: { local: { ingressClass: 'mse' } },
    },
  });
  for (const c of policy.clusters) {
    docs.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `${c.id}-${c.name}`,
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
      },
      type: 'Opaque',
      stringData: { name: c.name, server: `https://${c.id}.sandbox.internal:6443` },
    });
  }
  for (const r of policy.routes) {
    docs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: r.ingress, namespace: r.namespace, labels: { 'app.kubernetes.io/instance': r.name } },
      spec: {
        ingressClassName: 'mse',
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: r.service, port: { number: r.servicePort } } },
                },
              ],
            },
          },
        ],
      },
    });
    // One Application per destination cluster (as an ApplicationSet's cluster generator makes them); the
    // drill and the tests change their status (sandbox/argocd.ts) as Argo CD's controller would.
    for (const c of policy.clusters)
      docs.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: `${r.name}-${c.name}`, namespace: 'argocd' },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.sandbox.internal/web-demo.git',
            path: 'deploy',
            targetRevision: 'main',
          },
          destination: { namespace: r.namespace, name: c.name },
        },
        status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
      });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

/** The world's view of a policy cluster (before its kubeconfig exists). */
export function worldClusterOf(c: Policy['clusters'][number], regionId: string): WorldCluster {
  return {
    id: c.id,
    name: c.name,
    zone: c.zone,
    regionId,
    vpcId: c.vpcId,
    clusterType: c.type === 'ack' ? 'ManagedKubernetes' : 'ExternalKubernetes',
    state: 'running',
    attachedToFleet: true,
    podCidr: c.podCidr,
  };
}
