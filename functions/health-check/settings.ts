/**
 * The health-check's edge: its event must be an FC timer event (one, not a batch); the timer's `payload`
 * may lower the run time (`{"maxRunSeconds": 30}`), never raise it past the function's timeout, counted from
 * the timer's time when that is plausible (a cold start before the handler counts too). The rest
 * comes from the policy (`detection.probeIntervalSeconds`, `detection.probeFailureShare`, the probes) and
 * from two optional environment variables of the function: FLEET_DR_PROBE_CONCURRENCY (requests in flight
 * in a round, default 32) and FLEET_DR_PROBE_REQUESTS (requests per cluster per round, spread over its
 * probes, default 20: enough for a failure share to mean something).
 */
import { z } from 'zod';
import type { Policy } from '../../shared/config';
import { checkProbeInterval } from '../../shared/config-checks';
import { ConfigError } from '../../shared/errors';
import { parseEvent } from '../../shared/schemas/parse-event';

/** The run of one invocation. */
export interface HealthCheckSettings {
  /** Epoch ms by which every round has ended (shortly before the function's timeout). */
  endAt: number;
  intervalMs: number;
  /** The slowest probe timeout of the policy. */
  probeTimeoutMs: number;
  concurrency: number;
  requestsPerCluster: number;
}

/** The timer payload's settings (every field optional; unknown fields are ignored). */
const PayloadSchema = z.looseObject({ maxRunSeconds: z.number().positive().max(86_400).optional() });

/** Function timeout when FC's context does not say (FC's default). */
const DEFAULT_TIMEOUT_SECONDS = 60;

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ConfigError(`environment variable ${name} must be an integer from 1 to ${max}, got ${raw}`);
  return n;
}

/** The payload's maxRunSeconds and the timer's time, or a refusal. */
function maxRunOf(input: unknown): { maxRunSeconds?: number; triggeredAt?: number } | { error: string } {
  let events: ReturnType<typeof parseEvent>;
  try {
    events = parseEvent(input);
  } catch (e) {
    return { error: `health-check runs on its timer: ${e instanceof Error ? e.message : String(e)}` };
  }
  const [timer] = events;
  if (events.length !== 1 || !timer || timer.kind !== 'timer')
    return {
      error: `health-check runs on its timer: expected one FC timer event, got ${timer?.kind ?? 'none'}`,
    };
  const triggeredAt = timer.time.getTime();
  if (timer.payload.trim() === '') return { triggeredAt };
  let payload: unknown;
  try {
    payload = JSON.parse(timer.payload);
  } catch {
    return { error: 'timer payload must be JSON, e.g. {"maxRunSeconds":50}' };
  }
  const p = PayloadSchema.safeParse(payload);
  if (!p.success) return { error: 'timer payload: maxRunSeconds must be a positive number of seconds' };
  return p.data.maxRunSeconds === undefined
    ? { triggeredAt }
    : { maxRunSeconds: p.data.maxRunSeconds, triggeredAt };
}

/**
 * Reads the run of one invocation: a refusal for an event that is not a timer's, a ConfigError for a policy
 * or environment that cannot give a round its time.
 */
export function readSettings(o: {
  input: unknown;
  policy: Policy;
  env: NodeJS.ProcessEnv;
  /** FC's `context.function.timeout`, seconds. */
  timeoutSeconds: number | undefined;
  startedAt: number;
}): { kind: 'run'; settings: HealthCheckSettings } | { kind: 'reject'; error: string } {
  const run = maxRunOf(o.input);
  if ('error' in run) return { kind: 'reject', error: run.error };
  const { policy } = o;
  const probeTimeoutMs = Math.max(...policy.clusters.flatMap((c) => c.probes.map((p) => p.timeoutMs)));
  const intervalMs = Math.round(policy.detection.probeIntervalSeconds * 1000);
  // The config loader refuses such a policy; a policy built in code is checked here by the same rule.
  const overlap = checkProbeInterval(policy);
  if (overlap.length) throw new ConfigError(overlap.join('; '));
  const timeoutMs = (o.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const budgetMs = Math.min(timeoutMs, (run.maxRunSeconds ?? Number.POSITIVE_INFINITY) * 1000);
  // The invocation may have begun before this handler ran (a cold start loads the bundle first, and that time
  // may count against the timeout): the timer's time is the earliest it can have begun. It is only trusted
  // when it lies within one timeout before the system clock (notify's lesson: an event's time is not a clock).
  const t = run.triggeredAt;
  const began = t !== undefined && t <= o.startedAt && t > o.startedAt - timeoutMs ? t : o.startedAt;
  // Stop shortly before the timeout: the answer, and a last publish, need a moment after the last round.
  const marginMs = Math.max(1_000, probeTimeoutMs);
  return {
    kind: 'run',
    settings: {
      endAt: began + budgetMs - marginMs,
      intervalMs,
      probeTimeoutMs,
      concurrency: intEnv(o.env, 'FLEET_DR_PROBE_CONCURRENCY', 32, 1_000),
      requestsPerCluster: intEnv(o.env, 'FLEET_DR_PROBE_REQUESTS', 20, 10_000),
    },
  };
}
