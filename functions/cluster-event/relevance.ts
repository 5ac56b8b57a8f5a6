/**
 * Which delivered events prompt a check, and which are only acknowledged. The policy-independent part (which
 * node, pod and API-call events carry a signal) is the schema's (`signal` in shared/schemas/eventbridge-cs.ts,
 * the same lists s.yaml's EventBridge rules filter on); this adds what depends on the policy: the cluster must
 * be one of the policy's, and a failing pod must run in a route's namespace.
 */
import type { Policy } from '../../shared/config';
import type { ClusterEvent } from '../../shared/schemas/eventbridge-cs';
import type { NormalisedEvent } from '../../shared/schemas/parse-event';

/** An event that prompts a check of its cluster. */
export interface RelevantEvent {
  relevant: true;
  clusterId: string;
  /** One line: the signal, what it is about and its reason, e.g. `node-trouble: node n1 NodeNotReady`. */
  cause: string;
}

/** An event acknowledged and ignored, with the reason it is counted under. */
export interface IgnoredEvent {
  relevant: false;
  /** A short key (counted per key in the answer), e.g. `no signal: cs:Config:ConfigurationItemChangeNotification`. */
  why: string;
}

/** What one event is to the cluster-event function. */
export type Relevance = RelevantEvent | IgnoredEvent;

const ignored = (why: string): IgnoredEvent => ({ relevant: false, why: why.slice(0, 160) });

/** What an acs.cs event is about, for the cause line. */
function about(e: ClusterEvent): string {
  if (e.category === 'k8s-event') {
    const o = e.object;
    const name = o.namespace ? `${o.namespace}/${o.name}` : o.name;
    return `${o.kind.toLowerCase() || 'object'} ${name} ${e.reason ?? ''}`.trim();
  }
  return `API call ${e.reason ?? ''}${e.category === 'api-call' && e.user ? ` by ${e.user}` : ''}`.trim();
}

/** Classifies one delivered event against the policy. */
export function relevanceOf(policy: Policy, e: NormalisedEvent): Relevance {
  if (e.kind !== 'cluster-event') return ignored(`not an acs.cs event: ${e.kind}`);
  if (!e.signal) {
    const what = e.category === 'other' ? e.type : `${e.type} ${e.reason ?? ''}`.trim();
    return ignored(`no signal: ${what}`);
  }
  if (!e.clusterId) return ignored(`${e.signal} naming no cluster`);
  if (!policy.clusters.some((c) => c.id === e.clusterId))
    return ignored(`${e.signal} on a cluster not in the policy: ${e.clusterId}`);
  if (e.signal === 'pod-failure' && e.category === 'k8s-event') {
    const namespaces = new Set(policy.routes.map((r) => r.namespace));
    if (!e.object.namespace || !namespaces.has(e.object.namespace))
      return ignored(`pod-failure outside the route namespaces: ${e.object.namespace ?? '(none)'}`);
  }
  return { relevant: true, clusterId: e.clusterId, cause: `${e.signal}: ${about(e)}` };
}

/** The relevant events of a delivery grouped per cluster (policy order), and the ignored ones counted. */
export interface Sorted {
  /** Per cluster: the first cause and how many relevant events it stands for. */
  clusters: Map<string, { cause: string; events: number }>;
  ignored: Record<string, number>;
  relevant: number;
}

/** Sorts a delivery's events into checks per cluster and ignored counts. */
export function sortEvents(policy: Policy, events: NormalisedEvent[]): Sorted {
  const byCluster = new Map<string, { cause: string; events: number }>();
  const ignoredCounts: Record<string, number> = {};
  let relevant = 0;
  for (const e of events) {
    const r = relevanceOf(policy, e);
    if (!r.relevant) {
      ignoredCounts[r.why] = (ignoredCounts[r.why] ?? 0) + 1;
      continue;
    }
    relevant++;
    const cur = byCluster.get(r.clusterId);
    if (cur) cur.events++;
    else byCluster.set(r.clusterId, { cause: r.cause, events: 1 });
  }
  const clusters = new Map(
    policy.clusters.flatMap((c) => {
      const v = byCluster.get(c.id);
      return v ? [[c.id, v] as const] : [];
    }),
  );
  return { clusters, ignored: ignoredCounts, relevant };
}
