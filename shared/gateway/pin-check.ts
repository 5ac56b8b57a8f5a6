/**
 * The pin check. MSE sends a canary whose subset matches no endpoint to ALL the Service's pods, silently
 * defeating the weights, and a subset that also matches another cluster's endpoints sends part of that
 * canary's share there. So before writing weights we compute what the gateway will see (endpoint-view.ts:
 * pod labels augmented with the cluster id and the node's region and zone, as Istio does) and prove, for
 * each cluster that gets traffic, that its pin selects that cluster's endpoints and no other cluster's.
 */
import type { V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { PinLabelError } from '../clients/errors';
import type { Cluster } from '../config';
import { type ClusterView, clusterView, NODE_KEYS, selected } from './endpoint-view';
import { gatewayClusterId, ISTIO_LABELS, type Pin } from './pin';

/** What the pin check reads from a member cluster (a KubeClient is one). */
export interface MemberReader {
  getService(namespace: string, name: string): Promise<V1Service | undefined>;
  listPods(namespace: string, labelSelector?: string): Promise<V1Pod[]>;
  /** Needed for zone and region pins; a client without it leaves the nodes unknown. */
  listNodes?(labelSelector?: string): Promise<V1Node[]>;
}

/** The check's answer for one cluster. */
export type PinVerdict = { ok: true; selected: number; of: number } | { ok: false; reason: string };

/** Label selector string from a map. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** `key=value`, as messages show a pin. */
export const pinText = (pin: Pin): string => `${pin.key}=${pin.value}`;

/** True when matching `pin` depends on the labels of the nodes. */
export const needsNodes = (pin: Pin): boolean => NODE_KEYS.includes(pin.key);

/**
 * True when no other cluster's endpoint can carry the pin: the gateway sets topology.istio.io/cluster on every
 * endpoint to that endpoint's own cluster id, so other clusters need not be read (a dead one may hang).
 */
export const onlyOwnCluster = (pin: Pin): boolean => pin.key === ISTIO_LABELS.cluster;

/** Pure: does `pin` select `target`'s endpoints and none of `others`'? Explains a failure in the gateway's terms. */
export function judgePin(pin: Pin, target: ClusterView, others: ClusterView[]): PinVerdict {
  const id = target.clusterId;
  if (target.endpoints.length === 0) return { ok: false, reason: `the Service has no pods in ${id}` };
  const own = selected(target, pin);
  if (own.length === 0) return { ok: false, reason: whyNone(pin, target) };
  for (const o of others) {
    const stray = selected(o, pin);
    if (stray.length > 0)
      return {
        ok: false,
        reason: `also selects ${stray.length} endpoint(s) of ${o.clusterId} (${names(stray.map((e) => e.pod))}): the gateway would send this canary's share there too`,
      };
  }
  return { ok: true, selected: own.length, of: target.endpoints.length };
}

function whyNone(pin: Pin, v: ClusterView): string {
  const id = v.clusterId;
  const seen = [...new Set(v.endpoints.map((e) => e.labels[pin.key]).filter((x) => x !== undefined))];
  if (pin.key === ISTIO_LABELS.cluster)
    return `the gateway sets ${pin.key} to ${seen.join(', ')} on the endpoints of ${id} (a pod label of that name is overwritten), not ${pin.value}`;
  if (NODE_KEYS.includes(pin.key)) {
    if (!v.nodes)
      return `the nodes of ${id} could not be read (${v.nodesUnknown ?? 'unknown'}), so their ${pin.key} label is unknown`;
    const nodes = [...new Set(v.endpoints.map((e) => e.node ?? '(unscheduled)'))];
    if (seen.length === 0) return `nodes of ${id} carry no ${pin.key} label (${names(nodes)})`;
    return `the endpoints of ${id} are in ${pin.key} ${seen.join(', ')} (nodes ${names(nodes)}), not ${pin.value}`;
  }
  if (pin.key === ISTIO_LABELS.hostname)
    return `the pods of ${id} run on nodes ${seen.join(', ') || '(none scheduled)'}, not ${pin.value}`;
  return seen.length === 0
    ? `no pod of the Service in ${id} carries a ${pin.key} label`
    : `no pod of the Service in ${id} carries ${pinText(pin)} (values seen: ${seen.join(', ')})`;
}

function names(xs: string[]): string {
  return xs.length > 3 ? `${xs.slice(0, 3).join(', ')}, …` : xs.join(', ');
}

/** Reads one cluster's view of a Service: its pods (by the Service's selector) and, when asked, its nodes. */
export async function readClusterView(
  reader: MemberReader,
  cluster: Pick<Cluster, 'id'>,
  namespace: string,
  service: string,
  opts: { pin: Pin; nodes: boolean },
): Promise<ClusterView> {
  const fail = (msg: string) =>
    new PinLabelError(cluster.id, `${namespace}/${service}`, pinText(opts.pin), msg);
  const svc = await reader.getService(namespace, service);
  if (!svc) throw fail('the Service does not exist in this cluster');
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0)
    throw fail('the Service has no selector, so its pods cannot be pinned');
  const [pods, nodes] = await Promise.all([
    reader.listPods(namespace, selectorString(selector)),
    opts.nodes ? readNodes(reader) : Promise.resolve({ nodes: undefined, why: 'not needed' }),
  ]);
  return clusterView(cluster.id, gatewayClusterId(cluster), pods, nodes.nodes, nodes.why);
}

async function readNodes(reader: MemberReader): Promise<{ nodes?: V1Node[]; why?: string }> {
  if (!reader.listNodes) return { why: 'the member client cannot list Nodes' };
  try {
    return { nodes: await reader.listNodes() };
  } catch (err) {
    return { why: (err as Error).message };
  }
}

/** How long the check waits for another cluster's view (a lost zone's API server may hang). */
export const OTHER_CLUSTER_READ_MS = 2_000;

/**
 * Refuses (PinLabelError) unless `pin` selects endpoints of `service` in `cluster` and none in `others`.
 * An other cluster that cannot be read within `otherReadMs` is left out: it is usually the dead one traffic is
 * moving away from, and the gateway's own health check keeps traffic off its endpoints.
 * Returns how many endpoints the pin selects.
 */
export async function checkPin(
  read: (clusterId: string) => Promise<ClusterView>,
  cluster: Pick<Cluster, 'id'>,
  others: Array<Pick<Cluster, 'id'>>,
  namespace: string,
  service: string,
  pin: Pin,
  otherReadMs = OTHER_CLUSTER_READ_MS,
): Promise<number> {
  const [target, ...rest] = await Promise.all([
    read(cluster.id),
    ...(onlyOwnCluster(pin) ? [] : others.map((o) => within(read(o.id), otherReadMs))),
  ]);
  const verdict = judgePin(
    pin,
    target!,
    rest.filter((v): v is ClusterView => v !== undefined),
  );
  if (!verdict.ok)
    throw new PinLabelError(cluster.id, `${namespace}/${service}`, pinText(pin), verdict.reason);
  return verdict.selected;
}

/** The promise's value, or undefined when it fails or takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
