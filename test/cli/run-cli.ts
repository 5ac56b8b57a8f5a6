// Spawns bin/fleet-dr.js as a real child process; a small pool keeps the suite quick on two cores.
import { execFile } from 'node:child_process';
import type { CliIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fleet-dr <args>` from the project root. */
export function runCli(args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/fleet-dr.js', ...args],
      { cwd: ROOT, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/** Runs many invocations, `width` at a time, and returns the results in order. */
export async function runAll(jobs: string[][], width = 3): Promise<CliResult[]> {
  const results: CliResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runCli(jobs[i] ?? []);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}

/** Runs `fleet-dr <args>` through the same main() in this process (no tsx start-up per case). */
export async function inProcess(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
