/**
 * The memory limit the health-check benchmark runs its prober under: Node inside it sees the limit (and sizes
 * V8's heap from it), and the kernel kills a process that goes over. Skipped where no cgroup can be made.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { memoryLimit } from '../../bench/memory-limit.mjs';

const probe = memoryLimit(128);
if (probe.enforced) probe.remove();
const skip = probe.enforced ? false : probe.reason;

/** Runs `node -e code` inside a fresh 128 MB limit; the child's stdout, exit signal and the cgroup's usage. */
function runLimited(code: string) {
  const limit = memoryLimit(128);
  assert.ok(limit.enforced);
  try {
    const [cmd, args] = limit.spawnArgs(process.execPath, ['-e', code]);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return { stdout: r.stdout.trim(), signal: r.signal, usage: limit.usage() };
  } finally {
    limit.remove();
  }
}

describe('bench memory limit (a memory cgroup, as a 128 MB instance)', { skip }, () => {
  it("is what Node reads as its constrained memory, and V8's heap is sized from it", () => {
    const r = runLimited(
      "console.log(process.constrainedMemory(), require('v8').getHeapStatistics().heap_size_limit)",
    );
    const [constrained, heapLimit] = r.stdout.split(' ').map(Number);
    assert.equal(constrained, 128 * 2 ** 20);
    // Unconstrained on this machine V8 allows gigabytes; inside 128 MB, a few hundred MB at most.
    assert.ok(heapLimit! < 512 * 2 ** 20, `heap limit ${heapLimit}`);
    assert.equal(r.signal, null);
    assert.equal(r.usage.limitHits, 0);
  });

  it('kills a process that goes over it, and counts the hit', () => {
    const r = runLimited(
      'const keep = []; for (let i = 0; i < 40; i++) keep.push(Buffer.alloc(8 * 2 ** 20, 1)); console.log(keep.length)',
    );
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.stdout, '');
    assert.ok(r.usage.limitHits > 0);
  });
});
