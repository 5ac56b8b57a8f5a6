import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle-options.mjs';
import { initialRoutingState, RoutingStateSchema } from '../../shared/decision/routing-state';
import { type Fixture, kubeconfigOf, startFixture } from '../clients/fixture';

const WRITERS = 50;
/** Writers started at once: they all wait at the barrier, so this only spreads the start-up CPU. */
const START_BATCH = 10;

interface Writer {
  child: ChildProcess;
  read: Promise<string>;
  done: Promise<{ id: string; committed: boolean; attempts: number }>;
  exit: Promise<number | null>;
}

function startWriter(script: string, env: Record<string, string>): Writer {
  // The child is the real TypeScript (bundled once by esbuild so 50 cold starts fit on 2 cores).
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buf = '';
  let stderr = '';
  // A crash prints the bundle's whole minified source line: keep the readable lines only.
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const readable = () =>
    stderr
      .split('\n')
      .filter((l) => l.length < 400)
      .join('\n')
      .slice(-3000);
  let onRead: (rv: string) => void = () => {};
  let onDone: (d: { id: string; committed: boolean; attempts: number }) => void = () => {};
  let onCrash: (e: Error) => void = () => {};
  const read = new Promise<string>((r, reject) => {
    onRead = r;
    onCrash = reject;
  });
  const done = new Promise<{ id: string; committed: boolean; attempts: number }>((r, reject) => {
    onDone = r;
    const first = onCrash;
    onCrash = (e) => {
      first(e);
      reject(e);
    };
  });
  // Awaited later: marked handled now so an early crash is not an unhandled rejection meanwhile.
  read.catch(() => undefined);
  done.catch(() => undefined);
  // A writer that exits before saying DONE fails the test at once, with what it printed (not a 6-minute hang).
  let finished = false;
  child.on('exit', (code) => {
    if (!finished) onCrash(new Error(`writer ${env.RACE_ID} exited ${code} before DONE:\n${readable()}`));
  });
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('READ ')) onRead(line.slice(5));
      if (line.startsWith('DONE ')) {
        finished = true;
        onDone(JSON.parse(line.slice(5)));
      }
    }
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, read, done, exit };
}

describe('50 writers in separate processes racing on one route', { timeout: 360_000 }, () => {
  let fx: Fixture;
  let dir: string;
  let script: string;
  const writers: Writer[] = [];

  before(async () => {
    fx = await startFixture();
    dir = mkdtempSync(join(tmpdir(), 'fleet-dr-race-'));
    script = join(dir, 'race-writer.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./race-writer.ts', import.meta.url))],
      outfile: script,
      ...bundleOptions,
    });
    const kc: Record<string, string> = { fleet: kubeconfigOf(fx.fleet) };
    for (const [id, m] of fx.members) kc[id] = kubeconfigOf(m);
    writeFileSync(join(dir, 'kubeconfigs.json'), JSON.stringify(kc));
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(fx.policy));
    // The state exists before the race, so every writer reads the same resourceVersion and replaces it.
    fx.fleet.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fleet-dr-routing-state', namespace: fx.policy.fleet.stateNamespace },
      data: { 'state.json': JSON.stringify(initialRoutingState(fx.policy)) },
    });
  });

  after(async () => {
    for (const w of writers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(writers.map((w) => w.exit));
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ends with exactly one committed transition, a consistent state and at least one 409', async () => {
    const env = (i: number) => ({
      RACE_ID: String(i),
      RACE_POLICY: join(dir, 'policy.json'),
      RACE_KUBECONFIGS: join(dir, 'kubeconfigs.json'),
    });
    for (let i = 0; i < WRITERS; i += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, WRITERS - i) }, (_, j) =>
        startWriter(script, env(i + j)),
      );
      writers.push(...batch);
      await Promise.all(batch.map((w) => w.read));
    }
    const versions = new Set(await Promise.all(writers.map((w) => w.read)));
    assert.equal(versions.size, 1, 'every writer read the same resourceVersion before deciding');
    const conflictsBefore = fx.fleet.requestLog.filter((e) => e.status === 409).length;
    for (const w of writers) w.child.stdin!.write('GO\n');
    const results = await Promise.all(writers.map((w) => w.done));
    const codes = await Promise.all(writers.map((w) => w.exit));
    assert.deepEqual(new Set(codes), new Set([0]));

    const winners = results.filter((r) => r.committed);
    assert.equal(winners.length, 1, 'exactly one writer committed');
    assert.ok(
      results.filter((r) => !r.committed).every((r) => r.attempts >= 2),
      'every loser re-read and re-decided',
    );
    const conflicts = fx.fleet.requestLog.filter(
      (e) => e.status === 409 && e.method === 'PUT' && e.path.includes('/configmaps/'),
    );
    assert.ok(fx.fleet.requestLog.filter((e) => e.status === 409).length - conflictsBefore >= 1);
    assert.ok(conflicts.length >= 1, 'the stand-in answered at least one 409');

    const cm = fx.fleet.store.get(
      'v1',
      'ConfigMap',
      fx.policy.fleet.stateNamespace,
      'fleet-dr-routing-state',
    );
    const state = RoutingStateSchema.parse(
      JSON.parse(String((cm?.data as Record<string, string> | undefined)?.['state.json'])),
    );
    assert.equal(state.lastTransition?.reason, `writer-${winners[0]!.id}`);
    assert.equal(state.incident?.id, `inc-${winners[0]!.id}`);
    assert.deepEqual(state.weights['web-demo'], { 'c-ack-az1': 0, 'c-reg-az2': 100 });
    const puts = fx.fleet.requestLog.filter(
      (e) => e.method === 'PUT' && e.path.endsWith('/configmaps/fleet-dr-routing-state') && e.status === 200,
    );
    assert.equal(puts.length, 1, 'one successful state write');
    const weight = (c: string) =>
      fx.fleet.store.get('networking.k8s.io/v1', 'Ingress', 'web-demo', `web-demo-fleet-dr-${c}`)?.metadata
        .annotations?.['nginx.ingress.kubernetes.io/canary-weight'];
    assert.equal(weight('c-ack-az1'), '0');
    assert.equal(weight('c-reg-az2'), '100');
  });
});
