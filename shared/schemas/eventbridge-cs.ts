/**
 * EventBridge events from Container Service (`source: acs.cs`), delivered as CloudEvents. Two families are
 * read in detail:
 * - Kubernetes events exported by kube-eventer's EventBridge sink (verified in its source,
 *   AliyunContainerService/kube-eventer `sinks/eventbridge/driver.go`): `type` is
 *   `cs:k8s:<involvedObject.kind>RelatedEvent` (`cs:k8s:UnknownTypeEvent` when the kind is empty), `subject`
 *   is `acs:cs:<region>:<account>:<clusterId>/apis/<apiVersion>/namespaces/<ns>/<resource>/<name>` (the
 *   namespace is empty for nodes) and `data` is the whole Kubernetes `v1.Event`;
 * - ActionTrail API calls (`cs:ActionTrail:ApiCall`): `data` is an ActionTrail event (`eventName`,
 *   `requestParameters`, `referencedResources`, `errorCode`, …, documented); where it names the cluster is
 *   not, see CS_ACTIONTRAIL_CLUSTER_FIELDS in unverified.ts.
 * Every other acs.cs type (console operations, Config notifications, `cs:k8s:k8s-event-via-arms`, types
 * added later) parses with its envelope only and category `other`: a function acknowledges and ignores it.
 * There is no "cluster state changed" type: an event only prompts a check (describeClusterDetail, …).
 *
 * @example
 * {"id":"5b0f3a4e-9a51-4c36-b0a6-4d1c2e7f8a90","source":"acs.cs","specversion":"1.0",
 *  "type":"cs:k8s:NodeRelatedEvent","datacontenttype":"application/json","time":"2025-06-01T08:16:05Z",
 *  "subject":"acs:cs:cn-hangzhou:1234567890:c-ack-az1/apis/v1/namespaces//nodes/cn-hangzhou.10.0.1.12",
 *  "aliyuneventbusname":"default","aliyunregionid":"cn-hangzhou",
 *  "data":{"metadata":{"name":"cn-hangzhou.10.0.1.12.1834f2a0b1c2d3e4","namespace":"default"},
 *   "involvedObject":{"kind":"Node","name":"cn-hangzhou.10.0.1.12","uid":"cn-hangzhou.10.0.1.12"},
 *   "reason":"NodeNotReady","message":"Node cn-hangzhou.10.0.1.12 status is now: NodeNotReady",
 *   "source":{"component":"node-controller"},"firstTimestamp":"2025-06-01T08:16:04Z",
 *   "lastTimestamp":"2025-06-01T08:16:04Z","count":1,"type":"Normal"}}
 */
import { z } from 'zod';
import { CloudEventSchema } from './cloudevents';
import { CS_ACTIONTRAIL_CLUSTER_FIELDS, CS_CONFIG_CLUSTER_FIELDS, CS_MEMBERSHIP_CALLS } from './unverified';

/** The family of an acs.cs event type. */
export type CsEventCategory = 'k8s-event' | 'api-call' | 'other';

/**
 * What an event may say about a cluster, whichever cluster it is: a node in trouble or back, a pod failing, an
 * API call that deletes capacity or changes the Fleet's membership. Events without one are only acknowledged.
 * s.yaml's EventBridge rules deliver exactly these (test/deploy/cluster-event-patterns.test.ts checks it).
 */
export type CsSignal =
  | 'node-trouble'
  | 'node-return'
  | 'pod-failure'
  | 'capacity-deleted'
  | 'membership-changed';

/** Node event reasons of trouble (node lifecycle controller and kubelet reasons, Kubernetes source). */
export const NODE_TROUBLE_REASONS = [
  'NodeNotReady',
  'NodeNotSchedulable',
  'NodeHasDiskPressure',
  'NodeHasInsufficientMemory',
  'NodeHasInsufficientPID',
  'Rebooted',
  'RemovingNode',
  'DeletingNode',
] as const;

/** Node event reasons of a node coming (back) into service. */
export const NODE_RETURN_REASONS = ['NodeReady', 'NodeSchedulable', 'RegisteredNode'] as const;

/** `Warning` pod event reasons that mean the pod is failing or gone (kubelet, scheduler, node controller). */
export const POD_FAILURE_REASONS = [
  'BackOff',
  'Failed',
  'Unhealthy',
  'Evicted',
  'NodeNotReady',
  'FailedScheduling',
  'FailedCreatePodSandBox',
  'FailedKillPod',
] as const;

/** ACK API calls (ActionTrail `eventName`) that delete a cluster, a node pool or nodes. */
export const CAPACITY_DELETING_CALLS = [
  'DeleteCluster',
  'DeleteClusterNodepool',
  'DeleteClusterNodes',
  'RemoveClusterNodes',
  'RemoveNodePoolNodes',
] as const;

/** Kubernetes events: `cs:k8s:<Kind>RelatedEvent`, or kube-eventer's `cs:k8s:UnknownTypeEvent`. */
const K8S_TYPE = /^cs:k8s:(?:([A-Za-z][A-Za-z0-9]*)RelatedEvent|UnknownTypeEvent)$/;
const API_CALL_TYPE = 'cs:ActionTrail:ApiCall';

/**
 * The cluster id in a kube-eventer subject: `acs:cs:<region>:<account>:<clusterId>/apis/…` (verified; region
 * and account may be empty when the exporter was not told them).
 */
const K8S_SUBJECT = /^acs:cs:[^:/]*:[^:/]*:([A-Za-z0-9][A-Za-z0-9_.-]*)\/apis\//;

/** The cluster id named by a kube-eventer subject, or undefined. */
export function clusterIdOfSubject(subject: string | undefined): string | undefined {
  return subject ? K8S_SUBJECT.exec(subject)?.[1] : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a `/`-separated path of `data`; an array gives its first string. */
function at(data: unknown, path: string): string | undefined {
  let v: unknown = data;
  for (const key of path.split('/')) v = isRecord(v) ? v[key] : undefined;
  if (Array.isArray(v)) v = v.find((x) => typeof x === 'string');
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The first cluster id found at `paths` of `data` (the lists are unverified: see unverified.ts). */
export function clusterIdOfData(data: unknown, paths: readonly string[]): string | undefined {
  for (const p of paths) {
    const v = at(data, p);
    if (v) return v;
  }
  return undefined;
}

const has = (list: readonly string[], v: string | undefined): boolean => v !== undefined && list.includes(v);

/** The signal of a Kubernetes event about an object of `kind`. */
export function k8sSignal(kind: string, reason?: string, type?: string): CsSignal | undefined {
  if (kind === 'Node' && has(NODE_TROUBLE_REASONS, reason)) return 'node-trouble';
  if (kind === 'Node' && has(NODE_RETURN_REASONS, reason)) return 'node-return';
  if (kind === 'Pod' && type === 'Warning' && has(POD_FAILURE_REASONS, reason)) return 'pod-failure';
  return undefined;
}

/** The signal of an API call; a call that failed (`errorCode`) changed nothing and has none. */
export function callSignal(eventName: string, errorCode?: string): CsSignal | undefined {
  if (errorCode) return undefined;
  if (has(CAPACITY_DELETING_CALLS, eventName)) return 'capacity-deleted';
  if (has(CS_MEMBERSHIP_CALLS, eventName)) return 'membership-changed';
  return undefined;
}

/** A Kubernetes `v1.Event` as kube-eventer puts it in `data` (fields fleet-dr reads; others are kept). */
export const KubeEventSchema = z.looseObject({
  involvedObject: z.looseObject({
    kind: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    apiVersion: z.string().optional(),
  }),
  reason: z.string().optional(),
  message: z.string().optional(),
  /** `Normal` or `Warning`. */
  type: z.string().optional(),
  count: z.number().int().optional(),
  firstTimestamp: z.string().nullable().optional(),
  lastTimestamp: z.string().nullable().optional(),
  source: z.looseObject({ component: z.string().optional(), host: z.string().optional() }).optional(),
});

/** The ActionTrail event an API call carries in `data` (documented fields fleet-dr reads; others are kept). */
export const ActionTrailEventSchema = z.looseObject({
  eventName: z.string().min(1, 'eventName must not be empty'),
  errorCode: z.string().optional(),
  eventRW: z.string().optional(),
  userIdentity: z.looseObject({ type: z.string().optional(), userName: z.string().optional() }).optional(),
});

/** `data` as an object: kube-eventer sends JSON; a JSON string is accepted too. */
const dataObject = z.preprocess((d) => {
  if (typeof d !== 'string') return d;
  try {
    return JSON.parse(d);
  } catch {
    return d;
  }
}, z.unknown());

/** An acs.cs CloudEvent validated and normalised into a ClusterEvent. */
export const ClusterEventSchema = CloudEventSchema.extend({
  source: z.literal('acs.cs', { message: 'source must be "acs.cs"' }),
  data: dataObject,
}).transform((e, ctx) => {
  const base = {
    kind: 'cluster-event' as const,
    type: e.type,
    time: new Date(e.time),
    id: e.id,
    subject: e.subject,
    region: e.aliyunregionid,
    raw: e as Record<string, unknown>,
  };
  const fail = (path: PropertyKey[], message: string) => {
    ctx.issues.push({ code: 'custom', path, message, input: e });
    return z.NEVER;
  };
  const k8s = K8S_TYPE.exec(e.type);
  if (k8s) {
    const clusterId = clusterIdOfSubject(e.subject);
    if (!clusterId)
      return fail(
        ['subject'],
        'a Kubernetes event names its cluster in the subject (acs:cs:…:<clusterId>/apis/…)',
      );
    const ev = KubeEventSchema.safeParse(e.data);
    if (!ev.success) return fail(['data', 'involvedObject'], 'data is not a Kubernetes v1.Event');
    const o = ev.data.involvedObject;
    const kind = o.kind ?? k8s[1] ?? '';
    return {
      ...base,
      category: 'k8s-event' as const,
      clusterId,
      signal: k8sSignal(kind, ev.data.reason, ev.data.type),
      object: { kind, name: o.name ?? '', namespace: o.namespace || undefined },
      reason: ev.data.reason,
      message: ev.data.message,
      eventType: ev.data.type,
      count: ev.data.count,
      lastTimestamp: ev.data.lastTimestamp ?? undefined,
      component: ev.data.source?.component,
    };
  }
  if (e.type === API_CALL_TYPE) {
    const call = ActionTrailEventSchema.safeParse(e.data);
    if (!call.success) return fail(['data', 'eventName'], 'an ActionTrail API call names its eventName');
    return {
      ...base,
      category: 'api-call' as const,
      clusterId: clusterIdOfData(e.data, CS_ACTIONTRAIL_CLUSTER_FIELDS),
      signal: callSignal(call.data.eventName, call.data.errorCode),
      reason: call.data.eventName,
      errorCode: call.data.errorCode,
      user: call.data.userIdentity?.userName,
    };
  }
  return {
    ...base,
    category: 'other' as const,
    signal: undefined,
    /** For information only: an ActionTrail eventName or a Kubernetes-like reason, when there is one. */
    reason: at(e.data, 'eventName') ?? at(e.data, 'reason'),
    clusterId:
      clusterIdOfSubject(e.subject) ??
      clusterIdOfData(e.data, [...CS_ACTIONTRAIL_CLUSTER_FIELDS, ...CS_CONFIG_CLUSTER_FIELDS]),
  };
});

/** A normalised ACK event from EventBridge. */
export type ClusterEvent = z.output<typeof ClusterEventSchema>;
