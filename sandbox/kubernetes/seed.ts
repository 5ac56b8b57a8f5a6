/** Sample seed YAML builders for the stand-ins (Fleet and member clusters); compose with `joinYaml`. */
import { stringify } from 'yaml';

/** Joins documents into one multi-document YAML text. */
export function joinYaml(...docs: string[]): string {
  return docs
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .join('\n---\n');
}

/** A Namespace. */
export function namespaceYaml(name: string): string {
  return stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** An Ingress on the Fleet routing `host` to Service `service`:`port` (ingressClassName mse). */
export function ingressYaml(o: {
  name: string;
  namespace: string;
  service: string;
  port?: number;
  host?: string;
  annotations?: Record<string, string>;
}): string {
  return stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      ingressClassName: 'mse',
      rules: [
        {
          ...(o.host ? { host: o.host } : {}),
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: o.service, port: { number: o.port ?? 80 } } },
              },
            ],
          },
        },
      ],
    },
  });
}

/** The `mse` IngressClass pointing at an MseIngressConfig. */
export function ingressClassYaml(mseIngressConfig: string): string {
  return stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'mse' },
    spec: {
      controller: 'mse.alibabacloud.com/ingress',
      parameters: { apiGroup: 'mse.alibabacloud.com', kind: 'MseIngressConfig', name: mseIngressConfig },
    },
  });
}

/** An MseIngressConfig listing the member clusters (remote-clusters annotation); `status` to seed it settled. */
export function mseIngressConfigYaml(o: { name: string; clusters: string[]; status?: string }): string {
  return stringify({
    apiVersion: 'mse.alibabacloud.com/v1alpha1',
    kind: 'MseIngressConfig',
    metadata: { name: o.name, annotations: { 'mse.alibabacloud.com/remote-clusters': o.clusters.join(',') } },
    spec: {
      name: 'mse-ingress',
      common: { instance: { spec: '2c4g', replicas: 3 } },
      ingress: { local: { ingressClass: 'mse' } },
    },
    ...(o.status ? { status: { status: o.status } } : {}),
  });
}

/** An Argo CD Application in `argocd` with the given sync and health status. */
export function applicationYaml(o: {
  name: string;
  sync?: string;
  health?: string;
  namespace?: string;
}): string {
  return stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: o.name, namespace: o.namespace ?? 'argocd' },
    spec: {
      project: 'default',
      destination: { namespace: o.name, name: 'in-cluster' },
      source: { repoURL: 'https://git.example/repo', path: o.name },
    },
    status: { sync: { status: o.sync ?? 'Synced' }, health: { status: o.health ?? 'Healthy' } },
  });
}

/** A member-cluster Deployment whose pods carry `labels` (e.g. topology.istio.io/cluster). */
export function deploymentYaml(o: {
  name: string;
  namespace: string;
  replicas?: number;
  labels?: Record<string, string>;
}): string {
  const labels = { app: o.name, ...(o.labels ?? {}) };
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: { app: o.name } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: o.name, image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
      },
    },
  });
}

/** A member-cluster Service selecting `app: name`. */
export function serviceYaml(o: { name: string; namespace: string; port?: number }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, namespace: o.namespace },
    spec: { selector: { app: o.name }, ports: [{ name: 'http', port: o.port ?? 80, targetPort: 80 }] },
  });
}

/** The Fleet seed of the example policy: namespaces, IngressClass, MseIngressConfig, base Ingress, Application. */
export function fleetSeedYaml(o: {
  clusters: string[];
  namespace?: string;
  service?: string;
  mse?: string;
}): string {
  const ns = o.namespace ?? 'web-demo';
  const svc = o.service ?? 'web-demo';
  const mse = o.mse ?? 'ackone-gateway';
  return joinYaml(
    namespaceYaml(ns),
    namespaceYaml('argocd'),
    ingressClassYaml(mse),
    mseIngressConfigYaml({ name: mse, clusters: o.clusters, status: 'Listening' }),
    ingressYaml({ name: svc, namespace: ns, service: svc }),
    applicationYaml({ name: svc }),
  );
}

/** A member cluster seed: namespace, Deployment with the cluster pin label, Service. */
export function memberSeedYaml(o: {
  clusterId: string;
  namespace?: string;
  service?: string;
  replicas?: number;
}): string {
  const ns = o.namespace ?? 'web-demo';
  const svc = o.service ?? 'web-demo';
  return joinYaml(
    namespaceYaml(ns),
    deploymentYaml({
      name: svc,
      namespace: ns,
      replicas: o.replicas,
      labels: { 'topology.istio.io/cluster': o.clusterId },
    }),
    serviceYaml({ name: svc, namespace: ns }),
  );
}
