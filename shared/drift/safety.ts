/**
 * When a repair must not go toward a cluster: it is down (or only suspect) by the committed verdicts, ACK does
 * not report it running, an operator fenced it, or an operator detached it. Pure: reads the snapshot only.
 */
import type { RoutingState } from '../decision/routing-state';
import type { DriftSnapshot } from './types';

/** The committed routing state of a snapshot, when it parsed. */
export function stateOf(s: DriftSnapshot): RoutingState | undefined {
  return s.state?.ok ? s.state.value : undefined;
}

/** Why no repair may go toward `clusterId`, or undefined when nothing stops it. */
export function repairBlocker(s: DriftSnapshot, clusterId: string): string | undefined {
  const state = stateOf(s);
  if (!state) return 'the routing state could not be read';
  const verdict = state.verdicts[clusterId]?.verdict;
  if (verdict === 'down' || verdict === 'suspect') return `${clusterId} is ${verdict}`;
  const ack = s.clusterStates[clusterId];
  if (ack === undefined) return `the state of ${clusterId} could not be read`;
  if (ack !== 'running') return `${clusterId} is ${ack}`;
  const fenced = state.fenced[clusterId];
  if (fenced && fenced.by !== 'automation') return `${fenced.by} fenced ${clusterId} at ${fenced.at}`;
  const detached = state.detached[clusterId];
  if (detached) return `${detached.by} detached ${clusterId} at ${detached.at}`;
  return undefined;
}

/**
 * Whether the last transition may still be being carried out: its records (audit, message, membership) are
 * still in the routing state's outbox, which the committing invocation empties only after it wrote the weights
 * (shared/pipeline/finish-committed.ts). Until then the traffic manager may lag the committed weights by design,
 * so the weights are not compared (a record stuck there is reported as `outbox-backlog` instead).
 */
export function finishing(s: DriftSnapshot): boolean {
  const state = stateOf(s);
  const at = state?.lastTransition?.at;
  return !!at && state.outbox.some((r) => Date.parse(r.createdAt) >= Date.parse(at));
}
