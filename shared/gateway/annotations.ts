/**
 * The one module that knows the MSE Ingress annotation keys, fleet-dr's ownership labels and the canary
 * naming. The keys are UNVERIFIED for per-cluster routing (the ACK One docs' YAML could not be read), so
 * the prefixes come from `policy.gateway` and can be changed without code changes. What a pin matches is
 * pin.ts.
 */
import type { Policy } from '../config';
import type { Pin, PinKind } from './pin';

/** The keys the weight writer and membership use. */
export interface GatewayKeys {
  canary: string;
  canaryWeight: string;
  canaryWeightTotal: string;
  serviceSubset: string;
  subsetLabels: string;
  remoteClusters: string;
  /** Label marking objects fleet-dr owns (value `fleet-dr`). */
  managedBy: string;
  /** Labels linking a canary to its route and cluster. */
  route: string;
  cluster: string;
  /** Annotation carrying the committed state revision a canary was written for. */
  revision: string;
  /** What `subset-labels` pins each canary by (`gateway.pin`; see pin.ts). */
  pin: PinKind;
}

/** Value of the managed-by label. */
export const MANAGED_BY = 'fleet-dr';

/** Build the keys from the policy's gateway section (defaults match the MSE docs). */
export function gatewayKeys(gateway: Policy['gateway']): GatewayKeys {
  const a = gateway.annotationPrefix;
  const m = gateway.msePrefix;
  return {
    canary: `${a}/canary`,
    canaryWeight: `${a}/canary-weight`,
    canaryWeightTotal: `${a}/canary-weight-total`,
    serviceSubset: `${m}/service-subset`,
    subsetLabels: `${m}/subset-labels`,
    remoteClusters: gateway.remoteClustersAnnotation,
    managedBy: 'app.kubernetes.io/managed-by',
    route: 'fleet-dr.io/route',
    cluster: 'fleet-dr.io/cluster',
    revision: 'fleet-dr.io/revision',
    pin: gateway.pin,
  };
}

/** The canary Ingress name for a route and member cluster. */
export function canaryName(ingress: string, clusterId: string): string {
  return `${ingress}-fleet-dr-${clusterId}`;
}

/** The `subset-labels` value pinning a canary to one cluster's endpoints: "<key> <value>". */
export function subsetLabelsValue(pin: Pin): string {
  return `${pin.key} ${pin.value}`;
}
