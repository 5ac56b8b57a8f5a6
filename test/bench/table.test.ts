/** The README benchmark table: rows from the benchmarks' JSON, the section between the markers rewritten. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchTable, END, START, withBenchTable } from '../../bench/table.mjs';

const probe = {
  bench: 'probe-throughput',
  targets: 1000,
  hanging: 50,
  latencyMs: [20, 50],
  concurrency: 32,
  probeTimeoutMs: 1000,
  roundMs: 4149,
  timeouts: 4.15,
  lowerBoundMs: 2602,
  timeGoal: '≤ 1.5 × the probe timeout',
  timeMet: false,
  peakRssMb: 76.9,
  limitMb: 128,
  rssMet: true,
};

describe('bench table', () => {
  it('reports a goal not met with its figure, and a failed benchmark as failed', () => {
    const t = benchTable({ 'probe-throughput': probe, 'cold-start': { error: 'exited 1 after 3 s' } });
    assert.match(
      t,
      /\| probe round: 1000 targets.* \| 4149 ms \| .* \| 4\.15 timeouts \| \*\*not met\*\* \|/,
    );
    assert.match(t, /\| probe round: peak RSS \| 76\.9 MB \| < 128 MB \| 0\.60× \| met \|/);
    assert.match(t, /\| cold-start \| failed: exited 1 after 3 s \|/);
  });

  it('replaces only what is between the markers', () => {
    const readme = `# x\n\nbefore\n${START}\nold table\n${END}\nafter\n`;
    const out = withBenchTable(readme, 'new table');
    assert.equal(out, `# x\n\nbefore\n${START}\nnew table\n${END}\nafter\n`);
    assert.equal(withBenchTable(out, 'new table'), out, 'idempotent');
  });

  it('appends a Benchmarks section with the markers when they are absent', () => {
    assert.equal(withBenchTable('# x\n', 't'), `# x\n\n## Benchmarks\n\n${START}\nt\n${END}\n`);
    assert.equal(withBenchTable('# x', 't'), `# x\n\n## Benchmarks\n\n${START}\nt\n${END}\n`);
  });
});
