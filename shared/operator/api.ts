/**
 * The operator API of `fleet-dr-operator`, shared by the function and the `fleet-dr` CLI: the endpoints, the
 * verb each needs on the caller's key, the request bodies (zod) and the answers. JSON in and out.
 *
 * @example
 * POST /failback  {"cluster":"c-ack-az1","mode":"step","reason":"AZ1 stable since 08:10","step":2}
 * POST /shift     {"cluster":"c-ack-az1","reason":"kernel upgrade","expiresIn":"2h"}
 * POST /pause     {"reason":"investigating a flapping probe"}
 * POST /resume    {"reason":"probe fixed"}
 * GET  /status
 */
import { z } from 'zod';
import type { OperatorVerb } from './keys';

/** Every endpoint: method, path and the verb the caller's key must grant. */
export const OPERATOR_ENDPOINTS = {
  status: { method: 'GET', path: '/status', verb: 'status' },
  failback: { method: 'POST', path: '/failback', verb: 'failback' },
  shift: { method: 'POST', path: '/shift', verb: 'shift' },
  pause: { method: 'POST', path: '/pause', verb: 'pause' },
  resume: { method: 'POST', path: '/resume', verb: 'resume' },
} as const satisfies Record<string, { method: string; path: string; verb: OperatorVerb }>;

/** One endpoint's name. */
export type OperatorEndpoint = keyof typeof OPERATOR_ENDPOINTS;

/** The endpoint a request path names, if any. */
export function endpointOf(path: string): OperatorEndpoint | undefined {
  const p = path.replace(/\/+$/, '') || '/';
  return (Object.keys(OPERATOR_ENDPOINTS) as OperatorEndpoint[]).find(
    (k) => OPERATOR_ENDPOINTS[k].path === p,
  );
}

const reason = z.string().trim().min(1, 'a reason is required').max(500, 'at most 500 characters');

/** Failback modes: `dryRun` says what the next step would do; `auto` walks the ramp with a dwell per step. */
export const FailbackModeSchema = z.enum(['dryRun', 'step', 'auto', 'abort']);

/** POST /failback. `step` (1-based) is the ramp step the operator means to take: a stale one is refused (409). */
export const FailbackBodySchema = z
  .strictObject({
    cluster: z.string().min(1),
    mode: FailbackModeSchema,
    reason: reason.optional(),
    step: z.number().int().min(1).optional(),
  })
  .refine((b) => b.mode === 'dryRun' || b.reason !== undefined, {
    message: 'a reason is required (the audit record and the message carry it)',
    path: ['reason'],
  });

/** `2h`, `30m`, `90s`, `1d`, or a number of seconds. */
const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** The longest planned shift (AWS ARC caps a zonal shift at 3 days; extend it to keep it longer). */
export const MAX_SHIFT_SECONDS = 3 * 86_400;

/** Seconds of a duration such as `2h` (undefined when it is not one). */
export function durationSeconds(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  const m = DURATION.exec(v.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  // A zero-length duration ("0s", "0m") is no duration, as the number 0 is not.
  return seconds > 0 ? seconds : undefined;
}

/** POST /shift: a planned shift away from a cluster that expires by itself (again on the same cluster: extend). */
export const ShiftBodySchema = z.strictObject({
  cluster: z.string().min(1),
  reason,
  expiresIn: z.union([z.string(), z.number()]).transform((v, ctx) => {
    const s = durationSeconds(v);
    if (s === undefined || s > MAX_SHIFT_SECONDS) {
      ctx.issues.push({
        code: 'custom',
        message: `must be a duration such as 30m, 2h or 1d (at most ${MAX_SHIFT_SECONDS / 86_400} days)`,
        input: v,
      });
      return z.NEVER;
    }
    return s;
  }),
});

/** POST /pause and POST /resume. */
export const PauseBodySchema = z.strictObject({ reason });

export type FailbackBody = z.infer<typeof FailbackBodySchema>;
export type FailbackMode = z.infer<typeof FailbackModeSchema>;
export type ShiftBody = z.output<typeof ShiftBodySchema>;
export type PauseBody = z.infer<typeof PauseBodySchema>;

/**
 * What the operator function answers a request that reached the decision: `done` (200), `aborted` (200: the
 * ramp regressed and fleet-dr took the traffic back off), `dry-run` (200), `accepted` (202: an automatic
 * ramp, walked by later invocations), `refused` (409: a precondition or a conflict; `until` and
 * `remainingSeconds` when it is a matter of time). Refusals before the decision are `{ error, requestId }`.
 */
export interface OperatorAnswer {
  outcome: 'done' | 'aborted' | 'dry-run' | 'accepted' | 'refused';
  action: 'failback' | 'shift' | 'pause' | 'resume';
  mode?: FailbackMode;
  cluster?: string;
  /** The owner of the key that signed the request. */
  by: string;
  /** `<keyId>/<nonce>`: the request's id in the audit record and the routing state. */
  request: string;
  decision: string;
  rule?: string;
  reason: string;
  until?: string;
  remainingSeconds?: number;
  /** A dry run: whether the request would go through now. */
  wouldSucceed?: boolean;
  /** The failback ramp after the request (null when none is in progress). */
  failback?: { cluster: string; step: number; of: number; weight: number; auto: boolean } | null;
  weights?: Record<string, Record<string, number>>;
  committed?: boolean;
  actions: string[];
  errors: string[];
}

/** The HTTP status of an answer. */
export function answerStatus(a: Pick<OperatorAnswer, 'outcome'>): number {
  return a.outcome === 'refused' ? 409 : a.outcome === 'accepted' ? 202 : 200;
}
