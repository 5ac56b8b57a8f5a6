#!/usr/bin/env node
// `npm run bench`: runs every benchmark of bench/ (each a script printing one JSON object on stdout, progress
// on stderr), one after the other, prints the combined JSON, and rewrites the README's section between
// <!-- bench:start --> and <!-- bench:end --> with a table of the measured figures, goals and ratios (a
// `## Benchmarks` section with the markers is appended when they are absent). A benchmark that fails or
// outlasts `--timeout-s` is reported as failed, in the JSON and in the table.
//
//   node bench/run-all.mjs [--only name,name] [--no-readme] [--timeout-s 360]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchTable, withBenchTable } from './table.mjs';

const BENCHES = ['decision-latency', 'cold-start', 'probe-throughput', 'health-check-memory'];
const here = fileURLToPath(new URL('.', import.meta.url));
const readme = join(here, '..', 'README.md');
const { values: o } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-readme': { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '360' },
  },
});
const names = o.only ? o.only.split(',') : BENCHES;
const log = (s) => process.stderr.write(`bench: ${s}\n`);

/** Runs one benchmark; resolves with its JSON or `{ error }`. */
function run(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const p = spawn(process.execPath, [join(here, `${name}.mjs`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => {
      out += c;
    });
    const timer = setTimeout(() => {
      log(`${name}: no result after ${o['timeout-s']} s; stopping it`);
      p.kill('SIGTERM');
    }, Number(o['timeout-s']) * 1000);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      try {
        if (code !== 0) throw new Error(`exited ${code ?? signal}`);
        resolve(JSON.parse(out));
      } catch (e) {
        resolve({ bench: name, error: `${e.message} after ${Math.round(ms / 1000)} s` });
      }
    });
  });
}

const results = {};
for (const name of names) {
  log(`${name}…`);
  results[name] = await run(name);
  log(`${name}: ${results[name].error ?? 'done'}`);
}
const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} cores, Node ${process.versions.node}`;
console.log(JSON.stringify({ date, machine, results }, null, 2));
if (!o['no-readme']) {
  writeFileSync(readme, withBenchTable(readFileSync(readme, 'utf8'), benchTable(results, { date, machine })));
  log('README.md: the benchmark table is written');
}
