/**
 * The health-check's `preflight` mode, as both sides see it: the function (functions/health-check/handler.ts)
 * probes every probe of every policy cluster once with the product's probe code (shared/observe/probe.ts)
 * and answers `PreflightModeAnswer`; `fleet-dr preflight` (probe-from.ts) validates that answer.
 */
import { z } from 'zod';
import type { Policy } from '../config';
import { ProbeResultSchema } from '../decision/observations';
import { probeOnce } from '../observe/probe';

/** One probe's answer, as the function saw it. */
export const PreflightProbeSchema = z.strictObject({
  clusterId: z.string().min(1),
  url: z.string().min(1),
  result: ProbeResultSchema,
});
export type PreflightProbe = z.infer<typeof PreflightProbeSchema>;

/** The function's answer in preflight mode. */
export const PreflightModeAnswerSchema = z.strictObject({
  mode: z.literal('preflight'),
  /** The function that asked (FC's `context.function.name`), and its region. */
  functionName: z.string(),
  region: z.string(),
  probes: z.array(PreflightProbeSchema),
});
export type PreflightModeAnswer = z.infer<typeof PreflightModeAnswerSchema>;

/** Probes every probe of every cluster once, in parallel; never throws (a failure is a result). */
export async function runPreflightProbes(
  policy: Policy,
  env: NodeJS.ProcessEnv,
  where: { functionName: string; region: string },
  probe: typeof probeOnce = probeOnce,
): Promise<PreflightModeAnswer> {
  const probes = await Promise.all(
    policy.clusters.flatMap((c) =>
      c.probes.map(async (p) => ({ clusterId: c.id, url: p.url, result: await probe(p, env) })),
    ),
  );
  return { mode: 'preflight', ...where, probes };
}
