#!/usr/bin/env node
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
// How long does one health-check round over 1,000 targets take, with realistic latency and 5% of the targets
// hanging, and how much memory does it use? Prints one JSON object.
//
// The targets run in a child process of their own (10 HTTP servers on 127.0.0.1, 100 paths each): each answer
// waits a latency drawn uniformly from `--min-latency-ms`..`--max-latency-ms`, and every 20th path accepts and
// never answers. The prober is the health-check's own round (shared/observe/probe-round.ts: runProbeRound, the
// one functions/health-check/handler.ts calls) with its default concurrency bound (FLEET_DR_PROBE_CONCURRENCY,
// 32: functions/health-check/settings.ts) and the policy's probe timeout (deploy/policy.yaml: 1000 ms), bundled
// with esbuild as `npm run build` bundles, in a fresh Node process whose RSS is sampled every 10 ms.
// Goals: the round takes close to one probe timeout; peak RSS under 128 MB.
//
//   node bench/probe-throughput.mjs [--targets 1000] [--hanging 0.05] [--min-latency-ms 20] [--max-latency-ms 50]
//                                   [--concurrency 32] [--timeout-ms <policy's>] [--rounds 1]
import { runProber, serveProbeTargets, startProbeTargets } from './probe-targets.mjs';

const LIMIT_MB = 128;
const CLOSE_TO = 1.5; // "close to one probe timeout": at most 1.5 timeouts
const root = fileURLToPath(new URL('..', import.meta.url));
const policyPath = join(root, 'deploy', 'policy.yaml');
const policyTimeout = Math.max(
  ...parse(readFileSync(policyPath, 'utf8')).clusters.flatMap((c) => c.probes.map((p) => p.timeoutMs)),
);
const { values: o } = parseArgs({
  options: {
    targets: { type: 'string', default: '1000' },
    hanging: { type: 'string', default: '0.05' },
    'min-latency-ms': { type: 'string', default: '20' },
    'max-latency-ms': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '32' },
    'timeout-ms': { type: 'string', default: String(policyTimeout) },
    rounds: { type: 'string', default: '1' },
    'serve-targets': { type: 'boolean', default: false },
  },
});
const log = (s) => process.stderr.write(`probe-throughput: ${s}\n`);

/** The prober: the health-check's round over the policy's clusters, the targets spread over them. */
const ENTRY = `
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PolicySchema } from './shared/config.ts';
import { runProbeRound } from './shared/observe/probe-round.ts';

const cfg = JSON.parse(process.env.BENCH ?? '{}');
const doc = parse(readFileSync(cfg.policyPath, 'utf8'));
const per = Math.ceil(cfg.targets / doc.clusters.length);
let n = 0;
doc.clusters = doc.clusters.map((c) => ({
  ...c,
  probes: Array.from({ length: per }, () => {
    const i = n++;
    return { url: 'http://127.0.0.1:' + cfg.ports[i % cfg.ports.length] + '/t/' + i, timeoutMs: cfg.timeoutMs };
  }),
}));
const policy = PolicySchema.parse(doc);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
const baseline = process.memoryUsage().rss;
const rounds = [];
for (let k = 0; k < cfg.rounds; k++) {
  const started = performance.now();
  const r = await runProbeRound(policy.clusters, {
    concurrency: cfg.concurrency,
    requestsPerCluster: 20,
    failureShare: policy.detection.probeFailureShare,
    env: {},
  });
  rounds.push({
    ms: Math.round(performance.now() - started),
    sent: r.reduce((a, x) => a + x.sent, 0),
    failed: r.reduce((a, x) => a + x.failed, 0),
    failures: r.map((x) => x.failures),
  });
}
clearInterval(sampler);
const mb = (b) => +(b / 2 ** 20).toFixed(1);
console.log(JSON.stringify({ baselineRssMb: mb(baseline), peakRssMb: mb(peak), maxRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(1), rounds }));
`;

async function main() {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-probe-'));
  const targets = await startProbeTargets(fileURLToPath(import.meta.url), [
    '--hanging',
    o.hanging,
    '--min-latency-ms',
    o['min-latency-ms'],
    '--max-latency-ms',
    o['max-latency-ms'],
  ]);
  try {
    const { ports } = targets;
    const cfg = {
      policyPath,
      targets: Number(o.targets),
      ports,
      rounds: Number(o.rounds),
      concurrency: Number(o.concurrency),
      timeoutMs: Number(o['timeout-ms']),
    };
    log(`${cfg.targets} targets, concurrency ${cfg.concurrency}, probe timeout ${cfg.timeoutMs} ms…`);
    const r = await runProber({
      contents: ENTRY,
      root,
      sourcefile: 'probe-throughput-entry.ts',
      outfile: join(dir, 'prober.mjs'),
      cfg,
    });
    const hangEvery = Math.round(1 / Number(o.hanging));
    const hanging = hangEvery > 0 ? Math.ceil(cfg.targets / hangEvery) : 0;
    const worst = Math.max(...r.rounds.map((x) => x.ms));
    const meanLatency = (Number(o['min-latency-ms']) + Number(o['max-latency-ms'])) / 2;
    console.log(
      JSON.stringify(
        {
          bench: 'probe-throughput',
          targets: cfg.targets,
          hanging,
          latencyMs: [Number(o['min-latency-ms']), Number(o['max-latency-ms'])],
          concurrency: cfg.concurrency,
          probeTimeoutMs: cfg.timeoutMs,
          roundMs: worst,
          timeouts: +(worst / cfg.timeoutMs).toFixed(2),
          // What the concurrency bound allows at best: every slot busy, the hanging requests holding theirs
          // for a whole timeout, and never less than one timeout.
          lowerBoundMs: Math.round(
            Math.max(
              cfg.timeoutMs,
              (hanging * cfg.timeoutMs + (cfg.targets - hanging) * meanLatency) / cfg.concurrency,
            ),
          ),
          timeGoal: `≤ ${CLOSE_TO} × the probe timeout`,
          timeMet: worst <= CLOSE_TO * cfg.timeoutMs,
          peakRssMb: Math.max(r.peakRssMb, r.maxRssMb),
          limitMb: LIMIT_MB,
          rssMet: Math.max(r.peakRssMb, r.maxRssMb) < LIMIT_MB,
          prober: r,
          totalMs: Date.now() - started,
        },
        null,
        2,
      ),
    );
  } finally {
    targets.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (o['serve-targets'])
  await serveProbeTargets({
    hanging: Number(o.hanging),
    minLatencyMs: Number(o['min-latency-ms']),
    maxLatencyMs: Number(o['max-latency-ms']),
  });
else await main();
