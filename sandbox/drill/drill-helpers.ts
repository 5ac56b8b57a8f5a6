/** Small helpers of the drill: waiting, the alarm rule on a zone's site probe, reading the canaries. */

import { type RoutingState, RoutingStateSchema } from '../../shared/decision/routing-state';
import { canaryName, gatewayKeys } from '../../shared/gateway/annotations';
import { STATE_CONFIGMAPS } from '../../shared/state/routing-store';
import { SITE_MONITOR_NAMESPACE } from '../cloud/index';
import type { Drill } from './drill-env';

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `everyMs` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 20,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A CloudMonitor site probe on a cluster's zone entry point and a rule alarming when it fails. */
export function addZoneAlarm(d: Drill, clusterId: string): string {
  const ruleId = `fleet-dr-site-${clusterId}`;
  d.sb.cloud.cms.addSiteProbe({ taskId: clusterId, url: d.sb.zones.probeUrl(clusterId), timeoutMs: 800 });
  d.sb.cloud.cms.addRule({
    ruleId,
    ruleName: `${clusterId}-availability`,
    namespace: SITE_MONITOR_NAMESPACE,
    metricName: 'Availability',
    dimensions: { taskId: clusterId },
    webhook: d.callbackUrl,
    level: 'CRITICAL',
    comparisonOperator: 'LessThanThreshold',
    statistics: 'Average',
    threshold: 100,
    times: 1,
  });
  return ruleId;
}

/** The weights the canaries on the Fleet carry now, per cluster (first route). */
export function canaryWeightsNow(d: Drill): Record<string, number> {
  const route = d.policy.routes[0]!;
  const keys = gatewayKeys(d.policy.gateway);
  const out: Record<string, number> = {};
  for (const c of d.policy.clusters) {
    const ing = d.sb.fleet.store.get(
      'networking.k8s.io/v1',
      'Ingress',
      route.namespace,
      canaryName(route.ingress, c.id),
    );
    const w = ing?.metadata.annotations?.[keys.canaryWeight];
    if (w !== undefined) out[c.id] = Number(w);
  }
  return out;
}

const routingConfigMap = (d: Drill) =>
  d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, STATE_CONFIGMAPS.routing);

/** The routing state ConfigMap's resourceVersion (undefined when nothing was committed). */
export function stateVersion(d: Drill): string | undefined {
  return routingConfigMap(d)?.metadata.resourceVersion;
}

/** The routing state committed on the Fleet, parsed with the product's schema (undefined before any commit). */
export function committedRoutingState(d: Drill): RoutingState | undefined {
  const raw = Object.values((routingConfigMap(d)?.data as Record<string, string> | undefined) ?? {})[0];
  return raw ? RoutingStateSchema.parse(JSON.parse(raw)) : undefined;
}

/** Warms one instance of each function, so timings are those of a warm FC instance. */
export async function warmUp(d: Drill): Promise<void> {
  await Promise.all([
    d.invoker.invokeHttp('fleet-dr-alarm-failover', { method: 'POST', body: 'alertName=warm' }),
    d.invoker.invoke('fleet-dr-notify', { source: 'warm-up' }),
  ]);
}

/**
 * Messages not delivered yet: committed in the routing state's outbox, or waiting in the DingTalk outbox
 * (a send that failed is retried after a backoff, by a later invocation).
 */
export function messagesWaiting(d: Drill): number {
  const committed = (committedRoutingState(d)?.outbox ?? []).filter((r) => r.kind === 'message').length;
  const cm = d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, STATE_CONFIGMAPS.outbox);
  const raw = Object.values((cm?.data as Record<string, string> | undefined) ?? {})[0];
  const queued = raw ? ((JSON.parse(raw) as { messages?: unknown[] }).messages ?? []).length : 0;
  return committed + queued;
}
