/**
 * EventBridge events from Container Service (`source: acs.cs`), delivered as CloudEvents: ActionTrail API
 * calls and console operations, config change notifications, and Kubernetes events. There is no native
 * "cluster state changed" type, so these only prompt a check: the state comes from describeClusterDetail.
 *
 * @example
 * {"id":"2b5b3a6e-8e0c-4a4b-9a55-0c6f0f1d2e3f","source":"acs.cs","specversion":"1.0",
 *  "type":"cs:k8s:NodeRelatedEvent","subject":"acs:cs:cn-hangzhou:1234567890:cluster/c-ack-az1",
 *  "time":"2025-06-01T08:16:05Z","aliyunregionid":"cn-hangzhou",
 *  "data":{"level":"Warning","reason":"NodeNotReady","message":"Node cn-hangzhou.10.0.1.12 status is now: NodeNotReady"}}
 */
import { z } from 'zod';
import { CloudEventSchema } from './cloudevents';
import { CS_DATA_CLUSTER_FIELDS, CS_SUBJECT_CLUSTER } from './unverified';

/** The family of an acs.cs event type, from its `cs:<family>:...` prefix. */
export type CsEventCategory =
  | 'api-call'
  | 'console-operation'
  | 'service-event'
  | 'config-change'
  | 'k8s-event';

const CATEGORIES: Array<[RegExp, CsEventCategory]> = [
  [/^cs:ActionTrail:ApiCall$/, 'api-call'],
  [/^cs:ActionTrail:ConsoleOperation$/, 'console-operation'],
  [/^cs:ActionTrail:AliyunServiceEvent$/, 'service-event'],
  [/^cs:Config:ConfigurationItemChangeNotification$/, 'config-change'],
  [/^cs:k8s:[A-Za-z0-9-]+$/, 'k8s-event'],
];

/** Finds the cluster id in the subject, then in the data fields listed in unverified.ts. */
export function csClusterId(subject: string | undefined, data: unknown): string | undefined {
  const fromSubject = subject ? CS_SUBJECT_CLUSTER.exec(subject)?.[1] : undefined;
  if (fromSubject) return fromSubject;
  for (const path of CS_DATA_CLUSTER_FIELDS) {
    let v: unknown = data;
    for (const key of path.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function str(data: unknown, key: string): string | undefined {
  const v = data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** An acs.cs CloudEvent validated and normalised into a ClusterEvent. */
export const ClusterEventSchema = CloudEventSchema.extend({
  source: z.literal('acs.cs', { message: 'source must be "acs.cs"' }),
  type: z.string().regex(/^cs:/, 'type must start with "cs:"'),
}).transform((e, ctx) => {
  const category = CATEGORIES.find(([re]) => re.test(e.type))?.[1];
  if (!category) {
    ctx.issues.push({
      code: 'custom',
      path: ['type'],
      message: `unknown acs.cs event type ${e.type}`,
      input: e,
    });
    return z.NEVER;
  }
  const clusterId = csClusterId(e.subject, e.data);
  if (!clusterId) {
    ctx.issues.push({
      code: 'custom',
      path: ['subject'],
      message: 'no cluster id in subject or data',
      input: e,
    });
    return z.NEVER;
  }
  return {
    kind: 'cluster-event' as const,
    clusterId,
    type: e.type,
    category,
    time: new Date(e.time),
    id: e.id,
    subject: e.subject,
    region: e.aliyunregionid,
    /** ActionTrail's API name, or a Kubernetes event's reason. */
    reason: str(e.data, 'eventName') ?? str(e.data, 'reason'),
    level: str(e.data, 'level'),
    message: str(e.data, 'message'),
    raw: e as Record<string, unknown>,
  };
});

/** A normalised ACK event from EventBridge. */
export type ClusterEvent = z.output<typeof ClusterEventSchema>;
