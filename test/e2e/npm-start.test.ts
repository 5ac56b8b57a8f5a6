import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `fleet-dr start --json` (what `npm start` runs) as a child process, as a user would. */
function runStart(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/fleet-dr.js', 'start', '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start (fleet-dr start): the drill on a fresh sandbox', { timeout: 150_000 }, () => {
  it('fails the blackholed zone over, stops the failures and reports every step', async () => {
    const r = await runStart();
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.decision.decision, 'shift', r.stdout);
    assert.deepEqual(report.finalWeights, { [report.failedCluster]: 0, [report.healthyCluster]: 100 });
    assert.equal(report.requests.after.failures, 0, r.stdout);
    assert.ok(report.requests.before.requests > 0 && report.requests.after.requests > 0, r.stdout);
    assert.equal(report.auditEvents, 1, r.stdout);
    assert.equal(report.dingtalk.length, 1, r.stdout);
    assert.equal(report.dingtalk[0].msgtype, 'actionCard');
    for (const step of Object.values(report.timings)) assert.equal(typeof step, 'number');
  });
});
