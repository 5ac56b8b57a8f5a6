/**
 * A small sandbox for the client contract tests: the Fleet and two member clusters (Kubernetes stand-ins)
 * and the cloud stand-ins, seeded with the example route. Lighter than startSandbox (no zones, no gateway).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type CloudStandIn, SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import { type KubeApiServer, startKubeApiServer, type TokenSpec } from '../../sandbox/kubernetes/index';
import { FleetWorld } from '../../sandbox/world';
import type { CredentialSource } from '../../shared/clients/credentials';
import type { EndpointOverrides } from '../../shared/clients/endpoints';
import type { CallLimits } from '../../shared/clients/retry';
import { type Policy, PolicySchema } from '../../shared/config';

/** The example policy. */
export function examplePolicy(): Policy {
  return PolicySchema.parse(
    parse(readFileSync(new URL('../../deploy/policy.yaml', import.meta.url), 'utf8')),
  );
}

/** Short limits so fault tests finish fast. */
export const FAST: CallLimits = { timeoutMs: 5_000, retries: 2, minBackoffMs: 20, maxBackoffMs: 50 };

function fleetSeed(p: Policy): string {
  const r = p.routes[0]!;
  return `
apiVersion: v1
kind: Namespace
metadata: { name: ${p.fleet.stateNamespace} }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${r.namespace} }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${r.ingress}
  namespace: ${r.namespace}
  labels: { app.kubernetes.io/instance: web-demo }
spec:
  ingressClassName: mse
  rules:
    - host: web-demo.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: ${r.service}, port: { number: ${r.servicePort} } } }
---
apiVersion: mse.alibabacloud.com/v1alpha1
kind: MseIngressConfig
metadata:
  name: ${p.fleet.mseIngressConfig}
  annotations: { ${p.gateway.remoteClustersAnnotation}: "${p.clusters.map((c) => c.id).join(',')}" }
spec: { name: mse-ingress, ingress: { local: { ingressClass: mse } } }
`;
}

function memberSeed(p: Policy, clusterId: string, podLabelValue: string, pods = 2): string {
  const r = p.routes[0]!;
  const key = p.clusters.find((c) => c.id === clusterId)!.podLabel?.key ?? 'topology.istio.io/cluster';
  const podDocs = Array.from(
    { length: pods },
    (_, i) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${r.service}-${i}
  namespace: ${r.namespace}
  labels: { app: ${r.service}, ${key}: ${podLabelValue} }
spec: { containers: [{ name: app, image: web-demo:1 }] }`,
  ).join('\n---');
  return `
apiVersion: v1
kind: Namespace
metadata: { name: ${r.namespace} }
---
apiVersion: v1
kind: Service
metadata: { name: ${r.service}, namespace: ${r.namespace} }
spec: { selector: { app: ${r.service} }, ports: [{ port: ${r.servicePort}, targetPort: 8080 }] }
---${podDocs}
`;
}

/** The TLS kubeconfig of a stand-in (fails clearly if the stand-in could not start TLS). */
export function kubeconfigOf(s: KubeApiServer, token?: string): string {
  if (!s.tlsUrl) throw new Error(`${s.name}: the Kubernetes stand-in has no TLS port (openssl missing?)`);
  return s.kubeconfig(token, { tls: true });
}

/** A running fixture. */
export interface Fixture {
  policy: Policy;
  world: FleetWorld;
  fleet: KubeApiServer;
  members: Map<string, KubeApiServer>;
  cloud: CloudStandIn;
  overrides: EndpointOverrides;
  credentials: CredentialSource;
  /** Values the stand-ins' `errorRate` faults draw next (then Math.random): lets a test script which attempt fails. */
  randoms: number[];
  stop(): Promise<void>;
}

/** Start the fixture; `podLabelValues` overrides what the member pods are labelled with (pin tests). */
export async function startFixture(
  opts: { podLabelValues?: Record<string, string>; fleetTokens?: TokenSpec[] } = {},
): Promise<Fixture> {
  const policy = examplePolicy();
  const world = new FleetWorld({ fleetId: policy.fleet.id, regionId: policy.region });
  const stops: Array<() => Promise<void>> = [];
  try {
    const fleet = await startKubeApiServer({
      name: 'fleet',
      seedYaml: fleetSeed(policy),
      tokens: opts.fleetTokens,
    });
    stops.push(() => fleet.stop());
    // client-node 2.x refuses plain-http servers unless skipTLSVerify: use the stand-in's TLS kubeconfig.
    world.fleetKubeconfig = kubeconfigOf(fleet);
    const members = new Map<string, KubeApiServer>();
    for (const c of policy.clusters) {
      const m = await startKubeApiServer({
        name: c.id,
        seedYaml: memberSeed(policy, c.id, opts.podLabelValues?.[c.id] ?? c.podLabel?.value ?? c.id),
      });
      stops.push(() => m.stop());
      members.set(c.id, m);
      world.addCluster({
        id: c.id,
        name: c.name,
        zone: c.zone,
        regionId: policy.region,
        vpcId: c.vpcId,
        clusterType: c.type === 'ack' ? 'ManagedKubernetes' : 'ExternalKubernetes',
        state: 'running',
        attachedToFleet: true,
        kubeconfig: kubeconfigOf(m),
        podCidr: c.podCidr,
      });
    }
    const randoms: number[] = [];
    const cloud = await startCloudStandIn({
      world,
      autoTick: false,
      random: () => randoms.shift() ?? Math.random(),
    });
    stops.push(() => cloud.stop());
    const overrides: EndpointOverrides = { ...cloud.endpoints };
    const credentials: CredentialSource = async () => ({ ...SANDBOX_ACCESS_KEY });
    return {
      policy,
      world,
      fleet,
      members,
      cloud,
      overrides,
      credentials,
      randoms,
      stop: async () => {
        for (const s of stops.reverse()) await s();
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s();
    throw err;
  }
}
