/**
 * A Kubernetes API (the Fleet's or a member cluster's) through @kubernetes/client-node, reduced to the calls
 * fleet-dr makes. Reads are retried on transient errors; writes are sent once. A 404 on get is `undefined`;
 * every other failure is a KubeApiError naming the object, verb and status (409 = lost a conditional write).
 * Every request of one client goes through ONE kept-alive connection pool (sharedPool below).
 */
import type { AgentOptions } from 'node:https';
import {
  AppsV1Api,
  type Cluster,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  type V1ConfigMap,
  type V1Deployment,
  type V1Ingress,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { KubeApiError } from './errors';
import { type CallLimits, DEFAULT_LIMITS, retryRead, writeOnce } from './retry';

/** A cluster-scoped or namespaced custom resource type. */
export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
}

/** A custom resource type and the namespace to list it in. */
export interface NamespacedResourceRef extends CustomResourceRef {
  namespace: string;
  labelSelector?: string;
}

/** A Kubernetes object as plain JSON (custom resources). */
export interface KubeJson {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
}

/** The Kubernetes calls fleet-dr makes against one cluster. */
export interface KubeClient {
  readonly name: string;
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  createConfigMap(cm: V1ConfigMap): Promise<V1ConfigMap>;
  /** Replace; with metadata.resourceVersion set a stale version fails with KubeApiError status 409. */
  replaceConfigMap(cm: V1ConfigMap): Promise<V1ConfigMap>;
  getIngress(namespace: string, name: string): Promise<V1Ingress | undefined>;
  listIngresses(namespace: string, labelSelector?: string): Promise<V1Ingress[]>;
  createIngress(ing: V1Ingress): Promise<V1Ingress>;
  replaceIngress(ing: V1Ingress): Promise<V1Ingress>;
  deleteIngress(namespace: string, name: string): Promise<void>;
  getService(namespace: string, name: string): Promise<V1Service | undefined>;
  listPods(namespace: string, labelSelector?: string): Promise<V1Pod[]>;
  listDeployments(namespace: string, labelSelector?: string): Promise<V1Deployment[]>;
  /** The cluster's Nodes (cluster-scoped: needs a ClusterRole); zone and region pins read their labels. */
  listNodes(labelSelector?: string): Promise<V1Node[]>;
  /** The custom objects of one type in one namespace, as plain JSON. */
  listCustomObjects(ref: NamespacedResourceRef): Promise<KubeJson[]>;
  getClusterCustomObject(ref: CustomResourceRef, name: string): Promise<KubeJson | undefined>;
  replaceClusterCustomObject(ref: CustomResourceRef, obj: KubeJson): Promise<KubeJson>;
  /** Close the client's connection pool (idle sockets go at once, busy ones when their request ends). */
  close?(): Promise<void>;
}

/**
 * Limits of the one connection pool per Kubernetes API (undici Agent options). A warm instance keeps its
 * connections between invocations for `keepAliveTimeout` (below the 60 s idle timeout of Alibaba Cloud's
 * load balancers in front of API servers); `connections` bounds what a burst (canary writes, reads beside the
 * probes) opens; a hung API server frees its socket after `headersTimeout` (each call's own timeout rejects
 * sooner, see retry.ts).
 */
export const KUBE_POOL_LIMITS = {
  connections: 8,
  pipelining: 1,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 60_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
} as const;

/** What client-node's dispatchers (undici Agents) are to us: something to close. */
interface Pool {
  close(): Promise<void>;
}

/** The private factory client-node calls on EVERY request (applySecurityAuthentication). */
interface DispatcherFactory {
  createDispatcher(cluster: Cluster | null, agentOptions: AgentOptions): Pool | undefined;
}

/**
 * One connection pool for every request made through `kc`. @kubernetes/client-node 2.0.1 builds a new undici
 * Agent per request (KubeConfig.applySecurityAuthentication → createDispatcher), so each request opened a new
 * TCP (and TLS) connection. Its factory is private and its undici is its own (not importable from here), so
 * this is the one place that patches it: the first call builds the Agent as the library would (same TLS
 * options, same class) but with KUBE_POOL_LIMITS, and every later call returns that Agent. A proxy or SOCKS
 * dispatcher is shared as the library built it.
 */
export function sharedPool(kc: KubeConfig): { close(): Promise<void> } {
  const lib = kc as unknown as DispatcherFactory;
  const build = lib.createDispatcher.bind(kc);
  let pool: Pool | undefined;
  let built = false;
  lib.createDispatcher = (cluster, agentOptions) => {
    if (built) return pool;
    built = true;
    const made = build(cluster, agentOptions);
    const o = kc.createDispatcherOptions(cluster, agentOptions);
    if (made && o.type === 'agent') {
      const Agent = made.constructor as new (opts: object) => Pool;
      void made.close();
      pool = new Agent({ connect: o.connect, ...KUBE_POOL_LIMITS });
    } else pool = made;
    return pool;
  };
  return { close: async () => pool?.close() };
}

/** Map a client-node failure to KubeApiError. */
export function toKubeError(object: string, verb: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; body?: unknown; message?: string };
  const status = typeof e?.code === 'number' ? e.code : 0;
  let reason =
    status === 0 ? String((e as { code?: unknown })?.code ?? e?.message ?? 'network error') : 'error';
  const body = typeof e?.body === 'string' ? safeJson(e.body) : e?.body;
  if (body && typeof body === 'object') {
    const b = body as { reason?: string; message?: string };
    reason = [b.reason, b.message].filter(Boolean).join(': ') || reason;
  }
  return new KubeApiError(object, verb, status, reason, { cause: status === 0 ? err : undefined });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * Runs one call and returns once its connection is back in the pool. undici frees a connection in a turn of the
 * event loop after the response body ended, so a request sent at once after the previous answer finds its
 * connection still busy and opens another one (sequential requests alternated between two connections).
 */
async function settled<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The three ways a call goes out: reads retried (404 is undefined), lists retried, writes sent once. */
interface KubeCalls {
  /** `name: kind ns/name`, the object a call names in its errors. */
  obj(kind: string, ns: string | undefined, n: string | undefined): string;
  read<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>;
  list<T>(what: string, fn: () => Promise<{ items?: T[] }>): Promise<T[]>;
  write<T>(what: string, verb: string, fn: () => Promise<T>): Promise<T>;
}

function kubeCalls(name: string, limits: CallLimits): KubeCalls {
  /** One attempt: waits for the connection to be pooled again, and maps the error. */
  const attempt =
    <T>(what: string, verb: string, fn: () => Promise<T>) =>
    async () => {
      try {
        return await settled(fn);
      } catch (err) {
        throw toKubeError(what, verb, err);
      }
    };
  return {
    obj: (kind, ns, n) => `${name}: ${kind} ${ns ? `${ns}/` : ''}${n ?? '?'}`,
    async read(what, fn) {
      try {
        return await retryRead(what, attempt(what, 'get', fn), limits);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    list: async (what, fn) => (await retryRead(what, attempt(what, 'list', fn), limits)).items ?? [],
    write: (what, verb, fn) => writeOnce(what, attempt(what, verb, fn), limits),
  };
}

type CoreCalls = Pick<
  KubeClient,
  'getConfigMap' | 'createConfigMap' | 'replaceConfigMap' | 'getService' | 'listPods' | 'listNodes'
>;

/** ConfigMaps, Services, Pods and Nodes (core/v1). */
function coreCalls(core: CoreV1Api, { obj, read, list, write }: KubeCalls): CoreCalls {
  return {
    getConfigMap: (namespace, n) =>
      read(obj('configmap', namespace, n), () => core.readNamespacedConfigMap({ name: n, namespace })),
    createConfigMap: (cm) =>
      write(obj('configmap', cm.metadata?.namespace, cm.metadata?.name), 'create', () =>
        core.createNamespacedConfigMap({ namespace: cm.metadata!.namespace!, body: cm }),
      ),
    replaceConfigMap: (cm) =>
      write(obj('configmap', cm.metadata?.namespace, cm.metadata?.name), 'update', () =>
        core.replaceNamespacedConfigMap({
          name: cm.metadata!.name!,
          namespace: cm.metadata!.namespace!,
          body: cm,
        }),
      ),
    getService: (namespace, n) =>
      read(obj('service', namespace, n), () => core.readNamespacedService({ name: n, namespace })),
    listPods: (namespace, labelSelector) =>
      list(obj('pods', namespace, labelSelector ?? '*'), () =>
        core.listNamespacedPod({ namespace, labelSelector }),
      ),
    listNodes: (labelSelector) =>
      list(obj('nodes', undefined, labelSelector ?? '*'), () => core.listNode({ labelSelector })),
  };
}

type IngressCalls = Pick<
  KubeClient,
  'getIngress' | 'listIngresses' | 'createIngress' | 'replaceIngress' | 'deleteIngress'
>;

/** Ingresses (networking.k8s.io/v1). */
function ingressCalls(net: NetworkingV1Api, { obj, read, list, write }: KubeCalls): IngressCalls {
  return {
    getIngress: (namespace, n) =>
      read(obj('ingress', namespace, n), () => net.readNamespacedIngress({ name: n, namespace })),
    listIngresses: (namespace, labelSelector) =>
      list(obj('ingresses', namespace, labelSelector ?? '*'), () =>
        net.listNamespacedIngress({ namespace, labelSelector }),
      ),
    createIngress: (ing) =>
      write(obj('ingress', ing.metadata?.namespace, ing.metadata?.name), 'create', () =>
        net.createNamespacedIngress({ namespace: ing.metadata!.namespace!, body: ing }),
      ),
    replaceIngress: (ing) =>
      write(obj('ingress', ing.metadata?.namespace, ing.metadata?.name), 'update', () =>
        net.replaceNamespacedIngress({
          name: ing.metadata!.name!,
          namespace: ing.metadata!.namespace!,
          body: ing,
        }),
      ),
    deleteIngress: async (namespace, n) => {
      try {
        await write(obj('ingress', namespace, n), 'delete', () =>
          net.deleteNamespacedIngress({ name: n, namespace }),
        );
      } catch (err) {
        // Deleting what is already gone is success: release() may run twice.
        if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      }
    },
  };
}

type CustomCalls = Pick<
  KubeClient,
  'listDeployments' | 'listCustomObjects' | 'getClusterCustomObject' | 'replaceClusterCustomObject'
>;

/** Deployments (apps/v1) and custom resources (Argo CD Applications, MseIngressConfigs). */
function workloadAndCustomCalls(
  apps: AppsV1Api,
  custom: CustomObjectsApi,
  { obj, read, list, write }: KubeCalls,
): CustomCalls {
  return {
    listDeployments: (namespace, labelSelector) =>
      list(obj('deployments', namespace, labelSelector ?? '*'), () =>
        apps.listNamespacedDeployment({ namespace, labelSelector }),
      ),
    listCustomObjects: ({ namespace, labelSelector, ...ref }) =>
      list(
        obj(ref.plural, namespace, labelSelector ?? '*'),
        () =>
          custom.listNamespacedCustomObject({ ...ref, namespace, labelSelector }) as Promise<{
            items?: KubeJson[];
          }>,
      ),
    getClusterCustomObject: (ref, n) =>
      read(
        obj(ref.plural, undefined, n),
        () => custom.getClusterCustomObject({ ...ref, name: n }) as Promise<KubeJson>,
      ),
    replaceClusterCustomObject: (ref, o) =>
      write(
        obj(ref.plural, undefined, o.metadata?.name),
        'update',
        () =>
          custom.replaceClusterCustomObject({
            ...ref,
            name: o.metadata!.name!,
            body: o,
          }) as Promise<KubeJson>,
      ),
  };
}

/** Build a KubeClient from kubeconfig YAML (token or client-certificate users both work). */
export function kubeClientFromKubeconfig(
  name: string,
  kubeconfig: string,
  limits: CallLimits = DEFAULT_LIMITS,
): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const pool = sharedPool(kc);
  const calls = kubeCalls(name, limits);
  return {
    name,
    close: () => pool.close(),
    ...coreCalls(kc.makeApiClient(CoreV1Api), calls),
    ...ingressCalls(kc.makeApiClient(NetworkingV1Api), calls),
    ...workloadAndCustomCalls(kc.makeApiClient(AppsV1Api), kc.makeApiClient(CustomObjectsApi), calls),
  };
}
