// Every command and script answers --help with its flags and exits 0 (issue 22): each fleet-dr subcommand
// (found in `fleet-dr --help`, so a new command is covered when it is listed), the sandbox CLI and its
// subcommands, deploy/create-alarm-rules.ts, and every script under scripts/ that reads its arguments.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inProcess, ROOT } from './run-cli';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The subcommands `fleet-dr --help` lists. */
async function subcommands(): Promise<string[]> {
  const r = await run(['bin/fleet-dr.js', '--help']);
  assert.equal(r.code, 0, r.stderr);
  const names = [...r.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!);
  assert.ok(names.length >= 10, r.stdout);
  return names;
}

/** Flags written in a help text (`--name`). */
const flagsIn = (text: string) => new Set(text.match(/--[a-z][a-z-]*/g) ?? []);

describe('--help everywhere', { timeout: 900_000 }, () => {
  it('fleet-dr <command> --help (and -h) prints that command with its flags and exits 0', async () => {
    const names = await subcommands();
    for (const name of ['check-config', 'plan', 'observe', 'status', 'failback', 'start', 'drill'])
      assert.ok(names.includes(name), `fleet-dr --help lists ${name}`);
    // A real `node bin/fleet-dr.js <command> --help` each, three at a time; `-h` through the same main() in
    // process (each child pays tsx's start-up, seconds on a busy machine).
    const jobs = names.map((n) => [n, '--help']);
    const results: Array<Awaited<ReturnType<typeof run>>> = [];
    for (let i = 0; i < jobs.length; i += 3)
      results.push(...(await Promise.all(jobs.slice(i, i + 3).map((j) => run(['bin/fleet-dr.js', ...j])))));
    results.forEach((r, i) => {
      const args = jobs[i]!.join(' ');
      assert.equal(r.code, 0, `fleet-dr ${args}: exit ${r.code}\n${r.stderr}`);
      assert.equal(r.stderr, '', `fleet-dr ${args} writes nothing to stderr`);
      assert.match(r.stdout, new RegExp(`^usage: fleet-dr ${jobs[i]![0]}\\b`), `fleet-dr ${args}`);
    });
    // `start` and `drill` live outside the product (bin/fleet-dr.js hands them to main()).
    for (const n of names.filter((x) => x !== 'start' && x !== 'drill')) {
      const r = await inProcess([n, '-h']);
      assert.equal(r.code, 0, `fleet-dr ${n} -h: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: fleet-dr ${n}\\b`));
    }
    const help = (n: string) => results[jobs.findIndex((j) => j[0] === n)]!.stdout;
    for (const f of ['--config', '--observations', '--state', '--now', '--summary'])
      assert.ok(flagsIn(help('plan')).has(f), `plan --help names ${f}`);
    for (const f of [
      '--cluster',
      '--step',
      '--auto',
      '--dry-run',
      '--abort',
      '--reason',
      '--url',
      '--key-file',
    ])
      assert.ok(flagsIn(help('failback')).has(f), `failback --help names ${f}`);
    for (const f of ['--json', '--json-file', '--no-gateway-fallback'])
      assert.ok(flagsIn(help('start')).has(f), `start --help names ${f}`);
    assert.ok(flagsIn(help('observe')).has('--event'));
    for (const f of [
      '--fault',
      '--zone',
      '--seed',
      '--rate',
      '--json',
      '--report',
      '--all',
      '--plan',
      '--failover-off',
    ])
      assert.ok(flagsIn(help('drill')).has(f), `drill --help names ${f}`);
  });

  it('npm run sandbox -- --help, and each sandbox subcommand with --help, exit 0 without starting anything', async () => {
    for (const args of [
      ['--help'],
      ['-h'],
      ['help'],
      ['fault', '--help'],
      ['heal', '--help'],
      ['status', '--help'],
      ['--with-functions', '--help'],
    ]) {
      const r = await run(['bin/sandbox.js', ...args]);
      assert.equal(r.code, 0, `sandbox ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^usage:/, args.join(' '));
      assert.doesNotMatch(r.stdout, /sandbox ready/, 'nothing started');
      for (const f of ['--with-functions', '--no-gateway-fallback', '--timer-seconds', '--policy'])
        assert.ok(flagsIn(r.stdout).has(f), `sandbox --help names ${f}`);
    }
  });

  it('deploy/create-alarm-rules.ts --help exits 0 with its flags', async () => {
    const r = await run(['--import', 'tsx', 'deploy/create-alarm-rules.ts', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const f of [
      '--callback-url',
      '--account-id',
      '--policy',
      '--contact-group',
      '--dry-run',
      '--sandbox-endpoint',
    ])
      assert.ok(flagsIn(r.stdout).has(f), `create-alarm-rules --help names ${f}`);
  });

  it('every script under scripts/ that reads its arguments answers --help and exits 0', async () => {
    const scripts = readdirSync(`${ROOT}scripts`).filter(
      (f) => /\.m?js$/.test(f) && readFileSync(`${ROOT}scripts/${f}`, 'utf8').includes('process.argv'),
    );
    assert.ok(scripts.includes('build.mjs') && scripts.includes('mutation.mjs'), scripts.join(', '));
    for (const s of scripts) {
      const r = await run([`scripts/${s}`, '--help']);
      assert.equal(r.code, 0, `scripts/${s} --help: ${r.stderr}`);
      assert.match(r.stdout, /^usage:/, s);
    }
  });
});
