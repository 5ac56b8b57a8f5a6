/** The drill's text: the summary names what was missed, the --all table, and the live line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DrillReport } from '../../sandbox/drill/drill-report';
import { formatAll, formatDrill, liveLine, textTable } from '../../sandbox/drill/drill-summary';

function report(fault: string, met: boolean): DrillReport {
  return {
    fault,
    zone: 'cn-hangzhou-h',
    failedCluster: 'c-ack-az1',
    healthyCluster: 'c-reg-az2',
    seed: 7,
    rate: 40,
    timers: { probeIntervalSeconds: 3, stepDwellSeconds: 2 },
    startedAt: '2026-11-30T18:00:00.000Z',
    durationMs: 52_000,
    hostStalls: 'none',
    clusters: ['c-ack-az1', 'c-reg-az2'],
    series: [],
    marks: [],
    decisions: [
      { t: 12_000, decision: 'shift', reason: 'fail over from c-ack-az1', by: 'automation' },
      { t: 13_000, decision: 'hold', reason: 'steady', rule: 'steady' },
    ],
    messages: [{ t: 12_100, msgtype: 'actionCard', title: 'fleet-dr: failed over from c-ack-az1', text: '' }],
    final: { weights: { 'c-ack-az1': 50, 'c-reg-az2': 50 }, mode: 'normal', drift: [] },
    baseline: [
      {
        config: 'gateway alone',
        requests: 400,
        failures: 48,
        offBadZoneMs: 12_000,
        afterHeal: 'traffic back after 3.0 s, no dwell',
      },
      {
        config: 'fleet-dr beside the gateway',
        requests: 410,
        failures: 20,
        offBadZoneMs: 6_000,
        afterHeal: 'held away',
      },
    ],
    objectives: [
      { name: 'detection', target: 'within 8.0 s', measured: 'after 6.0 s', met: true },
      { name: 'no flapping', target: 'no reversal', measured: '1 reversal(s)', met },
    ],
    passed: met,
  };
}

describe('drill text', () => {
  it('the summary shows the verdict, the compressed timers, both configurations and each missed objective', () => {
    const text = formatDrill(report('blackhole', false), 'drill-report.html');
    assert.match(
      text,
      /^fleet-dr drill: blackhole in cn-hangzhou-h \(c-ack-az1\); c-reg-az2 takes the traffic — FAIL/,
    );
    assert.match(
      text,
      /drill timers \(compressed; production uses the policy's\): probeIntervalSeconds=3, stepDwellSeconds=2/,
    );
    assert.match(text, /gateway alone\s+12\.0% \(48\/400\)\s+12\.0 s\s+traffic back after 3\.0 s/);
    assert.match(text, /fleet-dr beside the gateway\s+4\.9% \(20\/410\)\s+6\.0 s\s+held away/);
    assert.match(text, /MISSED\s+no flapping\s+no reversal\s+1 reversal\(s\)/);
    assert.match(text, /decisions: 1 transition\(s\), 1 hold\(s\)/);
    assert.match(text, /report: drill-report\.html$/m);
    assert.match(formatDrill(report('dead', true)), /— PASS/);
  });

  it('--all: one row per fault with what it missed', () => {
    const text = formatAll([report('dead', true), report('slow', false)]);
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^dead\s+12\.0% \(48\/400\)\s+4\.9% \(20\/410\).*all met$/);
    assert.match(lines[3]!, /^slow .*MISSED: no flapping$/);
  });

  it('the live line: phase, share per zone, error rate, last decision', () => {
    const line = liveLine({
      phase: 'fault: c-ack-az1 dead',
      share: { 'c-ack-az1': 0, 'c-reg-az2': 0.97 },
      errorRate: 0.03,
      lastDecision: 'shift: fail over from c-ack-az1',
    });
    assert.match(
      line,
      /^fault: c-ack-az1 dead\s+c-ack-az1\s+0%\s+c-reg-az2\s+97%\s+errors\s+3%\s+last: shift: fail over/,
    );
  });

  it('pads table columns to the widest cell', () => {
    assert.deepEqual(textTable(['a', 'bb'], [['ccc', 'd']]), ['a    bb', '---  --', 'ccc  d']);
  });
});
