/**
 * The words of the drift check: the report `fleet-dr drift` prints and the one DingTalk message a run sends
 * (what appeared, what changed, what was repaired, what is resolved). Pure: data in, text out.
 */
import type { Notification } from '../notify/dingtalk';
import { driftKey } from './compare';
import type { Difference } from './types';

/** A difference that was reported and is gone, as the ledger remembers it. */
export interface ResolvedDrift {
  key: string;
  expected: string;
  actual: string;
}

/** What one run found, in the form the message and the CLI print. */
export interface DriftFindings {
  differences: Difference[];
  /** Keys new (or changed) in this run. */
  appeared: string[];
  resolved: ResolvedDrift[];
  /** Differences this run repaired through the pipeline (gone when read again). */
  repaired: Difference[];
  /** Why nothing was repaired, when nothing was. */
  repairSkipped?: string;
}

/** One line of a difference. */
export function differenceLine(d: Difference): string {
  const repair = d.safeToRepair ? `safe to repair (${d.repair})` : `not repaired${d.why ? `: ${d.why}` : ''}`;
  return `${driftKey(d)}: expected ${d.expected}, actual ${d.actual}${d.detail ? ` (${d.detail})` : ''}; ${repair}`;
}

/** The text report (`fleet-dr drift`). */
export function renderText(f: DriftFindings, errors: string[] = []): string {
  const lines: string[] = [];
  lines.push(f.differences.length ? `drift: ${f.differences.length} difference(s)` : 'drift: none');
  for (const d of f.differences) lines.push(`  ${differenceLine(d)}`);
  if (f.repaired.length) {
    lines.push('repaired:');
    for (const d of f.repaired) lines.push(`  ${driftKey(d)} (${d.repair})`);
  }
  if (f.repairSkipped) lines.push(`repair: ${f.repairSkipped}`);
  if (f.resolved.length) {
    lines.push('resolved:');
    for (const r of f.resolved) lines.push(`  ${r.key}`);
  }
  if (errors.length) {
    lines.push('not read (not compared):');
    for (const e of errors) lines.push(`  ${e}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The run's one DingTalk message, or undefined when nothing is new, changed, repaired or resolved. */
export function driftNotification(f: DriftFindings): Notification | undefined {
  const fresh = f.differences.filter((d) => f.appeared.includes(driftKey(d)));
  if (!fresh.length && !f.resolved.length && !f.repaired.length) return undefined;
  const parts = [
    fresh.length ? `${fresh.length} new` : '',
    f.repaired.length ? `${f.repaired.length} repaired` : '',
    f.resolved.length ? `${f.resolved.length} resolved` : '',
  ].filter(Boolean);
  const text: string[] = [`### fleet-dr drift: ${parts.join(', ')}`];
  if (fresh.length) {
    text.push('', '**New or changed**');
    for (const d of fresh) text.push(`- ${differenceLine(d)}`);
  }
  if (f.repaired.length) {
    text.push('', '**Repaired through the pipeline**');
    for (const d of f.repaired) text.push(`- ${driftKey(d)}: back to ${d.expected} (was ${d.actual})`);
  }
  if (f.repairSkipped && fresh.some((d) => d.safeToRepair)) text.push('', `Repair: ${f.repairSkipped}`);
  if (f.resolved.length) {
    text.push('', '**Resolved**');
    for (const r of f.resolved) text.push(`- ${r.key} (was ${r.actual}; expected ${r.expected})`);
  }
  const still = f.differences.length - fresh.length;
  if (still > 0)
    text.push('', `${still} difference(s) already reported are still there (fleet-dr drift lists them).`);
  return { title: `fleet-dr drift: ${parts.join(', ')}`, text: text.join('\n') };
}
