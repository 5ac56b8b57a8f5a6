/** The preflight report as a table (text) or JSON, and what it does not prove. */
import type { PreflightCheck } from './types';

/** What a preflight that passes still does not prove (docs/preflight.md says more). */
export const NOT_PROVEN = [
  "that the functions' write actions (AttachClusterToHub, PutCustomMetric, PutCustomEvent, InvokeFunction of notify) are granted: they were not called",
  'that the alarm rules fire: they were read, not triggered (and their URL is compared only with --alarm-failover-url)',
  "that the probes answer from the health-check function's network when they were asked from here (--probe-from here, or the invoke fell back: the signals rows say where)",
  'that the gateway routes a canary by its subset (service-subset) the way fleet-dr writes it: --write-test only dry-runs it, --write-test=live shows only that a weight-0 canary is accepted and stored',
  'that the DingTalk robot accepts messages, unless --notify-test sent one',
  'that a failover works end to end: a drill (sandbox/drill) or a planned shift (fleet-dr shift) shows that',
];

/** Exit code of a report: 1 when anything FAILs, else 0. */
export const exitOf = (rows: PreflightCheck[]): 0 | 1 => (rows.some((r) => r.result === 'FAIL') ? 1 : 0);

/** The counts line, e.g. `preflight: 20 PASS, 3 WARN, 0 FAIL`. */
export function summary(rows: PreflightCheck[]): string {
  const n = (r: string) => rows.filter((x) => x.result === r).length;
  return `preflight: ${n('PASS')} PASS, ${n('WARN')} WARN, ${n('FAIL')} FAIL`;
}

/** One row per check: result, name, evidence, and the fix on its own line when there is one. */
export function renderTable(rows: PreflightCheck[]): string {
  const width = Math.min(60, Math.max(...rows.map((r) => r.name.length), 5));
  const lines = [`${'RESULT'.padEnd(6)}  ${'CHECK'.padEnd(width)}  EVIDENCE`];
  for (const r of rows) {
    lines.push(`${r.result.padEnd(6)}  ${r.name.padEnd(width)}  ${r.evidence}`);
    if (r.fix) lines.push(`${''.padEnd(6)}  ${''.padEnd(width)}  fix: ${r.fix}`);
  }
  lines.push('', summary(rows), '', 'what this does not prove:', ...NOT_PROVEN.map((l) => `  - ${l}`));
  return `${lines.join('\n')}\n`;
}

/** The JSON form. */
export function renderJson(rows: PreflightCheck[]): string {
  return `${JSON.stringify({ ok: exitOf(rows) === 0, checks: rows, notProven: NOT_PROVEN }, null, 2)}\n`;
}
