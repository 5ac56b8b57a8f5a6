/**
 * `npm run sandbox` stops everything whichever process is signalled: SIGTERM to npm (what a process manager or
 * a CI job sends), SIGTERM to the node process, and Ctrl-C (SIGINT). Before the script was `exec`ed, a shell
 * stayed between npm and node and did not pass npm's SIGTERM on: node kept every port.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { portOpen } from '../sandbox/traffic-helpers';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Whether something accepts TCP connections on `url`'s port of 127.0.0.1. */
const listening = (url: string) => portOpen(Number(new URL(url).port));

/** Starts `npm run sandbox` with its own state file; resolves once it is ready. */
async function startNpmSandbox(dir: string) {
  const stateFile = join(dir, 'state.json');
  const child = spawn('npm', ['run', '--silent', 'sandbox'], {
    cwd: root,
    env: { ...process.env, FLEET_DR_SANDBOX_STATE: stateFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await waitFor('the sandbox to be ready', () => out.includes('fleet-dr sandbox ready'), 120_000, 100).catch(
    (e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n${out}`);
    },
  );
  const gateway = /fleet-dr sandbox ready: gateway (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  assert.ok(gateway, out);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid?: number };
  return { child, exited, gateway, stateFile, nodePid: state.pid, output: () => out };
}

describe('npm run sandbox stops on any signal', { timeout: 600_000 }, () => {
  for (const how of ['SIGTERM to npm', 'SIGTERM to node', 'SIGINT to npm'] as const) {
    it(how, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-stop-'));
      const s = await startNpmSandbox(dir);
      try {
        assert.ok(await listening(s.gateway), 'the gateway listens while it runs');
        if (how === 'SIGTERM to node') {
          assert.ok(s.nodePid, 'the state file names the sandbox process');
          process.kill(s.nodePid, 'SIGTERM');
        } else s.child.kill(how === 'SIGINT to npm' ? 'SIGINT' : 'SIGTERM');
        const gone = (pid: number | undefined) => {
          if (!pid) return true;
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        };
        await waitFor(
          'the sandbox to stop, free its ports and exit',
          async () => !existsSync(s.stateFile) && !(await listening(s.gateway)) && gone(s.nodePid),
          60_000,
          100,
        ).catch((e: Error) => {
          throw new Error(`${e.message}\n${s.output()}`);
        });
      } finally {
        s.child.kill('SIGKILL');
        if (s.nodePid) {
          try {
            process.kill(s.nodePid, 'SIGKILL');
          } catch {}
        }
        await s.exited;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
