import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { portOpen } from './traffic-helpers';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-sandbox-cli-'));
const env = { ...process.env, FLEET_DR_SANDBOX_STATE: join(dir, 'state.json') };

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/sandbox.js', ...args],
      { cwd: root, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run sandbox (bin/sandbox.js)', () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, reports ready, routes a request, takes a fault from a second command, and stops cleanly on Ctrl-C', {
    timeout: 240_000,
  }, async () => {
    child = spawn(process.execPath, ['bin/sandbox.js'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (out.includes('fleet-dr sandbox ready')) {
          clearInterval(t);
          resolve();
        } else if (child!.exitCode !== null) {
          clearInterval(t);
          reject(new Error(`sandbox exited early:\n${out}`));
        }
      }, 50);
    });
    const gateway = /ready: gateway (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(gateway, out);
    assert.match(out, /kubeconfig \S+\.kubeconfig/);
    assert.match(out, /ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tSandboxKey0001/);

    const res = await fetch(`${gateway}/hello`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { cluster: string; pod: string };
    assert.ok(['c-ack-az1', 'c-reg-az2'].includes(body.cluster));

    const fault = await runCli(['fault', 'c-reg-az2', 'agent-partition']);
    assert.equal(fault.code, 0, fault.stderr);
    const status = JSON.parse(fault.stdout) as {
      clusters: Array<{ id: string; state: string }>;
      zones: Array<{ cluster: string; fault: string; pods: Array<{ port: number }>; probeUrl: string }>;
    };
    assert.equal(status.clusters.find((c) => c.id === 'c-reg-az2')?.state, 'disconnected');
    assert.equal(status.zones.find((z) => z.cluster === 'c-reg-az2')?.fault, 'agent-partition');
    const bad = await runCli(['fault', 'c-ack-az1', 'agent-partition']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /registered/);
    const heal = await runCli(['heal', 'az2']);
    assert.equal(heal.code, 0, heal.stderr);

    const ports = [...out.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    for (const z of status.zones) ports.push(...z.pods.map((p) => p.port));
    assert.ok(ports.length > 10);
    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
    assert.match(out, /fleet-dr sandbox stopped/);
    const open = [];
    for (const p of new Set(ports)) if (await portOpen(p)) open.push(p);
    assert.deepEqual(open, [], 'no port left open');
    assert.equal(existsSync(env.FLEET_DR_SANDBOX_STATE), false, 'state file removed');
    const gone = await runCli(['status']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no running sandbox/);
  });
});
