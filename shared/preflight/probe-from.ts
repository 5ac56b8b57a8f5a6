/**
 * Where preflight asks the probes from: the deployed health-check function (`{"mode":"preflight"}`, a
 * synchronous FC InvokeFunction with the preflight identity's `fc:InvokeFunction` on that one function,
 * deploy/ram-policy-preflight.json), since the probes may answer only inside the VPC; or, when the invoke is
 * not possible (no grant, function not deployed, an older version without the mode) or `--probe-from here`,
 * the host preflight runs on, saying why.
 */
import { hostname } from 'node:os';
import { CloudApiError } from '../clients/errors';
import type { FcClient } from '../clients/fc-client';
import type { Policy, Probe } from '../config';
import type { ProbeResult } from '../decision/observations';
import { deployedName } from '../runtime/handler-shell';
import { type PreflightModeAnswer, PreflightModeAnswerSchema } from './probe-mode';
import { messageOf } from './types';

/** The deployed name of the health-check function (s.yaml `functionName`). */
export const HEALTH_CHECK_FUNCTION = deployedName('health-check');

/** The longest a synchronous invoke may take: the function's timeout (s.yaml `timeout: 60`) and a margin. */
export const INVOKE_TIMEOUT_MS = 65_000;

/** How preflight may ask the probes. */
export type ProbeSource =
  | { kind: 'function'; fc: Pick<FcClient, 'invokeSync'>; functionName?: string }
  /** `why`: the reason the function could not be asked (a WARN), absent when `--probe-from here` was given. */
  | { kind: 'here'; why?: string };

/** The probes' answers and where they were asked from. */
export interface AskedProbes {
  /** e.g. `the health-check function fleet-dr-health-check (cn-hangzhou)`, `host vm`. */
  from: string;
  /** The answer of one probe of one cluster. */
  resultOf(clusterId: string, probe: Probe): ProbeResult;
  /** Why the probes were asked from the host although the function was to be asked. */
  fallback?: string;
}

/** Why an invoke failed, in words (pure). */
export function invokeFailure(functionName: string, err: unknown): string {
  if (err instanceof CloudApiError) {
    if (err.statusCode === 403 || /AccessDenied|Forbidden/i.test(err.code))
      return `fc:InvokeFunction on ${functionName} was denied (${err.code}): the preflight identity lacks the grant in deploy/ram-policy-preflight.json`;
    if (err.statusCode === 404 || /FunctionNotFound/i.test(err.code))
      return `${functionName} is not deployed in this region (${err.code})`;
  }
  return `${functionName} could not be invoked: ${messageOf(err).slice(0, 200)}`;
}

/** The function's answer, or why it is not one (pure). */
export function readAnswer(
  functionName: string,
  r: { payload: string; functionError?: string },
): PreflightModeAnswer | string {
  if (r.functionError) return `${functionName} failed (${r.functionError}): ${r.payload.slice(0, 200)}`;
  let body: unknown;
  try {
    body = JSON.parse(r.payload);
  } catch {
    return `${functionName} answered something that is not JSON: ${r.payload.slice(0, 120)}`;
  }
  const a = PreflightModeAnswerSchema.safeParse(body);
  if (a.success) return a.data;
  return `${functionName} answered without the preflight mode (deploy this version of fleet-dr): ${r.payload.slice(0, 160)}`;
}

const keyOf = (clusterId: string, url: string) => `${clusterId} ${url}`;

/** Asks the probes from the function; falls back to `probeHere` for every probe, saying why. */
export async function askProbes(
  policy: Policy,
  env: NodeJS.ProcessEnv,
  source: ProbeSource,
  probeHere: (p: Probe, env: NodeJS.ProcessEnv) => Promise<ProbeResult>,
): Promise<AskedProbes> {
  let fallback: string | undefined = source.kind === 'here' ? source.why : undefined;
  if (source.kind === 'function') {
    const fn = source.functionName ?? HEALTH_CHECK_FUNCTION;
    let answer: PreflightModeAnswer | string;
    try {
      // A cold start loads the bundle first: the call may take well beyond the probes' own timeouts, but
      // never beyond the function's own timeout (s.yaml: 60 s).
      const r = await source.fc.invokeSync(fn, { mode: 'preflight' }, { timeoutMs: INVOKE_TIMEOUT_MS });
      answer = readAnswer(fn, r);
    } catch (err) {
      answer = invokeFailure(fn, err);
    }
    if (typeof answer !== 'string') {
      const byKey = new Map(answer.probes.map((p) => [keyOf(p.clusterId, p.url), p.result]));
      return {
        from: `the health-check function ${answer.functionName} (${answer.region})`,
        resultOf: (clusterId, probe) =>
          byKey.get(keyOf(clusterId, probe.url)) ?? {
            at: new Date().toISOString(),
            ok: false,
            error: `the function did not answer this probe (is it deployed with this policy?)`,
          },
      };
    }
    fallback = answer;
  }
  const results = new Map<string, ProbeResult>();
  await Promise.all(
    policy.clusters.flatMap((c) =>
      c.probes.map(async (p) => results.set(keyOf(c.id, p.url), await probeHere(p, env))),
    ),
  );
  return {
    from: `host ${hostname()}, where preflight runs`,
    resultOf: (clusterId, probe) => results.get(keyOf(clusterId, probe.url))!,
    ...(fallback ? { fallback } : {}),
  };
}
