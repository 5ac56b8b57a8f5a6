/**
 * The gateway's routing core, pure: from the Fleet's Ingresses and the MseIngressConfig plus the member
 * clusters' endpoints, builds the table the proxy routes by, following the documented MSE semantics
 * (/work/shared/reference/ack-one-gateway.md):
 * - a base Ingress (no canary annotation) pools the same-name Service's endpoints of every member cluster,
 *   so traffic is shared by pod count;
 * - canary Ingresses on the same host/path take `canary-weight` of `canary-weight-total` (default 100);
 *   header canaries match first, then cookie, then weight;
 * - `service-subset` + `subset-labels` ("<key> <value>") keep the endpoints carrying those labels, matched
 *   against the endpoint labels as Istio augments them (endpoint-labels.ts: the pod's labels, the cluster id,
 *   the node's zone and region), and if NO endpoint matches, ALL pods of the Service;
 * - only clusters listed in the remote-clusters annotation of the MseIngressConfig take part.
 * Only ready endpoints count (what a Kubernetes-fed gateway sees).
 */
import type { KubeObject } from '../kubernetes/types';
import type { GatewayEndpoint } from './endpoints';
import { commonAnnotation, DEFAULT_KEYS, type GatewayKeys, mseAnnotation } from './keys';

/** A Service destination with the endpoints it may use. */
export interface Backend {
  ingress: string;
  namespace: string;
  service: string;
  /** Subset labels asked for, if any. */
  subset?: Record<string, string>;
  /** False when a subset was asked for and no pod matched, so every pod is used (documented MSE fallback). */
  subsetMatched: boolean;
  endpoints: GatewayEndpoint[];
  /** Every eligible endpoint of the Service (what the health fallback may use when `endpoints` are all down). */
  serviceEndpoints: GatewayEndpoint[];
}

/** A canary Ingress attached to a route. */
export interface Canary {
  backend: Backend;
  header?: { name: string; value?: string; pattern?: RegExp };
  cookie?: string;
  /** Share when picked by weight (undefined: not a weight canary). */
  weight?: number;
  weightTotal: number;
}

/** One host/path of a base Ingress with its canaries. */
export interface RouteEntry {
  host?: string;
  path: string;
  pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  base: Backend;
  canaries: Canary[];
}

/** Everything the proxy routes by. */
export interface RoutingTable {
  routes: RouteEntry[];
  remoteClusters: string[];
}

/** Inputs of `buildRoutingTable`. */
export interface RoutingInputs {
  ingresses: KubeObject[];
  mseIngressConfig?: KubeObject;
  endpoints: GatewayEndpoint[];
  /** The IngressClass the gateway serves; default `mse`. */
  ingressClass?: string;
  keys?: GatewayKeys;
}

interface IngressPath {
  path?: string;
  pathType?: string;
  backend?: { service?: { name?: string; port?: { number?: number; name?: string } } };
}
interface IngressRule {
  host?: string;
  http?: { paths?: IngressPath[] };
}

/** The cluster ids of the remote-clusters annotation (comma separated; missing = none). */
export function remoteClusters(cfg: KubeObject | undefined, keys: GatewayKeys = DEFAULT_KEYS): string[] {
  const v = cfg?.metadata.annotations?.[keys.remoteClustersAnnotation] ?? '';
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parses `subset-labels`: "<key> <value>" pairs, one per line or comma separated. */
export function parseSubsetLabels(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of v.split(/[\n,]/)) {
    const [k, val] = pair.trim().split(/\s+/);
    if (k && val !== undefined) out[k] = val;
  }
  return out;
}

/** Builds the routing table. */
export function buildRoutingTable(inputs: RoutingInputs): RoutingTable {
  const keys = inputs.keys ?? DEFAULT_KEYS;
  const cls = inputs.ingressClass ?? 'mse';
  const remote = remoteClusters(inputs.mseIngressConfig, keys);
  const eligible = inputs.endpoints.filter((e) => e.ready && remote.includes(e.cluster));
  const mine = inputs.ingresses
    .filter((i) => ingressClassOf(i) === cls)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const isCanary = (i: KubeObject) =>
    commonAnnotation(i.metadata.annotations ?? {}, keys, 'canary') === 'true';
  const routes: RouteEntry[] = [];
  for (const ing of mine.filter((i) => !isCanary(i))) {
    for (const p of pathsOf(ing)) {
      routes.push({ ...p.at, base: backendOf(ing, p.service, eligible, keys), canaries: [] });
    }
  }
  for (const ing of mine.filter(isCanary)) {
    const ann = ing.metadata.annotations ?? {};
    for (const p of pathsOf(ing)) {
      // A canary applies to the base route with the same host and path in the same namespace (nginx rule).
      const route = routes.find(
        (r) =>
          r.host === p.at.host &&
          r.path === p.at.path &&
          r.base.namespace === (ing.metadata.namespace ?? 'default'),
      );
      if (!route) continue;
      route.canaries.push(canaryOf(ann, keys, backendOf(ing, p.service, eligible, keys)));
    }
  }
  return { routes, remoteClusters: remote };
}

function ingressClassOf(i: KubeObject): string | undefined {
  const spec = i.spec as { ingressClassName?: string } | undefined;
  return spec?.ingressClassName ?? i.metadata.annotations?.['kubernetes.io/ingress.class'];
}

function pathsOf(
  ing: KubeObject,
): Array<{ at: Pick<RouteEntry, 'host' | 'path' | 'pathType'>; service: string }> {
  const spec = (ing.spec ?? {}) as { rules?: IngressRule[]; defaultBackend?: IngressPath['backend'] };
  const out: Array<{ at: Pick<RouteEntry, 'host' | 'path' | 'pathType'>; service: string }> = [];
  for (const rule of spec.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      const service = p.backend?.service?.name;
      if (!service) continue;
      const pathType =
        p.pathType === 'Exact' || p.pathType === 'Prefix' ? p.pathType : 'ImplementationSpecific';
      out.push({ at: { host: rule.host || undefined, path: p.path || '/', pathType }, service });
    }
  }
  const def = spec.defaultBackend?.service?.name;
  if (out.length === 0 && def) out.push({ at: { path: '/', pathType: 'Prefix' }, service: def });
  return out;
}

function backendOf(
  ing: KubeObject,
  service: string,
  eligible: GatewayEndpoint[],
  keys: GatewayKeys,
): Backend {
  const namespace = ing.metadata.namespace ?? 'default';
  const ann = ing.metadata.annotations ?? {};
  const all = eligible.filter((e) => e.namespace === namespace && e.service === service);
  const subsetName = mseAnnotation(ann, keys, 'service-subset');
  const labelsAnn = mseAnnotation(ann, keys, 'subset-labels');
  const base = { ingress: ing.metadata.name, namespace, service, serviceEndpoints: all };
  // Both keys are required to form a subset (the documented pair); either alone is ignored.
  if (subsetName === undefined || labelsAnn === undefined)
    return { ...base, subsetMatched: true, endpoints: all };
  const subset = parseSubsetLabels(labelsAnn);
  const matched = all.filter((e) => Object.entries(subset).every(([k, v]) => e.labels[k] === v));
  // Documented: if no pod matches the subset, requests go to all pods of the Service.
  return matched.length > 0
    ? { ...base, subset, subsetMatched: true, endpoints: matched }
    : { ...base, subset, subsetMatched: false, endpoints: all };
}

function canaryOf(ann: Record<string, string>, keys: GatewayKeys, backend: Backend): Canary {
  const get = (n: string) => commonAnnotation(ann, keys, n);
  const c: Canary = { backend, weightTotal: 100 };
  const header = get('canary-by-header');
  if (header) {
    const pattern = get('canary-by-header-pattern');
    c.header = { name: header.toLowerCase(), value: get('canary-by-header-value') };
    if (pattern && !c.header.value) c.header.pattern = safeRegExp(pattern);
  }
  const cookie = get('canary-by-cookie');
  if (cookie) c.cookie = cookie;
  const weight = get('canary-weight');
  if (weight !== undefined) c.weight = toInt(weight, 0);
  const total = get('canary-weight-total');
  if (total !== undefined) c.weightTotal = toInt(total, 100) || 100;
  return c;
}

function toInt(v: string, dflt: number): number {
  const n = Number.parseInt(v.trim(), 10);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
}

function safeRegExp(p: string): RegExp | undefined {
  try {
    return new RegExp(p);
  } catch {
    return undefined;
  }
}
