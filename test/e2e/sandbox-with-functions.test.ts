import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { type ControlState, callControl } from '../../sandbox/sandbox-control';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run sandbox -- <args>` as a user runs it (bin/sandbox.js), with this test's own state file. */
function sandboxCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/sandbox.js', ...args],
      { cwd: root, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

interface FleetDrStatus {
  mode: string;
  weights: Record<string, Record<string, number>> | null;
  canaryWeights: Record<string, number>;
  lastTransition: { reason: string } | null;
  decisions: Array<{ decision: string; reason: string; cluster?: string; at?: string }>;
}

describe('npm run sandbox -- --with-functions: fault a zone by hand, see fleet-dr decide', {
  timeout: 600_000,
}, () => {
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exited: Promise<number | null>;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-with-functions-'));
  const env = { ...process.env, FLEET_DR_SANDBOX_STATE: join(dir, 'state.json') };

  before(async () => {
    child = spawn(process.execPath, ['bin/sandbox.js', '--with-functions'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    exited = new Promise((r) => child.on('exit', (code) => r(code)));
    await waitFor(
      'the sandbox to say it is ready',
      () => stdout.includes('fleet-dr sandbox ready'),
      120_000,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    });
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGINT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the gateway fallback is on and how to turn it off, and prints the operator URL and key file', () => {
    assert.match(stdout, /gateway fallback: ON .*--no-gateway-fallback/);
    const url = /operator URL\s+(http:\/\/127\.0\.0\.1:\d+\/fleet-dr-operator)/.exec(stdout);
    assert.ok(url, stdout);
    const key = /operator key\s+(\S+)/.exec(stdout)?.[1];
    assert.ok(key && existsSync(key), `the key file exists: ${key}`);
    assert.match(readFileSync(key, 'utf8'), /^drill-operator:/);
    assert.match(stdout, /fleet-dr-health-check\/probe-rounds/);
    assert.match(stdout, /rules fleet-dr-probe-c-ack-az1, fleet-dr-probe-c-reg-az2 on the probe metric/);
  });

  it('fails a dead zone over, and `status` shows the decision and the weights', async () => {
    const fault = await sandboxCli(['fault', 'az1', 'dead'], env);
    assert.equal(fault.code, 0, fault.stderr);
    const state = JSON.parse(readFileSync(env.FLEET_DR_SANDBOX_STATE, 'utf8')) as ControlState;
    // The control endpoint is what `status` reads; wait on it for the committed failover.
    let last: FleetDrStatus | undefined;
    await waitFor(
      'fleet-dr to fail c-ack-az1 over',
      async () => {
        last = ((await callControl(state, 'GET', '/status')) as { fleetDr: FleetDrStatus }).fleetDr;
        return last.mode === 'failed-over' && last.canaryWeights['c-ack-az1'] === 0;
      },
      // Generous: the first health-check run includes a cold start, slow on a busy 2-core machine.
      360_000,
      500,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nlast status: ${JSON.stringify(last, null, 1)}\nstderr:\n${stderr.slice(-3000)}`,
      );
    });
    const status = await sandboxCli(['status'], env);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { gatewayFallback: boolean; fleetDr: FleetDrStatus };
    assert.equal(s.gatewayFallback, true);
    assert.equal(s.fleetDr.mode, 'failed-over');
    assert.deepEqual(s.fleetDr.weights?.['web-demo'], { 'c-ack-az1': 0, 'c-reg-az2': 100 });
    assert.match(s.fleetDr.lastTransition?.reason ?? '', /fail over from c-ack-az1/);
    // The decisions come from the audit trail, so the failover shows while the health-check invocation that
    // decided it is still running its rounds.
    const shift = s.fleetDr.decisions.find((x) => x.decision === 'shift');
    assert.ok(shift, `a shift among the decisions: ${JSON.stringify(s.fleetDr.decisions)}`);
    assert.match(shift.reason, /fail over from c-ack-az1/);
    assert.equal(shift.cluster, 'c-ack-az1');
    assert.ok(shift.at && Date.parse(shift.at) > 0, 'the decision says when');
  });

  it('stops everything on Ctrl-C and removes the state file', async () => {
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /fleet-dr sandbox stopped/);
    assert.equal(existsSync(env.FLEET_DR_SANDBOX_STATE), false);
  });
});
