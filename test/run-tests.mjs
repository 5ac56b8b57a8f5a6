#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's built-in test runner (tsx as the TypeScript loader).
// Node 20's --test takes no globs, so the files are listed here. Arguments narrow the run:
// `node test/run-tests.mjs policy` runs only files whose path contains "policy".
//
// Afterwards it scans everything the suite printed, and every log line the tests captured
// (FLEET_DR_TEST_LOG_FILE), for credentials, tokens and signatures: a leak fails the run. A test plants one
// secret on purpose (test/clients/log.test.ts); a whole-suite run fails if the scan does not find it.
//
// A whole-suite run (no arguments, or FLEET_DR_FORCE_PRIVILEGE_CHECK=1 with filters) also derives least
// privilege: the serial phase runs with SANDBOX_AUTHZ_LOG=<file>, where the stand-ins append each
// authorisation decision on the functions' identities, and afterwards every call must be granted by
// deploy/ram-policy.json and deploy/fleet-rbac.yaml and every grant exercised or allow-listed
// (test/least-privilege/derive.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PLANTED_MARK, scanForSecrets } from './secret-scan.mjs';

const root = new URL('..', import.meta.url).pathname;
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
const filters = process.argv.slice(2);
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const logDir = mkdtempSync(join(tmpdir(), 'fleet-dr-test-logs-'));
const logFile = join(logDir, 'captured.log');
writeFileSync(logFile, '');
const checkPrivilege = filters.length === 0 || process.env.FLEET_DR_FORCE_PRIVILEGE_CHECK === '1';
const authzFile = join(logDir, 'authz.jsonl');
writeFileSync(authzFile, '');
const printed = [];
// The runner's closing summary (lines starting with "ℹ") is held back and printed last, after the scan.
const summary = [];
const tee = (stream, out) => {
  let rest = '';
  stream.on('data', (chunk) => {
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      printed.push(l);
      if (l.startsWith('ℹ ')) summary.push(l);
      else out.write(`${l}\n`);
    }
  });
  stream.on('end', () => {
    if (rest) {
      printed.push(rest);
      out.write(`${rest}\n`);
    }
  });
};

// Two phases: the unit and contract files side by side, then the end-to-end and reliability files
// (test/e2e/, test/reliability/) one at a time, since each runs a whole sandbox, a drill's load or thousands
// of invocations, and function workers, on a 2-core machine. The 50-process race on the routing state runs
// alone too: its storm of processes starved the files beside it into their timeouts on a busy machine.
const ALONE = new Set(['test/state/race.contract.test.ts']);
const serial = (f) => f.startsWith('test/e2e/') || f.startsWith('test/reliability/') || ALONE.has(f);
const phases = [
  {
    files: files.filter((f) => !serial(f)),
    concurrency: process.env.TEST_CONCURRENCY ?? '3',
    env: {},
  },
  {
    files: files.filter(serial),
    concurrency: '1',
    env: checkPrivilege ? { SANDBOX_AUTHZ_LOG: authzFile } : {},
  },
].filter((p) => p.files.length > 0);
const runPhase = ({ files: phaseFiles, concurrency, env }) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...phaseFiles],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLEET_DR_TEST_LOG_FILE: logFile, ...env },
    },
  );
  tee(child.stdout, process.stdout);
  tee(child.stderr, process.stderr);
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
};
let status = 0;
for (const phase of phases) {
  const code = await runPhase(phase);
  if (code !== 0 && status === 0) status = code;
}

const logged = readFileSync(logFile, 'utf8').split('\n');
const authzLog = readFileSync(authzFile, 'utf8');
rmSync(logDir, { recursive: true, force: true });
const scan = (lines, where) =>
  scanForSecrets(lines).map((f) => ({ ...f, where, planted: lines[f.line].includes(PLANTED_MARK) }));
const hits = [...scan(printed, 'output'), ...scan(logged, 'captured logs')];
const leaks = hits.filter((h) => !h.planted);
const planted = hits.filter((h) => h.planted);
let scanFailed = false;
for (const l of leaks) console.error(`secret scan: ${l.what} in the ${l.where}, line ${l.line + 1}`);
if (leaks.length > 0) scanFailed = true;
const plantedRan = filters.length === 0 || printed.some((l) => l.includes(PLANTED_MARK));
if (plantedRan && new Set(planted.map((p) => p.where)).size < 2) {
  console.error(
    'secret scan: the planted secret was not found in both the output and the logs: the scan is broken',
  );
  scanFailed = true;
}
console.log(
  `secret scan: ${printed.length} printed and ${logged.length} logged lines, ${leaks.length} leak(s), ` +
    `planted secret ${plantedRan ? (planted.length > 0 ? 'found' : 'NOT found') : 'not planted in this run'}`,
);
let privilegeFailed = false;
if (checkPrivilege) {
  // The comparison is TypeScript (it shares the stand-in's RAM evaluator): load it through tsx.
  const { register } = await import('tsx/esm/api');
  register();
  const { checkSuiteLog } = await import('./least-privilege/derive.ts');
  try {
    const r = checkSuiteLog(authzLog);
    for (const p of r.problems) console.error(`least privilege: ${p}`);
    privilegeFailed = r.problems.length > 0;
    console.log(
      `least privilege: ${r.called.length} distinct calls of the functions' identities, ` +
        `${r.ungranted.length} not granted, ${r.unexercised.length} grant(s) not exercised, ` +
        `${r.problems.length} problem(s)`,
    );
  } catch (err) {
    console.error(`least privilege: the authorisation log could not be checked: ${err.message}`);
    privilegeFailed = true;
  }
}
// Each phase printed its own "ℹ tests/pass/fail" block; add them up into one closing line.
const total = (key) =>
  summary.filter((l) => l.startsWith(`ℹ ${key} `)).reduce((n, l) => n + Number(l.split(' ')[2] ?? 0), 0);
for (const l of summary) console.log(l);
console.log(`tests: ${total('pass')} passed, ${total('fail')} failed`);
process.exit(status !== 0 ? status : scanFailed || privilegeFailed ? 1 : 0);
