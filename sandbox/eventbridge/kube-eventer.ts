/**
 * Kubernetes events as ACK's event exporter puts them on EventBridge, in the shape kube-eventer's EventBridge
 * sink builds (AliyunContainerService/kube-eventer `sinks/eventbridge/driver.go`): `source: acs.cs`, `type`
 * `cs:k8s:<involvedObject.kind>RelatedEvent` (`cs:k8s:UnknownTypeEvent` without a kind), `subject`
 * `acs:cs:<region>:<account>:<clusterId>/apis/<apiVersion>/namespaces/<ns>/<resource>/<name>`,
 * `datacontenttype: application/json`, `data` the whole `v1.Event`; EventBridge adds the `aliyun*` fields.
 * Also builders of the node and pod events the sandbox's zones and the tests emit.
 */
import { randomUUID } from 'node:crypto';

/** A Kubernetes `v1.Event` (the fields the sandbox fills in). */
export interface KubeEvent {
  metadata: { name: string; namespace: string; uid?: string; creationTimestamp?: string };
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string; apiVersion?: string };
  reason: string;
  message: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: 'Normal' | 'Warning';
}

/** A Kubernetes event of one cluster, before it is put on the bus. */
export interface ClusterKubeEvent {
  clusterId: string;
  event: KubeEvent;
}

/** Where the exporter runs: the values it puts in the subject and EventBridge's extensions. */
export interface ExporterSite {
  region: string;
  accountId: string;
  busName?: string;
}

// The plural of a core kind as kube-eventer's meta.UnsafeGuessKindToResource makes it (lower case + "s").
const resourceOf = (kind: string): string => {
  const k = kind.toLowerCase();
  if (!k) return '';
  if (k.endsWith('s')) return `${k}es`;
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
};

/** The CloudEvent for one Kubernetes event, as the exporter sends it and EventBridge delivers it. */
export function toCloudEvent(
  site: ExporterSite,
  e: ClusterKubeEvent,
  now = new Date(),
): Record<string, unknown> {
  const o = e.event.involvedObject;
  let api = o.apiVersion ?? '';
  if (api.includes('.') && !api.includes('/')) api = `${api}/versionUnknown`;
  const subject = `acs:cs:${site.region}:${site.accountId}:${e.clusterId}/apis/${api}/namespaces/${o.namespace ?? ''}/${resourceOf(o.kind)}/${o.name}`;
  const time = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return {
    id: randomUUID(),
    source: 'acs.cs',
    specversion: '1.0',
    type: o.kind ? `cs:k8s:${o.kind}RelatedEvent` : 'cs:k8s:UnknownTypeEvent',
    subject,
    time,
    datacontenttype: 'application/json',
    aliyunaccountid: site.accountId,
    aliyunpublishtime: now.toISOString(),
    aliyuneventbusname: site.busName ?? 'default',
    aliyunregionid: site.region,
    aliyunpublishaddr: '127.0.0.1',
    data: e.event,
  };
}

const stamp = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A node event: `NodeNotReady` from the node lifecycle controller, `NodeReady` from the kubelet, …. */
export function nodeEvent(
  node: string,
  reason: string,
  opts: { at?: Date; component?: string; count?: number } = {},
): KubeEvent {
  const at = stamp(opts.at ?? new Date());
  const component = opts.component ?? (reason === 'NodeNotReady' ? 'node-controller' : 'kubelet');
  return {
    metadata: {
      name: `${node}.${randomUUID().slice(0, 16).replace(/-/g, '')}`,
      namespace: 'default',
      uid: randomUUID(),
      creationTimestamp: at,
    },
    involvedObject: { kind: 'Node', name: node, uid: node, apiVersion: 'v1' },
    reason,
    message: `Node ${node} status is now: ${reason}`,
    source: { component, ...(component === 'kubelet' ? { host: node } : {}) },
    firstTimestamp: at,
    lastTimestamp: at,
    count: opts.count ?? 1,
    type: 'Normal',
  };
}

/** A pod event, e.g. `NodeNotReady` (Warning, "Node is not ready") when the node controller marks it. */
export function podEvent(
  namespace: string,
  pod: string,
  reason: string,
  message: string,
  opts: { at?: Date; component?: string; type?: 'Normal' | 'Warning' } = {},
): KubeEvent {
  const at = stamp(opts.at ?? new Date());
  return {
    metadata: {
      name: `${pod}.${randomUUID().slice(0, 16).replace(/-/g, '')}`,
      namespace,
      uid: randomUUID(),
      creationTimestamp: at,
    },
    involvedObject: { kind: 'Pod', name: pod, namespace, uid: randomUUID(), apiVersion: 'v1' },
    reason,
    message,
    source: { component: opts.component ?? 'kubelet' },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type: opts.type ?? 'Warning',
  };
}
