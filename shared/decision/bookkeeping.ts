/**
 * The bookkeeping of a decision, owned by decide() alone: which trigger keys and alarm times were handled,
 * what counts as a recovery, whether fleet-dr now governs the split, and which side effects (membership
 * changes, audit records, messages) the Plan calls for. The side effects go into the state's outbox, so they
 * are committed in the same conditional write as the state (a transactional outbox) and never lost.
 */
import { assessment, type DecisionContext, stableWait } from './context';
import type { Plan } from './plan';
import type { MessageFacts, OutboxRecord, RoutingState, Weights } from './routing-state';

/** How many handled alarm keys and alarm streams the state remembers (oldest dropped first). */
export const HANDLED_KEYS_LIMIT = 200;

/** Holds that must be heard: traffic could not be moved although something is wrong. */
export const LOUD_HOLDS: ReadonlySet<string> = new Set(['observer-guard', 'no-healthy-target']);

/** The alarm stream a trigger belongs to: its rule and cluster. */
export const alarmStream = (t: { ruleId?: string; name: string; clusterId: string }): string =>
  `${t.ruleId ?? t.name}/${t.clusterId}`;

const remember = (keys: string[], key: string): string[] =>
  [...keys.filter((k) => k !== key), key].slice(-HANDLED_KEYS_LIMIT);

/**
 * The failed cluster of the open incident looks healthy again, not yet announced: an OK alarm on it (not
 * reported before), or its verdict is up (whatever the trigger: a probe round, a cluster event, an alarm).
 * Announced once per recovery: a cluster that goes down again may be announced again.
 */
export function isRecovery(ctx: DecisionContext): boolean {
  const inc = ctx.prior.incident;
  if (!inc || ctx.prior.mode !== 'failed-over' || inc.recoveryAnnounced || ctx.obs.operatorRequest)
    return false;
  const t = ctx.obs.trigger;
  const okAlarm =
    !!t &&
    t.state === 'OK' &&
    inc.failedCluster === t.clusterId &&
    !ctx.prior.handledAlarmKeys.includes(t.key);
  return okAlarm || assessment(ctx, inc.failedCluster)?.verdict === 'up';
}

/** The incident with its recovery marked announced, or cleared once its cluster is down again. */
function recoveryMark(ctx: DecisionContext, s: RoutingState, recovered: boolean): RoutingState['incident'] {
  const inc = s.incident;
  if (!inc || inc.id !== ctx.prior.incident?.id) return inc;
  if (recovered) return { ...inc, recoveryAnnounced: ctx.now };
  if (inc.recoveryAnnounced && assessment(ctx, inc.failedCluster)?.verdict === 'down') {
    const { recoveryAnnounced: _, ...rest } = inc;
    return rest;
  }
  return inc;
}

const sameWeights = (a: Weights, b: Weights) => JSON.stringify(a) === JSON.stringify(b);

/** The cluster a Plan's message is about. */
function subject(ctx: DecisionContext, p: Plan): string {
  if ('cluster' in p) return p.cluster;
  return (
    ctx.obs.trigger?.clusterId ??
    p.nextState.incident?.failedCluster ??
    ctx.prior.incident?.failedCluster ??
    ctx.obs.operatorRequest?.cluster ??
    ctx.policy.clusters[0]!.id
  );
}

function facts(ctx: DecisionContext, p: Plan, template: MessageFacts['template']): MessageFacts {
  // A recovery is always the incident's failed cluster (isRecovery), whichever cluster's alarm carried it.
  const recovering = template === 'recovered' ? ctx.prior.incident?.failedCluster : undefined;
  const cluster = recovering ?? subject(ctx, p);
  return {
    template,
    planKind: p.kind,
    ...(p.kind === 'hold' ? { rule: p.rule } : {}),
    reason: p.reason,
    cluster,
    incidentId: p.nextState.incident?.id ?? ctx.prior.incident?.id ?? ctx.prior.holdAlert?.id ?? null,
    weightsBefore: ctx.prior.weights,
    weightsAfter: p.nextState.weights,
    signals: p.signals.filter((s) => s.cluster === cluster && s.source !== 'trigger'),
    ...(template === 'recovered' ? { heldAway: heldAway(ctx, cluster) } : {}),
  };
}

/** How long a recovered cluster stays away: until it has been up the stable window (the earliest failback step). */
function heldAway(ctx: DecisionContext, cluster: string): NonNullable<MessageFacts['heldAway']> {
  const w = stableWait(ctx, cluster);
  return { until: w.until, remainingSeconds: w.remainingSeconds };
}

/** Drops undefined fields, so the record round-trips through JSON unchanged. */
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The audit record of a decision: what was decided, why, on what evidence. */
function auditContent(ctx: DecisionContext, p: Plan): Record<string, unknown> {
  return defined({
    decision: p.kind,
    rule: p.kind === 'hold' ? p.rule : undefined,
    reason: p.reason,
    // The cluster the decision is about: the plan's, the alarm's or the request's, else (a probe round's
    // failover) the cluster the incident it opens has failed.
    cluster:
      'cluster' in p
        ? p.cluster
        : (ctx.obs.trigger?.clusterId ??
          ctx.obs.operatorRequest?.cluster ??
          (p.kind === 'shift' ? p.nextState.incident?.failedCluster : undefined)),
    alarmKey: ctx.obs.trigger?.key,
    committed: true,
    operatorRequest: ctx.obs.operatorRequest
      ? defined({
          action: ctx.obs.operatorRequest.action,
          by: ctx.obs.operatorRequest.by,
          id: ctx.obs.operatorRequest.id,
        })
      : undefined,
    by: p.by,
    weights: 'weights' in p ? p.weights : undefined,
    verdicts: p.verdicts,
    incident: p.nextState.incident?.id ?? ctx.prior.incident?.id,
    at: ctx.now,
  });
}

/** The side effects a Plan calls for, in the order they must happen. */
function sideEffects(ctx: DecisionContext, p: Plan, recovered: boolean, loud: boolean) {
  const out: Array<
    | { kind: 'membership'; op: 'fence' | 'readmit' | 'reassociate'; cluster: string }
    | { kind: 'audit'; content: Record<string, unknown> }
    | { kind: 'message'; message: MessageFacts }
  > = [];
  if (p.kind === 'fence' || p.kind === 'readmit' || p.kind === 'reassociate')
    out.push({ kind: 'membership', op: p.kind, cluster: p.cluster });
  const asked =
    ctx.obs.trigger !== null || ctx.obs.operatorRequest !== undefined || ctx.obs.driftRepair !== undefined;
  if (p.kind !== 'hold' || recovered || loud || asked)
    out.push({ kind: 'audit', content: auditContent(ctx, p) });
  if (p.kind !== 'hold') out.push({ kind: 'message', message: facts(ctx, p, 'transition') });
  else if (loud) out.push({ kind: 'message', message: facts(ctx, p, 'hold') });
  else if (recovered) out.push({ kind: 'message', message: facts(ctx, p, 'recovered') });
  return out;
}

/** A hold whose state must not change at all (a repeat or an out-of-order alarm). */
export const changesNothing = (p: Plan): boolean =>
  p.kind === 'hold' && (p.rule === 'duplicate-alarm' || p.rule === 'stale-alarm');

/**
 * An OK alarm or a probe round on a steady, healthy fleet with nothing open changes nothing worth a write: every
 * cluster was and stays up with the same verdict per source and no failure counted. Only sample counters would
 * move (they matter only on the way up, and a re-counted success of an up source changes nothing), so nothing
 * is committed and nothing audited: a healthy fleet costs no write per alarm or round.
 */
function quietOk(ctx: DecisionContext, p: Plan): boolean {
  const t = ctx.obs.trigger;
  const s = ctx.prior;
  if (ctx.obs.operatorRequest || ctx.obs.driftRepair) return false;
  if ((t && t.state !== 'OK') || p.kind !== 'hold' || p.rule !== 'steady') return false;
  if (s.mode !== 'normal' || s.incident || s.holdAlert || s.failback) return false;
  return ctx.policy.clusters.every((c) => settledUp(s.verdicts[c.id], p.nextState.verdicts[c.id]));
}

type History = RoutingState['verdicts'][string];
function settledUp(before: History | undefined, after: History | undefined): boolean {
  if (!before || !after || before.verdict !== 'up' || after.verdict !== 'up') return false;
  if (before.upSince !== after.upSince) return false;
  const keys = Object.keys(after.sources) as Array<keyof History['sources']>;
  if (keys.length !== Object.keys(before.sources).length) return false;
  return keys.every((k) => {
    const a = before.sources[k];
    const b = after.sources[k];
    return !!a && !!b && a.verdict === b.verdict && b.failures === 0;
  });
}

/** Adds the bookkeeping to a decided Plan: handled keys, alarm times, split ownership, loud holds, outbox. */
export function keepBooks(ctx: DecisionContext, p: Plan): Plan {
  if (changesNothing(p) || quietOk(ctx, p)) return { ...p, nextState: ctx.prior };
  const t = ctx.obs.trigger;
  const recovered = isRecovery(ctx);
  const s: RoutingState = { ...p.nextState };
  let keys = s.handledAlarmKeys;
  if (t && (p.kind !== 'hold' || recovered)) keys = remember(keys, t.key);
  const opId = ctx.obs.operatorRequest?.id;
  if (opId) keys = remember(keys, `op:${opId}`);
  s.handledAlarmKeys = keys;
  if (t) {
    const stream = alarmStream(t);
    const seen = s.alarmsSeen[stream];
    if (!seen || Date.parse(seen) < Date.parse(t.at)) {
      const entries = Object.entries({ ...s.alarmsSeen, [stream]: t.at })
        .sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]))
        .slice(-HANDLED_KEYS_LIMIT);
      s.alarmsSeen = Object.fromEntries(entries);
    }
  }
  s.incident = recoveryMark(ctx, s, recovered);
  if (!sameWeights(s.weights, ctx.prior.weights)) s.governsSplit = true;
  const loudRule = p.kind === 'hold' && LOUD_HOLDS.has(p.rule) ? p.rule : null;
  const loud = loudRule !== null && !ctx.prior.holdAlert;
  if (loudRule && loud)
    s.holdAlert = {
      rule: loudRule,
      id: ctx.prior.incident?.id ?? `hold-${loudRule}-${ctx.now}`,
      since: ctx.now,
    };
  else if (p.kind !== 'hold' || p.rule === 'steady') s.holdAlert = null;
  const revision = ctx.prior.revision + 1;
  const fresh: OutboxRecord[] = sideEffects(ctx, p, recovered, loud).map(
    (e, i) =>
      ({
        ...e,
        id: `r${revision}-${i}`,
        createdAt: ctx.now,
        attempts: 0,
        lastError: null,
        notBefore: null,
      }) as OutboxRecord,
  );
  s.outbox = [...ctx.prior.outbox, ...fresh];
  return { ...p, nextState: s };
}
