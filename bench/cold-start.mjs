#!/usr/bin/env node
// What does each function cost at a cold start? Prints one JSON object.
//
// Every functions/<name>/handler.ts is bundled as `npm run build` bundles it (esbuild, scripts/bundle-options.mjs,
// policy.yaml beside it) into a temporary directory, with esbuild's metafile to see which Alibaba Cloud SDKs
// went in. For each function:
//   - zipped bytes: `zip -9` of the bundle directory (index.mjs + policy.yaml), what Function Compute receives;
//   - cold load: a fresh `node` process imports the bundle and runs a first invocation with an event the
//     handler refuses (`{}`), timed inside the child (import + invocation) and outside (spawn to exit), and its
//     peak RSS (process.resourceUsage().maxRSS); the median of `--runs` processes;
//   - the same for a naive bundle: the same handler with every Alibaba Cloud SDK in node_modules imported at
//     the top (and kept).
// Goals: each zipped bundle ≤ 1 MB; no function bundles (and so loads: the bundles import SDKs statically) an
// SDK it does not call; cold load ≤ ½ of the naive bundle's for every function that does not need all SDKs;
// peak RSS leaves ≥ 30% headroom under the function's memorySize in s.yaml.
//
//   node bench/cold-start.mjs [--runs 3]
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { bundleOptions } from '../scripts/bundle-options.mjs';

const { values: o } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(o.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
const log = (s) => process.stderr.write(`cold-start: ${s}\n`);
const MAX_ZIP = 1024 * 1024;
const HEADROOM = 0.3;

/** The SDK packages fleet-dr calls (the rest under node_modules/@alicloud are their helpers, or unused: fc2). */
const SDKS = [
  '@alicloud/cs20151215',
  '@alicloud/cms20190101',
  '@alicloud/fc20230330',
  '@alicloud/openapi-core',
  '@alicloud/credentials',
];
/** Every Alibaba Cloud SDK installed (the naive bundle imports them all at the top). */
const ALL_SDKS = [...SDKS, '@alicloud/fc2'].filter((p) => existsSync(join(root, 'node_modules', p)));
/**
 * Which SDKs each function calls, read from the code: every function wires all clients (shared/runtime/wiring.ts);
 * the decision pipeline (alarm-failover, health-check, cluster-event, operator) reads ACK (cs), writes the audit
 * event (cms), wakes notify (fc) and reads the Fleet and MSE (openapi-core); notify only finishes leftovers
 * (member kubeconfigs: cs; audit: cms; the Fleet: openapi-core), never invokes a function; drift-check reads ACK
 * and the Fleet and wakes notify (fc), and puts no CloudMonitor event.
 */
const CALLS = {
  'alarm-failover': SDKS,
  'health-check': SDKS,
  'cluster-event': SDKS,
  operator: SDKS,
  notify: SDKS.filter((s) => s !== '@alicloud/fc20230330'),
  'drift-check': SDKS.filter((s) => s !== '@alicloud/cms20190101'),
};

/** The child: imports the bundle, runs one refused invocation, prints its figures. */
const CHILD = `
const t0 = performance.now();
const { handler } = await import(process.argv[1]);
const loaded = performance.now();
let answer;
try {
  const r = await handler(Buffer.from('{}'), { requestId: 'cold-start-bench', function: { name: 'bench' } });
  answer = typeof r === 'string' ? r.slice(0, 120) : JSON.stringify(r)?.slice(0, 120);
} catch (e) { answer = 'threw: ' + String(e?.message ?? e).slice(0, 120); }
const done = performance.now();
console.log(JSON.stringify({ importMs: loaded - t0, invokeMs: done - loaded, totalMs: done - t0, bootMs: t0, maxRssMb: process.resourceUsage().maxRSS / 1024, answer }));
`;

function runChild(bundle) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, bundle], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', FLEET_DR_LOG: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => {
      out += c;
    });
    p.stderr.on('data', (c) => {
      err += c;
    });
    p.on('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err.slice(0, 500)}`));
      resolve({ ...JSON.parse(out.trim().split('\n').at(-1)), wallMs });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r1 = (x) => Math.round(x * 10) / 10;

async function coldLoad(bundle) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runChild(bundle));
  return {
    totalMs: r1(median(runs.map((r) => r.totalMs))),
    importMs: r1(median(runs.map((r) => r.importMs))),
    wallMs: r1(median(runs.map((r) => r.wallMs))),
    maxRssMb: r1(median(runs.map((r) => r.maxRssMb))),
    answer: runs[0].answer,
  };
}

/** Bundles `entry` (a file, or stdin contents) into dir/index.mjs with policy.yaml beside it. */
async function bundle(dir, opts) {
  mkdirSync(dir, { recursive: true });
  const r = await build({ ...bundleOptions, ...opts, outfile: join(dir, 'index.mjs'), metafile: true });
  copyFileSync(join(root, 'deploy', 'policy.yaml'), join(dir, 'policy.yaml'));
  const z = join(dir, '..', `${dir.split('/').at(-1)}.zip`);
  const zr = spawnSync('zip', ['-9', '-q', '-r', '-j', z, join(dir, 'index.mjs'), join(dir, 'policy.yaml')]);
  if (zr.status !== 0) throw new Error(`zip failed: ${zr.stderr}`);
  const inputs = Object.keys(r.metafile.inputs);
  const sdks = SDKS.concat('@alicloud/fc2').filter((s) =>
    inputs.some((i) => i.includes(`node_modules/${s}/`)),
  );
  return {
    bytes: statSync(join(dir, 'index.mjs')).size,
    zipBytes: statSync(z).size,
    sdks,
    file: join(dir, 'index.mjs'),
  };
}

const memorySizes = (() => {
  const doc = parse(readFileSync(join(root, 's.yaml'), 'utf8'));
  const out = {};
  for (const [name, res] of Object.entries(doc.resources ?? {})) out[name] = res?.props?.memorySize;
  return out;
})();

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-cold-'));
const functions = [];
try {
  const names = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, 'functions', e.name, 'handler.ts')))
    .map((e) => e.name);
  for (const name of names) {
    log(`${name}…`);
    const entry = join(root, 'functions', name, 'handler.ts');
    const b = await bundle(join(dir, name), { entryPoints: [entry] });
    const naiveSrc = [
      ...ALL_SDKS.map((s, i) => `import * as sdk${i} from '${s}';`),
      `export { handler } from ${JSON.stringify(entry)};`,
      `globalThis.__fleetDrNaiveSdks = [${ALL_SDKS.map((_, i) => `sdk${i}`).join(', ')}];`,
    ].join('\n');
    const naive = await bundle(join(dir, `${name}-naive`), {
      stdin: { contents: naiveSrc, resolveDir: root, loader: 'ts', sourcefile: `${name}-naive.ts` },
      // @alicloud/fc2's urllib requires proxy-agent only when a proxy is configured (not installed).
      external: ['proxy-agent'],
    });
    const cold = await coldLoad(b.file);
    const naiveCold = await coldLoad(naive.file);
    const calls = CALLS[name];
    const memorySize = memorySizes[name];
    const unneeded = b.sdks.filter((s) => !calls?.includes(s));
    const needsAll = calls ? SDKS.every((s) => calls.includes(s)) : undefined;
    const loadRatio = +(cold.totalMs / naiveCold.totalMs).toFixed(2);
    const headroom = memorySize ? +(1 - cold.maxRssMb / memorySize).toFixed(2) : undefined;
    functions.push({
      function: name,
      bundleBytes: b.bytes,
      zipBytes: b.zipBytes,
      zipMet: b.zipBytes <= MAX_ZIP,
      sdksBundled: b.sdks,
      sdksCalled: calls ?? 'unknown',
      sdksNotCalled: unneeded,
      sdksMet: calls ? unneeded.length === 0 : undefined,
      coldLoadMs: cold.totalMs,
      importMs: cold.importMs,
      processWallMs: cold.wallMs,
      peakRssMb: cold.maxRssMb,
      firstAnswer: cold.answer,
      naive: {
        zipBytes: naive.zipBytes,
        coldLoadMs: naiveCold.totalMs,
        processWallMs: naiveCold.wallMs,
        peakRssMb: naiveCold.maxRssMb,
        sdksBundled: naive.sdks,
      },
      loadRatio,
      needsAllSdks: needsAll,
      loadMet: needsAll ? 'n/a (needs every SDK)' : loadRatio <= 0.5,
      memorySizeMb: memorySize,
      rssHeadroom: headroom,
      rssMet: headroom === undefined ? undefined : headroom >= HEADROOM,
    });
    log(
      `${name}: ${b.zipBytes} B zipped, ${cold.totalMs} ms cold (naive ${naiveCold.totalMs} ms), ${cold.maxRssMb} MB`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      bench: 'cold-start',
      runs: RUNS,
      goals: { zipBytesMax: MAX_ZIP, loadRatioMax: 0.5, rssHeadroomMin: HEADROOM },
      note: 'bundles import their SDKs statically, so an SDK in the bundle is evaluated at load; cold load = import + first (refused) invocation inside a fresh node process, median of the runs',
      functions,
      totalMs: Math.round(performance.now() - started),
    },
    null,
    2,
  ),
);
