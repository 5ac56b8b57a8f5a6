#!/usr/bin/env node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// Does the health-check fit the smallest Function Compute size (128 MB) with 1,000 probe targets, 5% of them
// hanging? Prints one JSON object.
//
// The prober runs inside a 128 MB memory cgroup, as an instance of that size runs (memory-limit.mjs): Node
// sizes V8's heap from the limit, so garbage is collected as it would be there, and going over the limit gets
// the process killed. Fits: it ends, never hit the limit, and its peak resident memory (which also counts the
// Node binary's shared pages, which the cgroup may not charge) stays under 128 MB. Where no cgroup can be made,
// it runs without a limit, and says so (V8 then sizes its heap for the whole machine, and peaks higher).
//
// The targets run in a child process of their own (10 HTTP servers on 127.0.0.1, 100 paths each; every 20th
// path accepts and never answers), so their memory is not counted. The prober is the health-check's bundle as
// it ships (esbuild, the same options as `npm run build`, with the handler and every client it imports loaded),
// running the function's probe rounds — bounded concurrency, the production probe timeout, the round window
// and the metrics of each round — in a fresh Node process whose resident memory is sampled every 10 ms.
//
//   node bench/health-check-memory.mjs [--targets 1000] [--hanging 0.05] [--rounds 5] [--concurrency 32]
//                                      [--timeout-ms 2000] [--interval-ms 10000] [--no-limit]
// 5 rounds: one invocation's worth (a 60 s timeout, a round every 10 s).
import { runProber, serveProbeTargets, startProbeTargets } from './probe-targets.mjs';

const LIMIT_MB = 128; // Function Compute's smallest memory size
const root = fileURLToPath(new URL('..', import.meta.url));
const { values: o } = parseArgs({
  options: {
    targets: { type: 'string', default: '1000' },
    hanging: { type: 'string', default: '0.05' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    'timeout-ms': { type: 'string', default: '2000' },
    'interval-ms': { type: 'string', default: '10000' },
    'serve-targets': { type: 'boolean', default: false },
    'no-limit': { type: 'boolean', default: false },
  },
});

/** The prober's entry: loads the health-check handler (every module it ships with), then runs rounds. */
const ENTRY = `
/*HANDLER*/
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PolicySchema } from './shared/config.ts';
import { roundMetrics } from './shared/observe/probe-metrics.ts';
import { runProbeRound } from './shared/observe/probe-round.ts';
import { ProbeWindow } from './shared/observe/probe-window.ts';

/*CHECK*/
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
const baseline = process.memoryUsage();
const window = new ProbeWindow(policy);
const rounds = [];
for (let k = 0; k < cfg.rounds; k++) {
  const started = Date.now();
  const r = await runProbeRound(policy.clusters, {
    concurrency: cfg.concurrency,
    requestsPerCluster: 20,
    failureShare: policy.detection.probeFailureShare,
    env: {},
    deadline: started + cfg.intervalMs,
  });
  window.add(r);
  const metrics = roundMetrics(policy, r, Date.now());
  rounds.push({
    ms: Date.now() - started,
    sent: r.reduce((a, x) => a + x.sent, 0),
    failed: r.reduce((a, x) => a + x.failed, 0),
    skipped: r.reduce((a, x) => a + x.skipped, 0),
    metrics: metrics.length,
    rssMb: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
  });
}
window.readings();
clearInterval(sampler);
const mb = (b) => +(b / 2 ** 20).toFixed(1);
console.log(JSON.stringify({
  baselineRssMb: mb(baseline.rss),
  baselineHeapUsedMb: mb(baseline.heapUsed),
  peakRssMb: mb(peak),
  maxRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  heapUsedMb: mb(process.memoryUsage().heapUsed),
  rounds,
}));
`;

async function main() {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-bench-'));
  const targets = await startProbeTargets(fileURLToPath(import.meta.url), ['--hanging', o.hanging]);
  try {
    const { ports } = targets;
    const cfg = {
      policyPath: join(root, 'deploy', 'policy.yaml'),
      targets: Number(o.targets),
      ports,
      rounds: Number(o.rounds),
      concurrency: Number(o.concurrency),
      timeoutMs: Number(o['timeout-ms']),
      intervalMs: Number(o['interval-ms']),
    };
    /** Bundles the prober (with or without the whole handler) and runs it in a fresh process. */
    const measure = async (withHandler) => {
      const outfile = join(dir, withHandler ? 'function.mjs' : 'engine.mjs');
      const contents = withHandler
        ? ENTRY.replace(
            '/*HANDLER*/',
            "import { handler } from './functions/health-check/handler.ts';",
          ).replace(
            '/*CHECK*/',
            "if (typeof handler !== 'function') throw new Error('the handler did not load');",
          )
        : ENTRY;
      return runProber({
        contents,
        root,
        sourcefile: 'health-check-memory-entry.ts',
        outfile,
        cfg,
        memoryLimitMb: o['no-limit'] ? undefined : LIMIT_MB,
      });
    };
    const fn = await measure(true);
    const engine = await measure(false);
    const hangEvery = Math.round(1 / Number(o.hanging));
    console.log(
      JSON.stringify(
        {
          bench: 'health-check-memory',
          targets: cfg.targets,
          hanging: hangEvery > 0 ? Math.ceil(cfg.targets / hangEvery) : 0,
          concurrency: cfg.concurrency,
          probeTimeoutMs: cfg.timeoutMs,
          intervalMs: cfg.intervalMs,
          limitMb: LIMIT_MB,
          memoryLimit: fn.memoryLimit ?? { how: 'none', reason: '--no-limit' },
          // The whole function: its bundle loaded (clients, SDKs, Kubernetes client), then the rounds.
          fits: !fn.killed && (fn.memoryLimit?.limitHits ?? 0) === 0 && fn.maxRssMb < LIMIT_MB,
          function: fn,
          // The probe rounds alone (the same code without the rest of the bundle): what 1,000 targets cost.
          probeEngineOnly: engine,
          probeRoundsAddMb: +(fn.peakRssMb - fn.baselineRssMb).toFixed(1),
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

if (o['serve-targets']) await serveProbeTargets({ hanging: Number(o.hanging) });
else await main();
