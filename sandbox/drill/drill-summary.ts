/**
 * The drill's text output: the summary of one run, the one-table view of `--all`, the live line, and the
 * `--plan` text. Pure: a DrillReport (or a policy) in, text out.
 */
import type { Policy } from '../../shared/config';
import { initialRoutingState } from '../../shared/decision/routing-state';
import { shiftAway } from '../../shared/decision/weights';
import { notificationTitles } from './drill-measure';
import type { DrillReport } from './drill-report';
import type { LiveView } from './drill-run';

const pct = (n: number, of: number) => `${of ? ((n / of) * 100).toFixed(1) : '0.0'}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A plain-text table: a header row, a rule, the rows; columns padded to their widest cell. */
export function textTable(head: string[], rows: string[][]): string[] {
  const width = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, k) => c.padEnd(width[k]!))
      .join('  ')
      .trimEnd();
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** The summary of one drill. */
export function formatDrill(r: DrillReport, reportPath?: string): string {
  const transitions = r.decisions.filter((d) => d.decision !== 'hold');
  const holds = r.decisions.length - transitions.length;
  const lines = [
    `fleet-dr drill: ${r.fault} in ${r.zone} (${r.failedCluster}); ${r.healthyCluster} takes the traffic — ${r.passed ? 'PASS' : 'FAIL'}`,
    `seed ${r.seed}, ${r.rate} requests/s through the gateway, ${secs(r.durationMs)}; the drill's host stalls: ${r.hostStalls}`,
    `drill timers (compressed; production uses the policy's): ${Object.entries(r.timers)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    '',
    'fleet-dr vs the gateway alone (the same fault, the same load):',
    ...textTable(
      ['', 'failed requests', 'traffic off the bad zone after', 'after the heal'],
      r.baseline.map((b) => [
        b.config,
        `${pct(b.failures, b.requests)} (${b.failures}/${b.requests})`,
        secs(b.offBadZoneMs),
        b.afterHeal,
      ]),
    ).map((l) => `  ${l}`),
    '',
    'objectives:',
    ...textTable(
      ['', 'objective', 'target', 'measured'],
      r.objectives.map((o) => [o.met ? 'ok' : 'MISSED', o.name, o.target, o.measured]),
    ).map((l) => `  ${l}`),
    '',
    `decisions: ${transitions.length} transition(s), ${holds} hold(s) (every one in the report)`,
    ...transitions.map((d) => `  +${secs(d.t)}  ${d.decision}${d.by ? ` by ${d.by}` : ''}: ${d.reason}`),
    `DingTalk: ${r.messages.length} message(s)`,
    ...r.messages.map((m) => {
      const earlier = notificationTitles(m).slice(1);
      return `  +${secs(m.t)}  ${m.title}${earlier.length ? ` (it waited and also carries: ${earlier.join('; ')})` : ''}`;
    }),
    `final: mode ${r.final.mode}, canary weights ${JSON.stringify(r.final.weights)}, drift: ${r.final.drift.length ? r.final.drift.join('; ') : 'none'}`,
  ];
  if (reportPath) lines.push(`report: ${reportPath}`);
  return `${lines.join('\n')}\n`;
}

/** `--all`: one row per fault kind. */
export function formatAll(reports: DrillReport[]): string {
  const row = (r: DrillReport) => {
    const alone = r.baseline.find((b) => !b.config.startsWith('fleet-dr'));
    const mine = r.baseline.find((b) => b.config.startsWith('fleet-dr'))!;
    const missed = r.objectives.filter((o) => !o.met).map((o) => o.name);
    return [
      r.fault,
      alone ? `${pct(alone.failures, alone.requests)} (${alone.failures}/${alone.requests})` : '—',
      `${pct(mine.failures, mine.requests)} (${mine.failures}/${mine.requests})`,
      alone ? secs(alone.offBadZoneMs) : '—',
      secs(mine.offBadZoneMs),
      alone?.afterHeal ?? '—',
      mine.afterHeal,
      missed.length ? `MISSED: ${missed.join(', ')}` : 'all met',
    ];
  };
  return `${textTable(
    [
      'fault',
      'failed: alone',
      'failed: with fleet-dr',
      'off bad zone: alone',
      'with fleet-dr',
      'after heal: alone',
      'with fleet-dr',
      'objectives',
    ],
    reports.map(row),
  ).join('\n')}\n`;
}

/** The live line on a TTY. */
export function liveLine(v: LiveView): string {
  const share = Object.entries(v.share)
    .map(([c, s]) => `${c} ${(s * 100).toFixed(0).padStart(3)}%`)
    .join('  ');
  const last = v.lastDecision ? `  last: ${v.lastDecision.slice(0, 70)}` : '';
  return `${v.phase.slice(0, 60).padEnd(60)}  ${share}  errors ${(v.errorRate * 100).toFixed(0).padStart(3)}%${last}`;
}

/** `fleet-dr drill --plan`: what a practice run against this policy would do; nothing is called. */
export function formatPlan(p: Policy, fault: string, clusterId: string): string {
  const c = p.clusters.find((x) => x.id === clusterId);
  if (!c)
    throw new Error(`no cluster ${clusterId} in the policy (${p.clusters.map((x) => x.id).join(', ')})`);
  const others = p.clusters.filter((x) => x.id !== clusterId).map((x) => x.id);
  const dwell = p.failback.stepDwellSeconds ?? p.timing.minStableSecondsBeforeFailback;
  // The weights the policy's own rule computes (shared/decision/weights.ts), not a guess.
  const failover = shiftAway(p, initialRoutingState(p).weights, new Set([clusterId]), new Set(others));
  // Worst case: the fault begins just after a round; `failuresToDown` rounds later the last one times out.
  const detect =
    p.detection.failuresToDown * p.detection.probeIntervalSeconds +
    Math.max(...c.probes.map((x) => x.timeoutMs)) / 1000;
  const lines = [
    `practice run (plan only: nothing was called or written): ${fault} in ${c.zone} (${clusterId})`,
    '',
    'routes and the weights fleet-dr would write:',
    ...p.routes.map(
      (r) =>
        `  ${r.namespace}/${r.ingress} (service ${r.service}): baseline ${JSON.stringify(r.baselineWeights)} → failover ${JSON.stringify(failover?.[r.name] ?? 'none: no cluster could take the traffic')}`,
    ),
    '',
    'durations (this policy, not the drill’s compressed timers):',
    `  detection: within ${detect} s (${p.detection.failuresToDown} failed probe rounds ${p.detection.probeIntervalSeconds} s apart plus the probe timeout), then ${p.detection.confirmationsRequired} confirming source(s) before a failover`,
    `  stable window before the first failback step: ${p.timing.minStableSecondsBeforeFailback} s`,
    `  failback ramp: ${p.failback.steps.join(' → ')}% with ${dwell} s between steps (${p.failback.automatic ? 'automatic' : 'each step asked by an operator'})`,
    `  cooldown between automatic transitions: ${p.timing.cooldownSeconds} s`,
    '',
    'abort conditions:',
    `  - no failover if ${others.join(', ')} is not up (fleet-dr never moves traffic to a cluster it cannot see serving)`,
    `  - no failover while paused (${p.paused ? 'PAUSED now' : 'not paused'}) or in dry run (${p.dryRun ? 'DRY RUN now' : 'off'})`,
    `  - a failback step aborts to the failover weights if ${clusterId} regresses during the ramp`,
    '  - the practice run ends at once if the healthy zone shows errors (operator: `fleet-dr pause`)',
  ];

  return `${lines.join('\n')}\n`;
}
