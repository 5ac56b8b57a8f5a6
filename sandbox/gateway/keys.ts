/**
 * Annotation key names the gateway reads. Only the key NAMES are configurable (as in the policy's `gateway`
 * block); what they mean is interpreted here, independently of the product's weight writer, so a writer bug
 * shows up as misrouted traffic.
 */

/** Configurable key names (defaults as documented for MSE Ingress). */
export interface GatewayKeys {
  /** nginx-compatible prefix; `nginx.ingress.kubernetes.io` and `mse.ingress.kubernetes.io` are interchangeable for these keys. */
  annotationPrefix: string;
  /** Prefix of MSE-only keys (service-subset, subset-labels): these are NOT read under the nginx prefix. */
  msePrefix: string;
  /** MseIngressConfig annotation listing the member clusters on the gateway. */
  remoteClustersAnnotation: string;
}

/** The documented defaults. */
export const DEFAULT_KEYS: GatewayKeys = {
  annotationPrefix: 'nginx.ingress.kubernetes.io',
  msePrefix: 'mse.ingress.kubernetes.io',
  remoteClustersAnnotation: 'mse.alibabacloud.com/remote-clusters',
};

/** Reads an nginx-compatible annotation under any accepted prefix (configured, nginx, mse). */
export function commonAnnotation(
  annotations: Record<string, string>,
  keys: GatewayKeys,
  name: string,
): string | undefined {
  for (const p of [
    keys.annotationPrefix,
    'nginx.ingress.kubernetes.io',
    keys.msePrefix,
    'mse.ingress.kubernetes.io',
  ]) {
    const v = annotations[`${p}/${name}`];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Reads an MSE-only annotation (only under the MSE prefix). */
export function mseAnnotation(
  annotations: Record<string, string>,
  keys: GatewayKeys,
  name: string,
): string | undefined {
  return annotations[`${keys.msePrefix}/${name}`];
}
