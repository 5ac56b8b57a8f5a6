/**
 * The words of fleet-dr's DingTalk messages, pure: incident, zone, signals, weights before and after and how
 * long each step took. A failover is an actionCard whose button and text carry the failback instructions.
 */
import type { Policy } from '../config';
import type { Plan, RoutingState, Weights } from '../policy/types';
import type { Notification } from './dingtalk';

/** Step timings in ms, in the order they happened. */
export type Timings = Record<string, number>;

/** What a message is about. */
export interface MessageInput {
  policy: Policy;
  plan: Plan;
  before: RoutingState;
  after: RoutingState;
  /** The cluster the alarm named. */
  clusterId: string;
  timings: Timings;
}

const zoneOf = (policy: Policy, id: string) =>
  policy.clusters.find((c) => c.id === id)?.zone ?? 'unknown zone';

/** `web-demo: c-ack-az1 50 -> 0, c-reg-az2 50 -> 100` per route. */
export function weightLines(policy: Policy, before: Weights, after: Weights): string[] {
  return policy.routes.map((r) => {
    const parts = policy.clusters.map(
      (c) => `${c.id} ${before[r.name]?.[c.id] ?? 0} → ${after[r.name]?.[c.id] ?? 0}`,
    );
    return `- ${r.name}: ${parts.join(', ')}`;
  });
}

function signalLines(plan: Plan, clusterId: string): string[] {
  return plan.signals
    .filter((s) => s.cluster === clusterId && s.source !== 'trigger')
    .map((s) => `- ${s.source}: ${s.verdict} — ${s.detail}`);
}

const timingLine = (t: Timings) =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(', ');

function failbackSteps(policy: Policy, clusterId: string): string {
  const steps = policy.failback.steps.join('% → ');
  return [
    `**Failback** (manual${policy.failback.automatic ? ' or automatic' : ''}): once ${clusterId} has been healthy for ${policy.timing.minStableSecondsBeforeFailback} s,`,
    `send a signed \`failback-step\` request (weights ${steps}%); \`failback-abort\` stops it.`,
  ].join(' ');
}

/** The message for a transition (shift, fence, readmit, failback step or abort). */
export function transitionMessage(m: MessageInput): Notification {
  const { policy, plan, clusterId } = m;
  const incident = m.after.incident ?? m.before.incident;
  const zone = zoneOf(policy, clusterId);
  const failover = plan.kind === 'shift';
  const title = failover
    ? `fleet-dr: failed over from ${clusterId} (${zone})`
    : `fleet-dr: ${plan.kind} ${'cluster' in plan ? plan.cluster : clusterId}`;
  const text = [
    `### ${title}`,
    `**Incident**: ${incident?.id ?? 'none'}`,
    `**Zone**: ${zone} (${clusterId})`,
    `**Decision**: ${plan.kind} — ${plan.reason}`,
    '**Signals**:',
    ...signalLines(plan, clusterId),
    '**Weights** (before → after):',
    ...weightLines(policy, m.before.weights, m.after.weights),
    `**Timings**: ${timingLine(m.timings)}`,
    ...(failover ? ['', failbackSteps(policy, clusterId)] : []),
  ].join('\n\n');
  return {
    title,
    text,
    incidentId: incident?.id,
    ...(failover ? { action: { title: 'How to fail back', url: m.policy.notify.runbookUrl } } : {}),
  };
}

/** The message for an OK alarm on the failed cluster: it looks healthy; nothing moved; how to fail back. */
export function recoveredMessage(m: MessageInput): Notification {
  const { policy, plan, clusterId } = m;
  const zone = zoneOf(policy, clusterId);
  const title = `fleet-dr: ${clusterId} (${zone}) looks healthy again`;
  const text = [
    `### ${title}`,
    `**Incident**: ${m.before.incident?.id ?? 'none'}`,
    `**Zone**: ${zone} (${clusterId})`,
    `No traffic was moved: ${plan.reason}`,
    '**Signals**:',
    ...signalLines(plan, clusterId),
    '**Weights** (unchanged):',
    ...weightLines(policy, m.before.weights, m.after.weights),
    `**Timings**: ${timingLine(m.timings)}`,
    '',
    failbackSteps(policy, clusterId),
  ].join('\n\n');
  return { title, text, incidentId: m.before.incident?.id };
}
