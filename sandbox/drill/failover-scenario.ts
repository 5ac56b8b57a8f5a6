/**
 * The blackhole drill, reusable: client load through the gateway, a zone put in `blackhole`, CloudMonitor's
 * alarm on that zone's site probe calls alarm-failover, which fails the zone over; the report has the
 * measured time of each step, the load's requests and failures before/during/after, the decision, the
 * DingTalk messages and the final weights. Used by test/e2e and by `fleet-dr start`.
 */
import type { AlarmAnswer } from '../../shared/pipeline/answer';
import { SANDBOX_DINGTALK } from '../start-sandbox';
import { type Drill, startDrill } from './drill-env';
import { addZoneAlarm, canaryWeightsNow, sleep, waitFor, warmUp } from './drill-helpers';
import { type Load, type LoadSample, startLoad } from './load';

/** Requests and failures of one phase of the load. */
export interface PhaseCounts {
  requests: number;
  failures: number;
}

/** What the drill measured. */
export interface FailoverReport {
  failedCluster: string;
  /** Whether the gateway's own health fallback was on (production) beside fleet-dr. */
  gatewayFallback: boolean;
  healthyCluster: string;
  /** ms of each step, from the fault to DingTalk (each relative to the previous step). */
  timings: Record<string, number>;
  requests: { before: PhaseCounts; during: PhaseCounts; after: PhaseCounts };
  /** Failures among the last `lastN.requests` requests of the load. */
  lastN: PhaseCounts;
  decision: AlarmAnswer;
  auditEvents: number;
  /** Each DingTalk message delivered: its type, title and markdown body (and the button's link, if any). */
  dingtalk: Array<{ msgtype: string; title: string; text: string; url?: string }>;
  finalWeights: Record<string, number>;
  totalMs: number;
}

/** Options of the scenario. */
export interface ScenarioOptions {
  log?: (line: string) => void;
  /** A drill environment to run in (default: a fresh one, stopped at the end). */
  drill?: Drill;
  /** The cluster whose zone is blackholed (default: the policy's first); the other one takes the traffic. */
  failCluster?: string;
  /**
   * The gateway's own health fallback in the drill this call starts (default true: production runs it beside
   * fleet-dr). Ignored when `drill` is given: that drill's gateway decides.
   */
  gatewayFallback?: boolean;
}

const count = (s: LoadSample[]): PhaseCounts => ({
  requests: s.length,
  failures: s.filter((x) => !x.ok).length,
});

/** Runs the blackhole scenario and returns its report. */
export async function runFailoverScenario(o: ScenarioOptions = {}): Promise<FailoverReport> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const d = o.drill ?? (await startDrill({ gatewayFallback: o.gatewayFallback ?? true }));
  let load: Load | undefined;
  try {
    const ids = d.policy.clusters.map((c) => c.id);
    const A = o.failCluster ?? ids[0]!;
    const B = ids.find((id) => id !== A)!;
    const zoneOf = (id: string) => d.policy.clusters.find((c) => c.id === id)?.zone;
    log(`sandbox up: ${A} (${zoneOf(A)}) and ${B}; warming the functions`);
    await warmUp(d);
    const ruleId = addZoneAlarm(d, A);
    const traffic = startLoad(d.sb.gateway.url, { concurrency: 4, timeoutMs: 2_000 });
    load = traffic;
    await sleep(800);
    const fault = Date.now();
    log(`blackhole ${A}`);
    await d.sb.zones.fault(A, 'blackhole');
    const alarm = await waitFor('the ALERT', () =>
      d.sb.cloud.cms.alertLog.find((e) => e.ruleId === ruleId && e.state === 'ALERT'),
    );
    log(`CloudMonitor alarm ${ruleId} ALERT after ${alarm.at - fault} ms`);
    const inv = await waitFor('the failover decision', () =>
      d.invoker.invocations.find(
        (r) => r.functionName === 'fleet-dr-alarm-failover' && decisionOf(r.payload)?.decision === 'shift',
      ),
    );
    const handlerEnd = Date.now();
    const callbackAt = handlerEnd - inv.durationMs;
    const decision = decisionOf(inv.payload)!;
    log(`alarm-failover: ${decision.decision}: ${decision.reason}`);
    const msg = await waitFor(
      'the DingTalk message',
      () => d.sb.cloud.dingtalk.messages(SANDBOX_DINGTALK.accessToken)[0],
    );
    log('DingTalk message delivered');
    // The canaries were written before the message was queued: once the gateway has read them and waited out
    // its propagation delay, every new request goes to the healthy zone. Requests already sent to the lost
    // zone hang until their timeout, so the "last 40" are 40 requests begun after that point.
    await d.sb.gateway.refresh();
    await waitFor('the gateway to apply the new weights', () => d.sb.gateway.converged(), 10_000);
    const settledFrom = Date.now();
    await waitFor(
      'traffic to settle on the healthy zone',
      () => traffic.samples.filter((s) => s.start >= settledFrom).length >= 40,
      30_000,
    );
    const samples = (await traffic.stop()).sort((a, b) => a.start - b.start);
    const lastFailure = Math.max(0, ...samples.filter((s) => !s.ok).map((s) => s.start));
    const moved = samples.find((s) => s.start > lastFailure && s.start >= callbackAt)?.start ?? handlerEnd;
    const t = decision.timings;
    const canariesAt =
      callbackAt +
      (t.converge ?? 0) +
      (t.signalsGathered ?? 0) +
      (t.committed ?? 0) +
      (t.canariesWritten ?? 0);
    const lastN = samples.slice(-40);
    return {
      failedCluster: A,
      gatewayFallback: d.sb.gateway.healthFallback(),
      healthyCluster: B,
      timings: {
        alarmRaised: alarm.at - fault,
        callbackReceived: callbackAt - alarm.at,
        signalsGathered: (t.converge ?? 0) + (t.signalsGathered ?? 0),
        decided: t.decided ?? 0,
        committed: Math.max(0, (t.committed ?? 0) - (t.decided ?? 0)),
        canariesWritten: t.canariesWritten ?? 0,
        trafficMoved: Math.max(0, moved - canariesAt),
        dingtalkDelivered: Math.max(0, msg.at - canariesAt),
      },
      requests: {
        // A request still in flight when the zone was cut off belongs to the incident, not to "before".
        before: count(samples.filter((s) => s.end < fault)),
        during: count(samples.filter((s) => s.end >= fault && s.start < moved)),
        after: count(samples.filter((s) => s.start >= moved)),
      },
      lastN: count(lastN),
      decision,
      auditEvents: d.sb.cloud.cms.customEvents().length,
      dingtalk: d.sb.cloud.dingtalk.messages(SANDBOX_DINGTALK.accessToken).map((m) => messageSummary(m.body)),
      finalWeights: canaryWeightsNow(d),
      totalMs: Date.now() - started,
    };
  } finally {
    // Stop the load before the sandbox: its loops would otherwise spin on refused connections forever.
    await load?.stop();
    if (!o.drill) await d.stop();
  }
}

function decisionOf(payload: Buffer): AlarmAnswer | undefined {
  try {
    const http = JSON.parse(payload.toString('utf8')) as { body?: string };
    return JSON.parse(http.body ?? '{}') as AlarmAnswer;
  } catch {
    return undefined;
  }
}

/** A DingTalk message body as type, title, markdown text and button link. */
export function messageSummary(body: unknown): {
  msgtype: string;
  title: string;
  text: string;
  url?: string;
} {
  type Part = { title?: string; text?: string; singleURL?: string };
  const b = body as { msgtype?: string; actionCard?: Part; markdown?: Part };
  const part = b.actionCard ?? b.markdown ?? {};
  return {
    msgtype: b.msgtype ?? '?',
    title: part.title ?? '',
    text: part.text ?? '',
    ...(part.singleURL ? { url: part.singleURL } : {}),
  };
}
