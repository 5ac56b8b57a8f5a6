/**
 * Alibaba Cloud Service Mesh (servicemesh 2020-01-11) through openapi-core `callApi`, because
 * `@alicloud/servicemesh20200111` is not served by the registry; the generated SDK can replace this adapter
 * once it is. It hands out the ASM control plane's kubeconfig (DescribeServiceMeshKubeconfig), from which the
 * ASM router (shared/gateway/asm-router.ts) reads and writes the routes' DestinationRules
 * (networking.istio.io/v1), through a client built from it and cached per warm instance until shortly before
 * its certificate expires (as the Fleet's is, fleet-client.ts). That client lives here, not in kube-client.ts,
 * only because KubeClient has no namespaced custom-object get and replace yet; it maps errors and retries
 * exactly as KubeClient does (toKubeError, retryRead, writeOnce) and can move there with them.
 *
 * **Unverified**: the action `DescribeServiceMeshKubeconfig`, its parameters `ServiceMeshId` and
 * `PrivateIpAddress` ('true' | 'false'), the answer's `Kubeconfig` field and the central endpoint
 * (`servicemesh.aliyuncs.com`, endpoints.ts) follow the generated SDK's source; the reference docs of this
 * project do not cover them and no live call has checked them. Everything here that depends on them is in
 * this file.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { CredentialSource } from './credentials';
import { type EndpointOverrides, resolveEndpoint } from './endpoints';
import { CloudApiError, KubeApiError } from './errors';
import { type CustomResourceRef, type KubeJson, sharedPool, toKubeError } from './kube-client';
import { kubeconfigNotAfter } from './kubeconfig-expiry';
import { callRpc, sdkConfig } from './openapi';
import { type CallLimits, DEFAULT_LIMITS, retryRead, writeOnce } from './retry';

/** The servicemesh API version. */
export const SERVICEMESH_VERSION = '2020-01-11';
/** The action that returns an ASM instance's kubeconfig. */
export const KUBECONFIG_ACTION = 'DescribeServiceMeshKubeconfig';

/** Istio's DestinationRule (networking.istio.io/v1, namespaced). */
export const DESTINATION_RULE: CustomResourceRef = {
  group: 'networking.istio.io',
  version: 'v1',
  plural: 'destinationrules',
};

/** DestinationRules on the ASM control plane's Kubernetes API. */
export interface DestinationRuleClient {
  /** The DestinationRule, or undefined when there is none (404). Retried as a read. */
  get(namespace: string, name: string): Promise<KubeJson | undefined>;
  /** Replace it; with metadata.resourceVersion set a stale version fails with KubeApiError status 409. Sent once. */
  replace(obj: KubeJson): Promise<KubeJson>;
}

/** The servicemesh API, as far as fleet-dr needs it. */
export interface ServiceMeshClient {
  /** The base URL this client calls (the real endpoint unless overridden). */
  readonly endpoint: string;
  /** The ASM control plane's kubeconfig (internal-network address when `privateIpAddress`). */
  kubeconfig(): Promise<string>;
  /**
   * The control plane's DestinationRules, through the cached client; a call answered 401 (kubeconfig revoked or
   * rotated) fetches a new kubeconfig and is made once more.
   */
  readonly destinationRules: DestinationRuleClient;
}

/** Options for the servicemesh client. */
export interface ServiceMeshClientOptions {
  serviceMeshId: string;
  /** The region the API is asked in (`asm.regionId`, else the policy's region). */
  region: string;
  /** Ask for the internal-network kubeconfig (`asm.privateIpAddress`). */
  privateIpAddress?: boolean;
  credentials: CredentialSource;
  overrides?: EndpointOverrides;
  limits?: CallLimits;
  /** Refresh this long before the certificate's notAfter; default 5 min. */
  refreshMarginMs?: number;
  now?: () => number;
}

/** The query of DescribeServiceMeshKubeconfig. */
export function kubeconfigQuery(serviceMeshId: string, privateIpAddress: boolean): Record<string, string> {
  return { ServiceMeshId: serviceMeshId, PrivateIpAddress: privateIpAddress ? 'true' : 'false' };
}

/** The kubeconfig out of DescribeServiceMeshKubeconfig's answer; an empty or missing one is an error. */
export function kubeconfigFromAnswer(serviceMeshId: string, body: Record<string, unknown>): string {
  const cfg = body.Kubeconfig;
  if (typeof cfg !== 'string' || !cfg.trim())
    throw new CloudApiError(
      KUBECONFIG_ACTION,
      'EmptyKubeconfig',
      `service mesh ${serviceMeshId}: no kubeconfig returned`,
      body.RequestId as string | undefined,
    );
  return cfg;
}

/** A DestinationRule client over one kubeconfig, with one connection pool. */
function destinationRuleClientFrom(
  name: string,
  kubeconfig: string,
  limits: CallLimits,
): DestinationRuleClient & { close(): Promise<void> } {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const pool = sharedPool(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const what = (ns: string | undefined, n: string | undefined) =>
    `${name}: destinationrule ${ns ?? '?'}/${n ?? '?'}`;
  const mapped =
    <T>(object: string, verb: string, fn: () => Promise<T>) =>
    async () => {
      try {
        return await fn();
      } catch (err) {
        throw toKubeError(object, verb, err);
      }
    };
  return {
    close: () => pool.close(),
    async get(namespace, n) {
      const object = what(namespace, n);
      try {
        return await retryRead(
          object,
          mapped(
            object,
            'get',
            () =>
              custom.getNamespacedCustomObject({
                ...DESTINATION_RULE,
                namespace,
                name: n,
              }) as Promise<KubeJson>,
          ),
          limits,
        );
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    replace(obj) {
      const { namespace, name: n } = obj.metadata ?? {};
      const object = what(namespace, n);
      return writeOnce(
        object,
        mapped(
          object,
          'update',
          () =>
            custom.replaceNamespacedCustomObject({
              ...DESTINATION_RULE,
              namespace: namespace!,
              name: n!,
              body: obj,
            }) as Promise<KubeJson>,
        ),
        limits,
      );
    },
  };
}

type CachedRules = DestinationRuleClient & { close(): Promise<void> };

// Per warm instance: one client (one connection pool) per ASM instance and network, shared by later invocations.
const meshCache = new Map<string, { rules: CachedRules; expiresAt: number }>();

/** Forget cached ASM kubeconfigs (tests). */
export function clearServiceMeshKubeCache(): void {
  meshCache.clear();
}

/** Create the servicemesh client. */
export function createServiceMeshClient(options: ServiceMeshClientOptions): ServiceMeshClient {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const ep = resolveEndpoint('servicemesh', options.region, { overrides: options.overrides });
  const privateIp = options.privateIpAddress ?? false;
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const cacheKey = `${ep.url}|${options.serviceMeshId}|${privateIp}`;
  const kubeconfig = async () => {
    // A read: retried on throttling, 5xx, timeouts and network errors; callRpc names the action in errors.
    const body = await retryRead(
      KUBECONFIG_ACTION,
      async () =>
        callRpc(
          sdkConfig(await options.credentials(), ep, options.region, limits.timeoutMs),
          SERVICEMESH_VERSION,
          KUBECONFIG_ACTION,
          kubeconfigQuery(options.serviceMeshId, privateIp),
          limits.timeoutMs,
        ),
      limits,
    );
    return kubeconfigFromAnswer(options.serviceMeshId, body);
  };
  const rules = async (): Promise<CachedRules> => {
    const hit = meshCache.get(cacheKey);
    if (hit && hit.expiresAt - margin > now()) return hit.rules;
    const cfg = await kubeconfig();
    const client = destinationRuleClientFrom(`service mesh ${options.serviceMeshId}`, cfg, limits);
    if (hit) void hit.rules.close().catch(() => {});
    meshCache.set(cacheKey, {
      rules: client,
      expiresAt: kubeconfigNotAfter(cfg) ?? Number.POSITIVE_INFINITY,
    });
    return client;
  };
  const withRules = async <T>(fn: (c: DestinationRuleClient) => Promise<T>): Promise<T> => {
    try {
      return await fn(await rules());
    } catch (err) {
      // A 401 means the request was not authenticated, so nothing was written: repeating it once is safe.
      if (!(err instanceof KubeApiError && err.status === 401)) throw err;
      void meshCache
        .get(cacheKey)
        ?.rules.close()
        .catch(() => {});
      meshCache.delete(cacheKey);
      return fn(await rules());
    }
  };
  return {
    endpoint: ep.url,
    kubeconfig,
    destinationRules: {
      get: (namespace, name) => withRules((c) => c.get(namespace, name)),
      replace: (obj) => withRules((c) => c.replace(obj)),
    },
  };
}
