/** Builders for decision-policy tests: the example policy and observations at chosen times. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../shared/config';
import { loadPolicy } from '../../shared/config-loader';
import { decide } from '../../shared/decision/decide';
import {
  type ClusterObservation,
  type Observations,
  type ObservationsInput,
  ObservationsSchema,
} from '../../shared/decision/observations';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';

export const POLICY_PATH = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));
export const AZ1 = 'c-ack-az1';
export const AZ2 = 'c-reg-az2';

/** The example policy, optionally changed. */
export function examplePolicy(change?: (p: Policy) => void): Policy {
  const p = loadPolicy(POLICY_PATH);
  change?.(p);
  return p;
}

/** `minutes` after 2025-06-01T08:00:00Z, as an ISO string. */
export const t = (minutes: number): string =>
  new Date(Date.parse('2025-06-01T08:00:00Z') + minutes * 60_000).toISOString();

type ClusterIn = Partial<ClusterObservation>;

/** Three probe results ending 10 s before `at`; `pattern` gives ok per result. */
export function probes(atMin: number, pattern: boolean[]): ClusterObservation['probes'] {
  return pattern.map((ok, i) => ({
    at: new Date(Date.parse(t(atMin)) - (pattern.length - i) * 10_000).toISOString(),
    ok,
    ...(ok ? { status: 200 } : { error: 'timeout' }),
  }));
}

/** A cluster that is serving, observed at minute `m`. */
export function healthy(m: number, extra: ClusterIn = {}): ClusterIn {
  const at = t(m);
  return {
    alarms: [{ name: 'web-demo-5xx', metricName: 'http_5xx_ratio', state: 'OK', at, onProbeMetric: false }],
    probes: probes(m, [true, true, true]),
    ackState: { state: 'running', at },
    gatewayHealth: { status: 'Health', at },
    readyReplicas: { ready: 3, desired: 3, at },
    ...extra,
  };
}

/** A cluster whose zone is gone (the ACK control plane still says running), observed at minute `m`. */
export function zoneDown(m: number, extra: ClusterIn = {}): ClusterIn {
  const at = t(m);
  return {
    alarms: [
      { name: 'web-demo-5xx', metricName: 'http_5xx_ratio', state: 'ALERT', at, onProbeMetric: false },
    ],
    probes: probes(m, [false, false, false]),
    ackState: { state: 'running', at },
    gatewayHealth: { status: 'Unhealthy', at },
    readyReplicas: { ready: 0, desired: 3, at },
    ...extra,
  };
}

/** Parsed observations at minute `m`. */
export function observe(
  m: number,
  clusters: Record<string, ClusterIn>,
  extra: Partial<Omit<ObservationsInput, 'clusters' | 'observedAt'>> = {},
): Observations {
  return ObservationsSchema.parse({ observedAt: t(m), clusters, ...extra });
}

/** A triggering alarm for `cluster` at minute `m`. */
export function trigger(
  m: number,
  cluster = AZ1,
  state: 'ALERT' | 'OK' | 'INSUFFICIENT_DATA' = 'ALERT',
  key?: string,
) {
  return {
    key: key ?? `web-demo-5xx/${cluster}/${t(m)}`,
    clusterId: cluster,
    name: 'web-demo-5xx',
    metricName: 'http_5xx_ratio',
    state,
    at: t(m),
    onProbeMetric: false,
  };
}

/**
 * The state the store commits after a confirmed zone-down of AZ1 at minute 0 (the shift decided by
 * decide(), its revision raised by one as the store does).
 */
export function failedOverState(policy: Policy = examplePolicy()): RoutingState {
  const p = decide(
    policy,
    observe(0, { [AZ1]: zoneDown(0), [AZ2]: healthy(0) }, { trigger: trigger(0) }),
    initialRoutingState(policy),
    t(0),
  );
  assert.equal(p.kind, 'shift', p.reason);
  return { ...p.nextState, revision: p.nextState.revision + 1 };
}
