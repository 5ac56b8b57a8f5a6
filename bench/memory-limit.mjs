// A memory limit for a benchmark's child process, as Function Compute gives an instance its `memorySize`: a
// memory cgroup of its own. Node reads the limit at start (libuv's uv_get_constrained_memory, cgroup v1 or v2)
// and sizes V8's heap from min(total memory, the limit) (`SetIsolateCreateParamsForNode`, nodejs/node
// src/api/environment.cc, read 2026-12-01), so a process inside the cgroup collects garbage as it would in a
// 128 MB instance, and the kernel kills it if it goes over. Unverified: how FC enforces `memorySize` (a cgroup,
// or the instance's whole memory); Node sizes V8 the same way from either.
//
// When this machine does not let us make a cgroup (no cgroup v1 `memory` hierarchy or v2 `memory` controller
// we can write), `memoryLimit()` says why and the child runs without a limit.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** This process's cgroup directory in the v1 `memory` hierarchy or the v2 unified one, with its version. */
function ownCgroup() {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, ctl]) => ctl?.split(',').includes('memory'));
  if (v1) return { version: 1, dir: join('/sys/fs/cgroup/memory', v1[2] ?? '/') };
  const v2 = lines.map((l) => l.split(':')).find(([id, ctl]) => id === '0' && ctl === '');
  if (v2) return { version: 2, dir: join('/sys/fs/cgroup', v2[2] ?? '/') };
  throw new Error('no memory cgroup in /proc/self/cgroup');
}

const mb = (bytes) => +(Number(bytes) / 2 ** 20).toFixed(1);

/**
 * Makes a child cgroup limited to `limitMb`. Returns `{ enforced: true, how, spawnArgs(cmd, args), usage(),
 * remove() }`, or `{ enforced: false, reason }` when it cannot.
 */
export function memoryLimit(limitMb) {
  let dir;
  try {
    const own = ownCgroup();
    dir = join(own.dir, `fleet-dr-bench-${process.pid}-${Date.now()}`);
    mkdirSync(dir);
    const bytes = String(limitMb * 2 ** 20);
    if (own.version === 1) writeFileSync(join(dir, 'memory.limit_in_bytes'), bytes);
    else writeFileSync(join(dir, 'memory.max'), bytes);
    const read = (f) => readFileSync(join(dir, f), 'utf8').trim();
    return {
      enforced: true,
      how: `cgroup v${own.version} memory limit of ${limitMb} MB`,
      /** `cmd args…`, started inside the cgroup (the shell moves itself in, then execs). */
      spawnArgs: (cmd, args) => [
        '/bin/sh',
        ['-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), cmd, ...args],
      ],
      /** What the kernel charged the cgroup at its peak, and how often the limit was hit. */
      usage: () =>
        own.version === 1
          ? {
              peakChargedMb: mb(read('memory.max_usage_in_bytes')),
              limitHits: Number(read('memory.failcnt')),
            }
          : {
              peakChargedMb: mb(read('memory.peak')),
              limitHits: Number(/^max (\d+)/m.exec(read('memory.events'))?.[1] ?? 0),
            },
      remove: () => rmdirSync(dir),
    };
  } catch (e) {
    try {
      if (dir) rmdirSync(dir);
    } catch {}
    return { enforced: false, reason: `no memory cgroup could be made here (${e.message})` };
  }
}
