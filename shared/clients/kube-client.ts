/**
 * A Kubernetes API (the Fleet's or a member cluster's) through @kubernetes/client-node, reduced to the calls
 * fleet-dr makes. Reads are retried on transient errors; writes are sent once. A 404 on get is `undefined`;
 * every other failure is a KubeApiError naming the object, verb and status (409 = lost a conditional write).
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  type V1ConfigMap,
  type V1Deployment,
  type V1Ingress,
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
  getClusterCustomObject(ref: CustomResourceRef, name: string): Promise<KubeJson | undefined>;
  replaceClusterCustomObject(ref: CustomResourceRef, obj: KubeJson): Promise<KubeJson>;
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

/** Build a KubeClient from kubeconfig YAML (token or client-certificate users both work). */
export function kubeClientFromKubeconfig(
  name: string,
  kubeconfig: string,
  limits: CallLimits = DEFAULT_LIMITS,
): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const obj = (kind: string, ns: string | undefined, n: string | undefined) =>
    `${name}: ${kind} ${ns ? `${ns}/` : ''}${n ?? '?'}`;

  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await retryRead(
        what,
        async () => {
          try {
            return await fn();
          } catch (err) {
            throw toKubeError(what, 'get', err);
          }
        },
        limits,
      );
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  };
  const list = <T>(what: string, fn: () => Promise<{ items: T[] }>): Promise<T[]> =>
    retryRead(
      what,
      async () => {
        try {
          return (await fn()).items;
        } catch (err) {
          throw toKubeError(what, 'list', err);
        }
      },
      limits,
    );
  const write = <T>(what: string, verb: string, fn: () => Promise<T>): Promise<T> =>
    writeOnce(
      what,
      async () => {
        try {
          return await fn();
        } catch (err) {
          throw toKubeError(what, verb, err);
        }
      },
      limits,
    );

  return {
    name,
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
    getService: (namespace, n) =>
      read(obj('service', namespace, n), () => core.readNamespacedService({ name: n, namespace })),
    listPods: (namespace, labelSelector) =>
      list(obj('pods', namespace, labelSelector ?? '*'), () =>
        core.listNamespacedPod({ namespace, labelSelector }),
      ),
    listDeployments: (namespace, labelSelector) =>
      list(obj('deployments', namespace, labelSelector ?? '*'), () =>
        apps.listNamespacedDeployment({ namespace, labelSelector }),
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
