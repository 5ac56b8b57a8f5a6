/**
 * Every reason fleet-dr decides, as one union: the functions map their events to a Trigger and hand it to
 * runDecision(); a new function adds a case here, not a copy of the pipeline.
 */
import type { OperatorRequest, TriggerAlarm } from '../decision/observations';

/** Why a decision runs. */
export type Trigger =
  /** A CloudMonitor alarm about one cluster (HTTP callback or EventBridge). */
  | { kind: 'alarm'; alarm: TriggerAlarm }
  /** A round of fleet-dr's own probes (the health-check timer). */
  | { kind: 'probe-round' }
  /** A cluster event from EventBridge (acs.cs): `cause` says which, for the audit and the answer. */
  | { kind: 'cluster-event'; clusterId: string; cause: string }
  /** A signed, verified operator request. */
  | { kind: 'operator'; request: OperatorRequest }
  /** A repair the drift check found safe. */
  | { kind: 'drift-repair'; cause: string };

/** What a trigger adds to the observations decide() reads. */
export function decisionInputs(t: Trigger): {
  trigger: TriggerAlarm | null;
  operatorRequest?: OperatorRequest;
  driftRepair?: { cause: string };
} {
  switch (t.kind) {
    case 'alarm':
      return { trigger: t.alarm };
    case 'operator':
      return { trigger: null, operatorRequest: t.request };
    case 'drift-repair':
      return { trigger: null, driftRepair: { cause: t.cause } };
    default:
      return { trigger: null };
  }
}

/** One line naming a trigger, for logs and answers. */
export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case 'alarm':
      return `alarm ${t.alarm.name} ${t.alarm.state} on ${t.alarm.clusterId}`;
    case 'probe-round':
      return 'probe round';
    case 'cluster-event':
      return `cluster event on ${t.clusterId}: ${t.cause}`;
    case 'operator':
      return `operator ${t.request.by}: ${t.request.action}${t.request.cluster ? ` ${t.request.cluster}` : ''}`;
    case 'drift-repair':
      return `drift repair: ${t.cause}`;
  }
}
