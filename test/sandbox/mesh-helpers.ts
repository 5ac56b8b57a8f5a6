/** Shared fixtures of the mesh stand-in tests (not a test file itself): pods, a control plane, a proxy. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { type MeshControlPlane, startMeshControlPlane } from '../../sandbox/mesh/control-plane';
import type { DestinationRuleSpec } from '../../sandbox/mesh/destination-rule';
import type { Locality } from '../../sandbox/mesh/locality-lb';
import { type MeshProxy, type ProxyEndpoint, startMeshProxy } from '../../sandbox/mesh/mesh-proxy';

export const HOST = 'web-demo.web-demo.svc.cluster.local';
export const AZ1: Locality = { region: 'cn-hangzhou', zone: 'cn-hangzhou-h' };
export const AZ2: Locality = { region: 'cn-hangzhou', zone: 'cn-hangzhou-i' };

/** One demo pod: answers 200 with its id, or `status()` when set. */
export interface TestPod {
  endpoint: ProxyEndpoint;
  status: number;
  server: Server;
}

/** Starts pods on 127.0.0.1 (ids `<prefix>-<n>`) in a locality. */
export async function startPods(prefix: string, locality: Locality, n: number): Promise<TestPod[]> {
  const pods: TestPod[] = [];
  for (let i = 0; i < n; i++) {
    const pod = { status: 200 } as TestPod;
    pod.server = createServer((_req, res) => {
      res.writeHead(pod.status, { 'content-type': 'text/plain' }).end(`${prefix}-${i}`);
    });
    await new Promise<void>((r) => pod.server.listen(0, '127.0.0.1', r));
    const port = (pod.server.address() as AddressInfo).port;
    pod.endpoint = { id: `${prefix}-${i}`, locality, url: `http://127.0.0.1:${port}` };
    pods.push(pod);
  }
  return pods;
}

/** A DestinationRule as the control plane answers it. */
export interface RuleObject {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

/** The DestinationRules of an ASM control plane, through the official Kubernetes client and `kubeconfig`. */
export function ruleClient(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const at = (namespace: string) => ({
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'destinationrules',
    namespace,
  });
  return {
    create: (namespace: string, name: string, spec: Record<string, unknown>) =>
      custom.createNamespacedCustomObject({
        ...at(namespace),
        body: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name, namespace },
          spec,
        },
      }),
    get: (namespace: string, name: string) =>
      custom.getNamespacedCustomObject({ ...at(namespace), name }) as Promise<RuleObject>,
    replace: (obj: RuleObject) =>
      custom.replaceNamespacedCustomObject({
        ...at(obj.metadata.namespace),
        name: obj.metadata.name,
        body: obj,
      }),
  };
}

/** The mesh proxy for `host` over a control plane (its admin token) and `endpoints`. */
export function proxyFor(
  cp: Pick<MeshControlPlane, 'api'>,
  host: string,
  endpoints: () => ProxyEndpoint[],
  seed: number,
): Promise<MeshProxy> {
  return startMeshProxy({
    controlPlane: { url: cp.api.url, token: cp.api.adminToken },
    host,
    endpoints,
    seed,
  });
}

/** The control plane, a client for its DestinationRules and a proxy for HOST over `pods`. */
export async function startMesh(pods: TestPod[]): Promise<{
  cp: MeshControlPlane;
  proxy: MeshProxy;
  applyRule(spec: DestinationRuleSpec): Promise<void>;
  stop(): Promise<void>;
}> {
  const cp = await startMeshControlPlane();
  const rules = ruleClient(cp.kubeconfig());
  const proxy = await proxyFor(cp, HOST, () => pods.map((p) => p.endpoint), 7);
  return {
    cp,
    proxy,
    applyRule: async (spec) => {
      await rules.create('web-demo', 'web-demo', { host: HOST, ...spec });
      await proxy.refresh();
    },
    stop: async () => {
      await proxy.stop();
      await cp.stop();
      for (const p of pods) p.server.close();
    },
  };
}

/** Sends `n` GETs through the proxy as a caller in `caller`, `parallel` at a time; returns the endpoint ids. */
export async function sendAs(
  proxy: MeshProxy,
  caller: Locality,
  n: number,
  parallel = 16,
): Promise<string[]> {
  const out: string[] = [];
  let left = n;
  const worker = async () => {
    while (left > 0) {
      left--;
      const res = await fetch(`${proxy.url}/`, {
        headers: { 'x-fleet-dr-caller-locality': `${caller.region}/${caller.zone}` },
      });
      await res.arrayBuffer();
      out.push(res.headers.get('x-mesh-endpoint') ?? 'none');
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}
