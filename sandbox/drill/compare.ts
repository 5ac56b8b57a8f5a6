/**
 * fleet-dr beside the gateway's own fallback, against the gateway alone: the same fault, the same seed and
 * the same load, run twice. (A) the gateway's health fallback alone (MSE's documented TCP check, nothing else
 * reacting); (C) the same gateway with fleet-dr beside it (the CloudMonitor alarm on the zone's site probe
 * calls alarm-failover). Each run measures the fault window (failures, when traffic was last sent to the bad
 * zone) and then the heal (when traffic returned to the zone, and what fleet-dr said about it).
 *
 * Used by the end-to-end test (test/e2e/gateway-beside.test.ts) and by `npm run compare`, which prints the
 * README's positioning table from a real run.
 */

import type { ZONE_FAULTS } from '../zones/index';
import { type Drill, startDrill } from './drill-env';
import { addZoneAlarm, waitFor, warmUp } from './drill-helpers';
import { startLoad } from './load';

/** A zone fault that the comparison runs. */
export type ComparedFault = Exclude<(typeof ZONE_FAULTS)[number], 'agent-partition'>;

/** The faults, each with the options that make it bite under the load's 2 s client timeout. */
export const COMPARED_FAULTS: ReadonlyArray<{
  kind: ComparedFault;
  opts: { errorRate?: number; slowMs?: number };
}> = [
  { kind: 'dead', opts: {} },
  { kind: 'blackhole', opts: {} },
  { kind: 'slow', opts: { slowMs: 3000 } },
  { kind: 'errors', opts: { errorRate: 1 } },
];

/** What one run measured. */
export interface RunOutcome {
  /** Requests started in the fault window, and how many failed (error status, reset, timeout). */
  requests: number;
  failures: number;
  share: number;
  /** ms from the fault until the last request that reached the bad zone (or failed) started. */
  offBadZoneMs: number;
  /** fleet-dr's decision on the fault ('shift' when it moved traffic), when it ran. */
  decision?: string;
  /** ms from the heal until the first request reached the healed zone; null: not within the heal window. */
  backAfterHealMs: number | null;
  /** Failures in the heal window. */
  healFailures: number;
  /** The titles of fleet-dr's DingTalk messages, in order. */
  messages: string[];
  /** The text of a message that says the healed zone is held away, when one was sent. */
  heldAwayText?: string;
}

/** Tuning of a comparison run. */
export interface CompareOptions {
  seed?: number;
  /** The fault window (default 15 s). */
  windowMs?: number;
  /** How long traffic is watched after the heal (default 6 s). */
  healWindowMs?: number;
  concurrency?: number;
}

/** The decision in alarm-failover's HTTP answer (its body is the JSON answer). */
function decisionOf(payload: Buffer): string | undefined {
  try {
    const http = JSON.parse(payload.toString('utf8')) as { body?: string };
    return (JSON.parse(http.body ?? '{}') as { decision?: string }).decision;
  } catch {
    return undefined;
  }
}

/** Whether the rule's alarm, if it fired, has been followed by an OK whose callback was answered. */
function okDelivered(d: Drill, ruleId: string): boolean {
  const log = d.sb.cloud.cms.alertLog.filter((e) => e.ruleId === ruleId);
  const alarmed = log.findIndex((e) => e.state === 'ALERT');
  if (alarmed < 0) return true;
  return log.slice(alarmed).some((e) => e.state === 'OK' && e.delivered !== undefined);
}

/** Runs one fault once, with or without fleet-dr beside the gateway's fallback. */
export async function runOnce(
  kind: ComparedFault,
  withFleetDr: boolean,
  faultOpts: { errorRate?: number; slowMs?: number },
  o: CompareOptions = {},
): Promise<RunOutcome> {
  const windowMs = o.windowMs ?? 15_000;
  const healWindowMs = o.healWindowMs ?? 6_000;
  const d = await startDrill({ gatewayFallback: true, sandbox: { seed: o.seed ?? 11 } });
  try {
    const [A] = d.policy.clusters.map((c) => c.id);
    let ruleId: string | undefined;
    if (withFleetDr) {
      await warmUp(d);
      ruleId = addZoneAlarm(d, A!);
    }
    const load = startLoad(d.sb.gateway.url, { concurrency: o.concurrency ?? 4, timeoutMs: 2_000 });
    try {
      await waitFor('the load to run', () => load.samples.filter((s) => s.ok).length >= 40);
      const fault = Date.now();
      await d.sb.zones.fault(A!, kind, faultOpts);
      // Each window ends when a request begun after it has completed: the load's own signal, not a sleep.
      const pastWindow = (end: number) => load.samples.some((s) => s.start >= end);
      await waitFor('the fault window', () => pastWindow(fault + windowMs), windowMs + 20_000);
      const heal = Date.now();
      await d.sb.zones.fault(A!, 'heal');
      await waitFor('the heal window', () => pastWindow(heal + healWindowMs), healWindowMs + 20_000);
      const all = await load.stop();
      const inFault = all.filter((s) => s.start >= fault && s.start < heal);
      const inHeal = all.filter((s) => s.start >= heal && s.start < heal + healWindowMs);
      const failures = inFault.filter((s) => !s.ok).length;
      const lastBad = Math.max(fault, ...inFault.filter((s) => s.cluster === A || !s.ok).map((s) => s.start));
      const back = inHeal.find((s) => s.ok && s.cluster === A);
      // The held-away message rides the OK alarm after the heal. On a busy machine the heal window can end
      // before CloudMonitor evaluated the healed zone: wait for the OK callback's delivery, the engine's signal.
      if (ruleId) await waitFor('the OK alarm after the heal', () => okDelivered(d, ruleId), 30_000);
      await d.sb.cloud.fc.drain();
      await d.invoker.idle();
      const shift = d.invoker.invocations.find(
        (r) => r.functionName === 'fleet-dr-alarm-failover' && decisionOf(r.payload) === 'shift',
      );
      const sent = d.sb.cloud.dingtalk
        .messages()
        .map((m) => m.body as { actionCard?: Card; markdown?: Card });
      const cards = sent.map((b) => b.actionCard ?? b.markdown).filter((c): c is Card => !!c);
      const held = cards.find((c) => /Held away/.test(c.text));
      return {
        requests: inFault.length,
        failures,
        share: inFault.length ? failures / inFault.length : 0,
        offBadZoneMs: lastBad - fault,
        ...(shift ? { decision: 'shift' } : {}),
        backAfterHealMs: back ? back.start - heal : null,
        healFailures: inHeal.filter((s) => !s.ok).length,
        messages: cards.map((c) => c.title),
        ...(held ? { heldAwayText: held.text } : {}),
      };
    } finally {
      await load.stop();
    }
  } finally {
    await d.stop();
  }
}

interface Card {
  title: string;
  text: string;
}

/** Both configurations of one fault, on the same seed. */
export interface Comparison {
  kind: ComparedFault;
  alone: RunOutcome;
  withFleetDr: RunOutcome;
}

/** Runs a fault with the gateway alone, then with fleet-dr beside it. */
export async function compareFault(
  kind: ComparedFault,
  faultOpts: { errorRate?: number; slowMs?: number },
  o: CompareOptions = {},
): Promise<Comparison> {
  const alone = await runOnce(kind, false, faultOpts, o);
  const withFleetDr = await runOnce(kind, true, faultOpts, o);
  return { kind, alone, withFleetDr };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function healText(r: RunOutcome, withFleetDr: boolean): string {
  if (r.backAfterHealMs !== null) return `traffic back after ${secs(r.backAfterHealMs)}`;
  return withFleetDr
    ? `held away until failback${r.heldAwayText ? ', and the message says until when' : ''}`
    : 'no traffic back within the heal window';
}

/** The README's positioning table: fault × (gateway alone, with fleet-dr). */
export function positioningTable(rows: Comparison[]): string {
  const lines = [
    '| fault | failed requests: gateway alone | failed requests: with fleet-dr | traffic off the bad zone after: alone | with fleet-dr | after the heal: alone | with fleet-dr |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.kind} | ${pct(r.alone.share)} (${r.alone.failures}/${r.alone.requests}) | ${pct(r.withFleetDr.share)} (${r.withFleetDr.failures}/${r.withFleetDr.requests}) | ${secs(r.alone.offBadZoneMs)} | ${secs(r.withFleetDr.offBadZoneMs)} | ${healText(r.alone, false)} | ${healText(r.withFleetDr, true)} |`,
    );
  return lines.join('\n');
}
