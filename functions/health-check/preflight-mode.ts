/**
 * The health-check's `preflight` mode: `fleet-dr preflight` invokes the deployed function with
 * `{"mode":"preflight"}` (synchronously) so each probe is asked from where the functions run, inside the VPC.
 * The function probes each probe once (shared/preflight/probe-mode.ts) and answers the results: it decides
 * nothing, writes nothing, publishes no metric. A `mode` that is not `preflight` is refused; an event without
 * `mode` is the timer's (settings.ts validates it).
 */
import { z } from 'zod';
import { type PreflightModeAnswer, runPreflightProbes } from '../../shared/preflight/probe-mode';
import { deployedName, type Invocation } from '../../shared/runtime/handler-shell';

/** The event that asks for the preflight mode. */
export const PreflightModeEventSchema = z.strictObject({ mode: z.literal('preflight') });

/**
 * What the event asks for: `timer` (no `mode`: the timer path validates it), `preflight`, or a refusal for
 * a `mode` that is not one.
 */
export function modeOf(
  input: unknown,
): { kind: 'timer' } | { kind: 'preflight' } | { kind: 'reject'; error: string } {
  let value: unknown = input;
  if (Buffer.isBuffer(input) || typeof input === 'string') {
    try {
      value = JSON.parse(input.toString());
    } catch {
      return { kind: 'timer' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('mode' in value))
    return { kind: 'timer' };
  const p = PreflightModeEventSchema.safeParse(value);
  if (p.success) return { kind: 'preflight' };
  return {
    kind: 'reject',
    error: `health-check: an event with "mode" must be exactly {"mode":"preflight"}; got ${JSON.stringify(value).slice(0, 120)}`,
  };
}

/** The preflight mode's answer: every probe asked once from this function (nothing decided or written). */
export async function answerPreflight(inv: Invocation): Promise<PreflightModeAnswer> {
  const fn = (inv.context as { function?: { name?: unknown } }).function?.name;
  const answer = await runPreflightProbes(inv.policy, inv.env, {
    functionName: typeof fn === 'string' ? fn : deployedName('health-check'),
    region: inv.context.region ?? inv.policy.region,
  });
  inv.log.info('preflight probes answered', { probes: answer.probes.length });
  return answer;
}
