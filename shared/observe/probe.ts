/**
 * Active probes from inside the VPC: one HTTP GET per sample with the probe's timeout. A blackholed zone
 * shows up as timeouts; the hysteresis in the decision policy needs several samples with distinct times.
 */
import type { Probe } from '../config';
import type { ProbeResult } from '../policy/types';

/** One probe sample. Never throws: a failure is a result with `ok: false`. */
export async function probeOnce(probe: Probe, env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const at = new Date().toISOString();
  const started = performance.now();
  const headers: Record<string, string> = { ...probe.headers };
  for (const [name, envName] of Object.entries(probe.secretHeadersEnv)) {
    const v = env[envName];
    if (v) headers[name] = v;
  }
  const latency = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(probe.url, { headers, signal: AbortSignal.timeout(probe.timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status === probe.expectedStatus;
    return {
      at,
      ok,
      status: res.status,
      latencyMs: latency(),
      ...(ok ? {} : { error: `HTTP ${res.status}` }),
    };
  } catch (err) {
    const name = (err as Error)?.name;
    const error =
      name === 'TimeoutError' || name === 'AbortError'
        ? `timeout after ${probe.timeoutMs} ms`
        : `unreachable (${(err as { cause?: { code?: string } })?.cause?.code ?? (err as Error)?.message})`;
    return { at, ok: false, latencyMs: latency(), error };
  }
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
