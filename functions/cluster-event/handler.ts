/**
 * cluster-event (deployed as fleet-dr-cluster-event): ACK events from EventBridge (`source: acs.cs`,
 * CloudEvents, one or a batch) -> relevant to a policy cluster? -> at most one check per cluster per debounce
 * window (the window lives on the Fleet) -> the decision pipeline with a `cluster-event` trigger. An event
 * is a prompt, never a verdict: the check reads the cluster's state, its Fleet association, its member API
 * and the probes, and decide() moves traffic only as the policy's quorum says. A check may re-associate a
 * healthy cluster that is off the Fleet (not one an operator detached), confirmed by reading it back, and
 * re-admit it to the gateway at weight 0; traffic returns only through failback.
 *
 * Answers JSON { received, relevant, ignored: {why: count}, debounced: [...], check?: {...} }. Irrelevant and
 * unknown events are acknowledged (counted, not errors); an event that does not parse refuses the delivery
 * whole, as every fleet-dr function does.
 */
import { ConfigError } from '../../shared/errors';
import type { DecisionAnswer } from '../../shared/pipeline/answer';
import { createHandler, deployedName, ok } from '../../shared/runtime/handler-shell';
import { parseEvent } from '../../shared/schemas/parse-event';
import { type DebounceClaim, EventDebounceStore } from '../../shared/state/debounce-store';
import { type Reassociation, runCheck } from './check';
import { sortEvents } from './relevance';

/** The debounce window's environment variable (seconds; default 60). */
export const DEBOUNCE_ENV = 'FLEET_DR_EVENT_DEBOUNCE_SECONDS';
const DEFAULT_DEBOUNCE_SECONDS = 60;

/** The debounce window in ms, from the environment; a value that is not a sane number stops the function. */
export function debounceWindowMs(env: NodeJS.ProcessEnv): number {
  const raw = env[DEBOUNCE_ENV];
  if (raw === undefined || raw === '') return DEFAULT_DEBOUNCE_SECONDS * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0.1 || s > 3600)
    throw new ConfigError(
      `${DEBOUNCE_ENV} must be a number of seconds from 0.1 to 3600, not ${JSON.stringify(raw)}`,
    );
  return Math.round(s * 1000);
}

/** What the function answers. */
export interface ClusterEventAnswer {
  received: number;
  relevant: number;
  ignored: Record<string, number>;
  /** Clusters whose events fell in a window another check already owns. */
  debounced: Array<{ clusterId: string; events: number; lastCheckAt: string; nextCheckAfter: string }>;
  check?: {
    /** When the check claimed its window(s). */
    at: string;
    clusters: string[];
    cause: string;
    events: number;
    decisions: DecisionAnswer[];
    reassociation?: Reassociation;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The FC 3.0 handler. */
export const handler = createHandler({
  fn: 'cluster-event',
  moduleUrl: import.meta.url,
  async run(inv) {
    const { policy, env, log } = inv;
    const windowMs = debounceWindowMs(env);
    const events = parseEvent(inv.input);
    const sorted = sortEvents(policy, events);
    const answer: ClusterEventAnswer = {
      received: events.length,
      relevant: sorted.relevant,
      ignored: sorted.ignored,
      debounced: [],
    };
    if (sorted.clusters.size === 0) {
      log.info('cluster events acknowledged, none relevant', {
        received: events.length,
        ignored: sorted.ignored,
      });
      return ok(answer);
    }
    const w = inv.wiring();
    const store = new EventDebounceStore(await w.fleetKube(), policy.fleet.stateNamespace);
    const causes = new Map([...sorted.clusters].map(([id, v]) => [id, v.cause]));
    const claims = await store.claim(causes, windowMs);
    const won = claims.filter((c): c is Extract<DebounceClaim, { claimed: true }> => c.claimed);
    for (const c of claims)
      if (!c.claimed)
        answer.debounced.push({
          clusterId: c.clusterId,
          events: sorted.clusters.get(c.clusterId)?.events ?? 0,
          lastCheckAt: iso(c.lastCheckAt),
          nextCheckAfter: iso(c.nextCheckAfter),
        });
    if (won.length === 0) {
      log.info('cluster events debounced', { received: events.length, debounced: answer.debounced });
      return ok(answer);
    }
    // One decision reads every cluster of the policy, so one check serves every cluster this delivery won.
    const ids = won.map((c) => c.clusterId);
    const cause = ids
      .map((id) => {
        const v = sorted.clusters.get(id)!;
        return `${id}: ${v.cause}${v.events > 1 ? ` (+${v.events - 1} more)` : ''}`;
      })
      .join('; ');
    const report = await runCheck({
      wiring: w,
      log,
      clusterId: ids[0]!,
      cause,
      notifyFunction: env.FLEET_DR_NOTIFY_FUNCTION ?? deployedName('notify'),
      probeSpacingMs: Number(env.FLEET_DR_PROBE_SPACING_MS ?? 150),
    });
    answer.check = {
      at: iso(won[0]!.at),
      clusters: ids,
      cause,
      events: ids.reduce((n, id) => n + (sorted.clusters.get(id)?.events ?? 0), 0),
      ...report,
    };
    for (const d of report.decisions)
      log.info('decision', { decision: d.decision, rule: d.rule, reason: d.reason, timings: d.timings });
    return ok(answer);
  },
});
