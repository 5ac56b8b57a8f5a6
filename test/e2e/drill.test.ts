/**
 * `fleet-dr drill` end to end: every fault kind meets its objectives (the fleet-dr run; the gateway-alone
 * baseline is exercised once, by `npm start`), `npm start` itself exits 0 with the report written, and the
 * negative control (failover off) exits 1 naming what it missed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DRILL_FAULTS } from '../../sandbox/drill/drill-faults';
import { notificationTitles } from '../../sandbox/drill/drill-measure';
import type { DrillReport } from '../../sandbox/drill/drill-report';
import { runDrill } from '../../sandbox/drill/drill-run';
import { runCommand } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-drill-'));

/** The objectives missed, with what was measured. */
const missed = (r: DrillReport) =>
  r.objectives
    .filter((o) => !o.met)
    .map((o) => `${o.name}: ${o.measured} (target: ${o.target})`)
    .join('\n');

/** What a failure message needs to tell the host from fleet-dr: the stalls, the marks and the transitions. */
const timeline = (r: DrillReport) =>
  [
    `host stalls: ${r.hostStalls}`,
    `marks: ${r.marks.map((m) => `+${(m.t / 1000).toFixed(1)} s ${m.kind}`).join(', ')}`,
    ...r.decisions
      .filter((d) => d.decision !== 'hold')
      .map((d) => `+${(d.t / 1000).toFixed(1)} s ${d.decision}: ${d.reason.slice(0, 160)}`),
  ].join('\n');

const run = (cmd: string, args: string[]) => runCommand(cmd, args, 420_000);

describe('fleet-dr drill: each fault kind meets its objectives', { timeout: 3_000_000 }, () => {
  for (const fault of DRILL_FAULTS) {
    it(fault, { timeout: 420_000 }, async () => {
      const r = await runDrill({ fault, baseline: false });
      assert.equal(missed(r), '', `${fault} missed:\n${missed(r)}\n${timeline(r)}`);
      const transitions = r.decisions.filter((d) => d.decision !== 'hold').map((d) => d.decision);
      if (fault === 'agent-partition') {
        assert.deepEqual(transitions, [], 'a partitioned agent is no reason to move traffic');
        assert.equal(r.failedCluster, 'c-reg-az2', 'the partition is of the registered cluster');
        return;
      }
      assert.equal(
        transitions.filter((x) => x === 'shift').length,
        1,
        `one failover: ${transitions.join(', ')}`,
      );
      assert.equal(transitions.filter((x) => x === 'failback-step').length, 3, 'the ramp 10 → 50 → 100');
      assert.ok(
        r.marks.some((m) => m.kind === 'failback-step') && r.marks.some((m) => m.kind === 'heal'),
        'the chart marks the heal and the failback steps',
      );
      assert.ok(r.series.length > 10 && r.messages.flatMap(notificationTitles).length >= transitions.length);
    });
  }
});

describe('fleet-dr drill --router asm: the same objectives through the mesh', { timeout: 600_000 }, () => {
  it('blackhole, the route carried by its DestinationRule, beside the mesh alone', {
    timeout: 540_000,
  }, async () => {
    const r = await runDrill({ fault: 'blackhole', router: 'asm' });
    assert.equal(missed(r), '', `asm missed:\n${missed(r)}\n${timeline(r)}`);
    const transitions = r.decisions.filter((d) => d.decision !== 'hold').map((d) => d.decision);
    assert.equal(transitions.filter((x) => x === 'shift').length, 1, transitions.join(', '));
    assert.equal(transitions.filter((x) => x === 'failback-step').length, 3, 'the ramp 10 → 50 → 100');
    assert.deepEqual(
      r.baseline.map((b) => b.config),
      ['the mesh alone', 'fleet-dr beside the mesh'],
    );
    // The weights measured are the DestinationRule's: back at the baseline after the ramp.
    assert.deepEqual(r.final.weights, { 'c-ack-az1': 50, 'c-reg-az2': 50 });
  });
});

describe('npm start and the negative control', { timeout: 900_000 }, () => {
  it('npm start runs the blackhole drill beside the gateway-alone baseline, exits 0 and writes the report', async () => {
    const report = join(dir, 'report.html');
    const r = await run('npm', ['start', '--silent', '--', '--json', '--report', report]);
    const j = JSON.parse(r.stdout) as DrillReport;
    assert.equal(missed(j), '', `${missed(j)}\n${timeline(j)}\n${r.stderr.slice(-2000)}`);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.equal(j.passed, true);
    assert.equal(j.fault, 'blackhole');
    assert.deepEqual(
      j.baseline.map((b) => b.config),
      ['gateway alone', 'fleet-dr beside the gateway'],
    );
    assert.match(
      j.baseline[0]!.afterHeal,
      /^traffic back after/,
      'the gateway alone sends traffic back at once',
    );
    assert.match(
      j.baseline[1]!.afterHeal,
      /^held away/,
      'fleet-dr holds the healed zone away until failback',
    );
    assert.ok(existsSync(report));
    const html = readFileSync(report, 'utf8');
    assert.match(html, /id="series-count"/);
    assert.ok(html.includes(j.decisions[0]!.reason.replace(/&/g, '&amp;').slice(0, 40)), 'the timeline');
    assert.match(r.stderr, /… fault: c-ack-az1 blackhole/, 'plain progress lines when not on a TTY');
  });

  it('with failover off (the negative control) the drill exits 1 and names the objectives missed', async () => {
    const r = await run(process.execPath, [
      'bin/fleet-dr.js',
      'drill',
      '--fault',
      'slow',
      '--no-baseline',
      '--failover-off',
      '--report',
      join(dir, 'negative.html'),
    ]);
    assert.equal(r.code, 1, r.stderr.slice(-3000));
    assert.match(r.stdout, /— FAIL/);
    assert.match(r.stderr, /objectives missed: slow: detection; slow: traffic on the healthy zone/);
  });
});
