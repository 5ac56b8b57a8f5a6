// What the probe benchmarks (probe-throughput.mjs, health-check-memory.mjs) share: the probe targets, served in
// a child process of their own so their memory is not counted, and the prober, bundled as it ships and run in a
// fresh Node process that prints one JSON line.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { memoryLimit } from './memory-limit.mjs';

const PORTS = 10;

/**
 * Child mode: PORTS HTTP servers on 127.0.0.1; every `1/hanging`-th path (`/t/<i>`) accepts and never answers,
 * the others answer 200 after a latency between the bounds. Prints `{"ports":[...]}` when listening; stops
 * when stdin closes.
 */
export async function serveProbeTargets({ hanging, minLatencyMs = 0, maxLatencyMs = 0 }) {
  const hangEvery = Math.round(1 / hanging);
  const held = new Set();
  const servers = [];
  for (let p = 0; p < PORTS; p++) {
    const s = createServer((req, res) => {
      req.resume();
      const i = Number((req.url ?? '').split('/').at(-1));
      if (hangEvery > 0 && i % hangEvery === 0) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      const latency = minLatencyMs + Math.random() * (maxLatencyMs - minLatencyMs);
      if (latency > 0) setTimeout(answer, latency);
      else answer();
    });
    s.maxConnections = 10_000;
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
  }
  process.stdout.write(`${JSON.stringify({ ports: servers.map((s) => s.address().port) })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const r of held) r.destroy();
    for (const s of servers) s.closeAllConnections?.();
    process.exit(0);
  });
}

/**
 * Starts `script` with `--serve-targets` and `args` (its child mode calls serveProbeTargets); resolves with the
 * ports and `stop()` once they listen.
 */
export async function startProbeTargets(script, args) {
  const child = spawn(process.execPath, [script, '--serve-targets', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { ports } = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`targets exited (${code})`)));
  });
  return { ports, stop: () => child.stdin.end() };
}

/**
 * Bundles `contents` (TypeScript, resolved from `root`) as a function ships, runs it with `cfg` in BENCH. With
 * `memoryLimitMb`, the prober runs inside a memory cgroup of that size when this machine allows one
 * (memory-limit.mjs); the result then carries `memoryLimit` (how, the kernel's peak charge, limit hits, and
 * whether the kernel killed it).
 */
export async function runProber({ contents, root, sourcefile, outfile, cfg, memoryLimitMb }) {
  const { build } = await import('esbuild');
  const { bundleOptions } = await import('../scripts/bundle-options.mjs');
  await build({ ...bundleOptions, stdin: { contents, resolveDir: root, loader: 'ts', sourcefile }, outfile });
  const limit = memoryLimitMb ? memoryLimit(memoryLimitMb) : undefined;
  const [cmd, args] = limit?.enforced
    ? limit.spawnArgs(process.execPath, [outfile])
    : [process.execPath, [outfile]];
  try {
    return await new Promise((resolve, reject) => {
      const p = spawn(cmd, args, {
        cwd: dirname(outfile),
        env: { PATH: process.env.PATH ?? '', BENCH: JSON.stringify(cfg) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.on('data', (c) => {
        text += c;
      });
      p.on('exit', (code, signal) => {
        const memory = !limit
          ? undefined
          : limit.enforced
            ? { limitMb: memoryLimitMb, how: limit.how, ...limit.usage(), killed: signal === 'SIGKILL' }
            : { limitMb: memoryLimitMb, how: 'none', reason: limit.reason };
        if (code === 0) resolve({ ...JSON.parse(text.trim().split('\n').at(-1)), memoryLimit: memory });
        else if (memory?.killed) resolve({ killed: true, memoryLimit: memory });
        else reject(new Error(`prober exited ${code ?? signal}`));
      });
    });
  } finally {
    if (limit?.enforced) limit.remove();
  }
}
