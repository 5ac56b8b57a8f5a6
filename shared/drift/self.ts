/**
 * fleet-dr's own drift: an outbox backlog (the routing state's records, the DingTalk messages) over its limit
 * or with an old oldest record, a failback stuck mid-ramp, and a routing state document that does not parse.
 * The changing numbers (how many, how old) go in `detail`, so a backlog is reported once, not on every run.
 */
import type { CompareInput, Difference } from './types';

const UNSAFE = { safeToRepair: false } as const;

/** fleet-dr's own differences. */
export function compareSelf({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  const d = policy.drift;
  const ns = policy.fleet.stateNamespace;
  if (snapshot.state && !snapshot.state.ok)
    out.push({
      kind: 'state-unparseable',
      object: `configmap ${ns}/fleet-dr-routing-state`,
      expected: 'a routing state that parses',
      actual: 'does not parse',
      detail: snapshot.state.error,
      ...UNSAFE,
      why: 'every decision stops until an operator repairs or removes the document',
    });
  const b = snapshot.backlog;
  if (b) {
    const queues = [
      ['routing outbox', `configmap ${ns}/fleet-dr-routing-state outbox`, b.routing],
      ['DingTalk outbox', `configmap ${ns}/fleet-dr-outbox`, b.dingtalk],
    ] as const;
    for (const [what, object, q] of queues) {
      if (!q) continue;
      const age = q.oldestAt === null ? 0 : Math.max(0, Math.round((snapshot.at - q.oldestAt) / 1000));
      if (q.waiting <= d.maxOutboxBacklog && age <= d.maxOutboxAgeSeconds) continue;
      out.push({
        kind: 'outbox-backlog',
        object,
        expected: `at most ${d.maxOutboxBacklog} waiting, none older than ${d.maxOutboxAgeSeconds} s`,
        actual: `the ${what} is behind`,
        detail: `${q.waiting} waiting, the oldest ${age} s old`,
        ...UNSAFE,
        why: 'its records are retried by every invocation; the errors in the outbox say why they fail',
      });
    }
  }
  const state = snapshot.state?.ok ? snapshot.state.value : undefined;
  const fb = state?.failback;
  if (state?.mode === 'failing-back' && fb) {
    const since = Date.parse(fb.stepStartedAt);
    if (snapshot.at - since > d.maxFailbackStepSeconds * 1000)
      out.push({
        kind: 'failback-stuck',
        object: `failback of ${fb.cluster}`,
        expected: `the next ramp step within ${d.maxFailbackStepSeconds} s`,
        actual: `step ${fb.stepIndex + 1} of ${policy.failback.steps.length} since ${fb.stepStartedAt}`,
        cluster: fb.cluster,
        ...UNSAFE,
        why: 'failback is an operator decision: step, abort or authorise the automatic ramp',
      });
  }
  return out;
}
