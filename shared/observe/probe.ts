/**
 * Active probes from inside the VPC: one HTTP GET per sample with the probe's timeout (http-probe.ts). A
 * blackholed zone shows up as timeouts; the hysteresis in the decision rules needs several samples with
 * distinct times. The health-check's rounds (probe-round.ts) use the same request.
 */
import type { Probe } from '../config';
import type { ProbeResult } from '../decision/observations';
import { httpProbe } from './http-probe';

/** The probe's headers, secret ones filled in from the environment (a missing secret is left out). */
export function probeHeaders(probe: Probe, env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = { ...probe.headers };
  for (const [name, envName] of Object.entries(probe.secretHeadersEnv)) {
    const v = env[envName];
    if (v) headers[name] = v;
  }
  return headers;
}

/** One probe sample. Never throws: a failure is a result with `ok: false`. */
export async function probeOnce(probe: Probe, env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const at = new Date().toISOString();
  const a = await httpProbe({
    url: probe.url,
    headers: probeHeaders(probe, env),
    expectedStatus: probe.expectedStatus,
    timeoutMs: probe.timeoutMs,
  });
  return {
    at,
    ok: a.ok,
    ...(a.status !== undefined ? { status: a.status } : {}),
    latencyMs: a.latencyMs,
    ...(a.ok ? {} : { error: a.error ?? 'failed' }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `samples` rounds of every probe of a cluster, `spacingMs` apart (plus each probe's own duration), so
 * every result has its own time. A cluster's sample is ok only when all its probes were ok.
 */
export async function probeCluster(
  probes: Probe[],
  env: NodeJS.ProcessEnv,
  samples: number,
  spacingMs: number,
): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(spacingMs);
    const round = await Promise.all(probes.map((p) => probeOnce(p, env)));
    const bad = round.find((r) => !r.ok);
    const first = round[0]!;
    const at = new Date(Math.max(Date.parse(first.at), Date.parse(out.at(-1)?.at ?? '0') + 1)).toISOString();
    out.push({ ...(bad ?? first), at });
  }
  return out;
}
