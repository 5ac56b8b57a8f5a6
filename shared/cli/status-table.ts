/** The readable form of `fleet-dr status`: a few header lines, the clusters and the routes as tables. */
import type { FleetStatus } from '../operator/status';

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

const clip = (s: string, n = 100) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function gatewayOf(c: FleetStatus['clusters'][number]): string {
  const marks: string[] = [];
  if (c.fenced) marks.push(`fenced by ${c.fenced.by}`);
  if (c.detached) marks.push(`detached by ${c.detached.by}`);
  if (c.plannedShift) marks.push(`shifted until ${c.plannedShift.until}`);
  return marks.length ? marks.join(', ') : 'admitted';
}

/** The status as text. */
export function renderStatus(s: FleetStatus): string {
  const lines: string[] = [];
  const paused = s.policy.paused
    ? 'yes (policy)'
    : s.paused
      ? `yes, by ${s.paused.by} at ${s.paused.at}${s.paused.reason ? `: ${clip(s.paused.reason, 60)}` : ''}`
      : 'no';
  lines.push(`fleet-dr status (revision ${s.revision}, read ${s.readAt})`);
  lines.push(`mode:      ${s.mode}${s.policy.dryRun ? ' (policy dryRun: nothing is written)' : ''}`);
  lines.push(`paused:    ${paused}`);
  lines.push(
    `incident:  ${s.incident ? `${s.incident.id} on ${s.incident.failedCluster}, since ${s.incident.openedAt}: ${clip(s.incident.cause)}` : 'none'}`,
  );
  const fb = s.failback;
  lines.push(
    `failback:  ${fb ? `${fb.cluster} at step ${fb.step} of ${fb.of} (${fb.weight}%) since ${fb.stepStartedAt}, ${fb.auto ? `automatic (authorised by ${fb.auto.by})` : 'manual'}` : 'none'}`,
  );
  lines.push(
    `ramp:      ${s.policy.failbackSteps.join(' → ')} %, ${s.policy.minStableSeconds} s stable window`,
  );
  lines.push('');
  lines.push(
    table([
      ['CLUSTER', 'ZONE', 'TYPE', 'VERDICT', 'SINCE', 'UP SINCE', 'GATEWAY'],
      ...s.clusters.map((c) => [
        c.id,
        c.zone,
        c.type,
        c.verdict,
        c.since ?? '-',
        c.upSince ?? '-',
        gatewayOf(c),
      ]),
    ]),
  );
  lines.push('');
  const ids = s.clusters.map((c) => c.id);
  lines.push(
    table([
      ['ROUTE', ...ids.map((id) => `${id} %`), 'SPLIT'],
      ...s.routes.map((r) => [
        `${r.namespace}/${r.ingress}`,
        ...ids.map((id) => String(r.weights[id] ?? '-')),
        s.governsSplit ? 'fleet-dr canaries' : "gateway's own (no canary written yet)",
      ]),
    ]),
  );
  lines.push('');
  const kinds = Object.entries(s.outbox.byKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  lines.push(
    `outbox:    ${s.outbox.waiting} waiting${kinds ? ` (${kinds})` : ''}${s.outbox.failing ? `, ${s.outbox.failing} failing` : ''}${s.outbox.oldest ? `, oldest ${s.outbox.oldest}` : ''}`,
  );
  lines.push(
    `dingtalk:  ${s.notifications ? `${s.notifications.pending} pending, ${s.notifications.undeliverable} undeliverable` : 'unreadable'}`,
  );
  lines.push(
    `drift:     ${s.drift ? (s.drift.reported.length ? s.drift.reported.join(', ') : 'none reported') : 'unreadable'}`,
  );
  if (s.lastTransition)
    lines.push(
      `last move: ${s.lastTransition.at} by ${s.lastTransition.by}: ${clip(s.lastTransition.reason)}`,
    );
  return `${lines.join('\n')}\n`;
}
