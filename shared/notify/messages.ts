/**
 * The words of fleet-dr's DingTalk messages, pure: from the facts decide() committed (MessageFacts) to a
 * notification: incident, zone, signals, weights before and after, and, when the invocation that decided
 * queues it, how long each step took. A failover is an actionCard whose button carries the failback runbook.
 */
import type { Policy } from '../config';
import type { MessageFacts, Weights } from '../decision/routing-state';
import type { Notification } from './dingtalk';

/** Step timings in ms, in the order they happened. */
export type Timings = Record<string, number>;

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

const signalLines = (f: MessageFacts): string[] =>
  f.signals.map((s) => `- ${s.source}: ${s.verdict} — ${s.detail}`);

const timingLines = (t?: Timings): string[] =>
  t && Object.keys(t).length
    ? [
        `**Timings**: ${Object.entries(t)
          .map(([k, v]) => `${k} ${v} ms`)
          .join(', ')}`,
      ]
    : [];

function failbackSteps(policy: Policy, clusterId: string): string {
  const steps = policy.failback.steps.join('% → ');
  return [
    `**Failback** (manual${policy.failback.automatic ? ' or automatic' : ''}): once ${clusterId} has been healthy for ${policy.timing.minStableSecondsBeforeFailback} s,`,
    `send a signed \`failback-step\` request, \`fleet-dr failback --cluster ${clusterId} --step --reason <why>\` (weights ${steps}%); \`--abort\` (\`failback-abort\`) stops it.`,
    `Runbook: ${policy.notify.runbookUrl}`,
  ].join(' ');
}

/** The message for a transition (shift, fence, readmit, re-associate, failback step or abort). */
function transition(policy: Policy, f: MessageFacts, timings?: Timings): Notification {
  const zone = zoneOf(policy, f.cluster);
  const failover = f.planKind === 'shift';
  const title = failover
    ? `fleet-dr: failed over from ${f.cluster} (${zone})`
    : `fleet-dr: ${f.planKind} ${f.cluster}`;
  const text = [
    `### ${title}`,
    `**Incident**: ${f.incidentId ?? 'none'}`,
    `**Zone**: ${zone} (${f.cluster})`,
    `**Decision**: ${f.planKind} — ${f.reason}`,
    '**Signals**:',
    ...signalLines(f),
    '**Weights** (before → after):',
    ...weightLines(policy, f.weightsBefore, f.weightsAfter),
    ...timingLines(timings),
    ...(failover ? ['', failbackSteps(policy, f.cluster)] : []),
  ].join('\n\n');
  return {
    title,
    text,
    incidentId: f.incidentId ?? undefined,
    ...(failover ? { action: { title: 'How to fail back', url: policy.notify.runbookUrl } } : {}),
  };
}

/** The message for an OK alarm on the failed cluster: it looks healthy; nothing moved; how to fail back. */
function recovered(policy: Policy, f: MessageFacts, timings?: Timings): Notification {
  const zone = zoneOf(policy, f.cluster);
  const title = `fleet-dr: ${f.cluster} (${zone}) looks healthy again`;
  const text = [
    `### ${title}`,
    `**Incident**: ${f.incidentId ?? 'none'}`,
    `**Zone**: ${zone} (${f.cluster})`,
    `No traffic was moved: ${f.reason}`,
    ...heldAwayLines(policy, f),
    '**Signals**:',
    ...signalLines(f),
    '**Weights** (unchanged):',
    ...weightLines(policy, f.weightsBefore, f.weightsAfter),
    ...timingLines(timings),
    '',
    failbackSteps(policy, f.cluster),
  ].join('\n\n');
  return { title, text, incidentId: f.incidentId ?? undefined };
}

/**
 * Why a healed cluster still gets nothing, and until when: the gateway alone would send traffic back as soon
 * as its health checks pass; fleet-dr keeps the cluster away until it has been stable, then fails back by ramp.
 */
function heldAwayLines(policy: Policy, f: MessageFacts): string[] {
  if (!f.heldAway) return [];
  const { until, remainingSeconds } = f.heldAway;
  const when =
    remainingSeconds > 0
      ? `from ${until} (in ${remainingSeconds} s)`
      : `now (it has been stable since ${until})`;
  const how = policy.failback.automatic ? 'automatic failback may start' : 'an operator may start failback';
  const shares = Object.values(f.weightsAfter).map((w) => w[f.cluster] ?? 0);
  const now = shares.every((w) => w === 0) ? 'gets no traffic' : `keeps ${shares.join('/')}%`;
  return [
    `**Held away**: ${f.cluster} ${now} until it has been healthy ${policy.timing.minStableSecondsBeforeFailback} s, so a flapping zone does not take traffic back; ${how} ${when}. The gateway's own health check would return traffic at once.`,
  ];
}

/** The message for a loud hold: something is wrong, and fleet-dr could not move the traffic. */
function loudHold(policy: Policy, f: MessageFacts, timings?: Timings): Notification {
  const title = `fleet-dr: traffic could NOT be moved (${f.rule})`;
  const text = [
    `### ${title}`,
    `**Incident**: ${f.incidentId ?? 'none'}`,
    `**Why**: ${f.reason}`,
    '**What to do**: check the clusters and the gateway now; fleet-dr will act by itself once a healthy target exists, and an operator can fence or fail back by hand.',
    '**Signals**:',
    ...signalLines(f),
    '**Weights** (unchanged):',
    ...weightLines(policy, f.weightsBefore, f.weightsAfter),
    ...timingLines(timings),
  ].join('\n\n');
  return {
    title,
    text,
    incidentId: f.incidentId ?? undefined,
    action: { title: 'Runbook', url: policy.notify.runbookUrl },
  };
}

/** The notification for committed message facts. */
export function renderMessage(policy: Policy, f: MessageFacts, timings?: Timings): Notification {
  if (f.template === 'recovered') return recovered(policy, f, timings);
  if (f.template === 'hold') return loudHold(policy, f, timings);
  return transition(policy, f, timings);
}
