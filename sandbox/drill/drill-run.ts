/**
 * One zone-outage drill, end to end: the sandbox with every function on its real triggers (health-check
 * timer, CloudMonitor alarm rules on the probe metric, EventBridge, notify and operator timers, the operator
 * endpoint), steady load through the gateway, a zone fault, fleet-dr's failover, the heal, the stable window,
 * the failback along the ramp by signed `fleet-dr failback --step` requests, and a forced drift check. Then
 * the same fault with the gateway's own fallback alone (the baseline). Returns the DrillReport.
 */
import { writeFileSync } from 'node:fs';
import { main as cli } from '../../shared/cli/main';
import type { Policy } from '../../shared/config';
import { SANDBOX_DINGTALK } from '../start-sandbox';
import { type Drill, startDrill } from './drill-env';
import { type DrillFault, FAULT_SPECS, type FaultSpec } from './drill-faults';
import { addZoneAlarm, committedRoutingState, messagesWaiting, sleep, waitFor } from './drill-helpers';
import {
  baselineRow,
  notificationTitles,
  type ObjectiveSettings,
  objectivesOf,
  type RunMoments,
  reversals,
  seriesOf,
} from './drill-measure';
import type { BaselineRow, DrillDecision, DrillMark, DrillMessage, DrillReport } from './drill-report';
import { messageSummary } from './failover-scenario';
import { describeStalls, watchStalls } from './host-stalls';
import { type Load, type LoadSample, startLoad } from './load';
import {
  auditedDecisions,
  lastAuditedDecision,
  PROBE_INTERVAL_SECONDS,
  PROBE_TIMEOUT_MS,
  startSandboxFunctions,
} from './sandbox-functions';
import { asmPolicy, SANDBOX_MESH_ID, type TrafficView, trafficView } from './traffic-view';

/** The drill's compressed timers (seconds), printed in the summary: production's are minutes. */
export const DRILL_TIMERS = {
  probeIntervalSeconds: PROBE_INTERVAL_SECONDS,
  probeTimeoutSeconds: PROBE_TIMEOUT_MS / 1000,
  minStableSecondsBeforeFailback: 4,
  stepDwellSeconds: 2,
  cooldownSeconds: 10,
} as const;

/** The fault is held at least this long, so the share objective has a window to be measured in. */
const HOLD_AFTER_SHARE_MS = 4_000;
/** How long traffic is watched after the heal for the baseline's "traffic back" column. */
const HEAL_WINDOW_MS = 5_000;

/** What one drill run is asked to do. */
export interface DrillRunOptions {
  fault: DrillFault;
  /** Cluster id, cluster name or zone of the faulted zone (default: the first ACK cluster; agent-partition: the registered one). */
  zone?: string;
  seed?: number;
  /** Client requests per second through the gateway. */
  rate?: number;
  settings?: Partial<ObjectiveSettings>;
  /** Also run the fault with the gateway's fallback alone (default true). */
  baseline?: boolean;
  /** Policy edits after the drill's (the negative control turns failover off). */
  policy?: (p: Policy) => Policy;
  /**
   * The traffic manager (default `mse-ingress`): `asm` carries the route by its DestinationRule on the ASM
   * control plane stand-in, the load going through the mesh proxy from callers in both zones.
   */
  router?: 'mse-ingress' | 'asm';
  /** Progress: a phase changed (plain line), and a live tick (for a TTY view) every 500 ms. */
  onPhase?: (phase: string) => void;
  onTick?: (live: LiveView) => void;
}

/** What the live view shows. */
export interface LiveView {
  phase: string;
  /** Share of the last 2 s of requests answered by each cluster, and their error rate. */
  share: Record<string, number>;
  errorRate: number;
  lastDecision?: string;
}

/** The drill's policy: compressed timers, the ramp, everything else as the sandbox's. */
export function drillPolicy(p: Policy): Policy {
  return {
    ...p,
    timing: {
      ...p.timing,
      cooldownSeconds: DRILL_TIMERS.cooldownSeconds,
      minStableSecondsBeforeFailback: DRILL_TIMERS.minStableSecondsBeforeFailback,
    },
    failback: { ...p.failback, automatic: false, stepDwellSeconds: DRILL_TIMERS.stepDwellSeconds },
  };
}

/** The policy edit for the drill's traffic manager: every route through ASM for `router: asm`. */
const routerPolicy = (o: Pick<DrillRunOptions, 'router'>) =>
  o.router === 'asm' ? asmPolicy(SANDBOX_MESH_ID) : (p: Policy) => p;

/** The baseline rows' names for the drill's traffic manager. */
const labels = (o: Pick<DrillRunOptions, 'router'>) =>
  o.router === 'asm'
    ? ({ alone: 'the mesh alone', beside: 'fleet-dr beside the mesh' } as const)
    : ({ alone: 'gateway alone', beside: 'fleet-dr beside the gateway' } as const);

/** The default objective settings for the drill's timers. */
export function defaultSettings(): ObjectiveSettings {
  return {
    detectionMs: (2 * DRILL_TIMERS.probeIntervalSeconds + DRILL_TIMERS.probeTimeoutSeconds) * 1000,
    shareWithinMs: 15_000,
    share: 0.99,
  };
}

/** Picks the faulted and the healthy cluster. */
function pickClusters(policy: Policy, spec: FaultSpec, zone?: string): { bad: string; good: string } {
  const match = (c: Policy['clusters'][number]) =>
    zone === undefined ||
    [c.id, c.name, c.zone].includes(zone) ||
    c.id.endsWith(`-${zone}`) ||
    (c.name ?? '').endsWith(`-${zone}`);
  const registered = spec.kind === 'agent-partition';
  const candidates = policy.clusters.filter(match);
  if (candidates.length === 0)
    throw new Error(
      `no cluster or zone ${zone} in the sandbox (${policy.clusters.map((c) => c.id).join(', ')})`,
    );
  const bad =
    (registered ? candidates.find((c) => c.type === 'registered') : candidates[0]) ?? candidates[0]!;
  if (registered && bad.type !== 'registered')
    throw new Error(`agent-partition applies to a registered cluster; ${bad.id} is not one`);
  const good = policy.clusters.find((c) => c.id !== bad.id)!;
  return { bad: bad.id, good: good.id };
}

/**
 * Applies the fault (flapping: its on/off script, ending faulted); resolves when the last fault is applied, with
 * the moments the zone came back in between (flapping's off phases).
 */
async function applyFault(
  d: Drill,
  cluster: string,
  spec: FaultSpec,
  marks: (kind: DrillMark['kind'], label: string) => void,
) {
  const cycles = spec.flap?.cycles ?? 0;
  const flapHeals: number[] = [];
  for (let k = 0; k < cycles; k++) {
    marks('fault', `${spec.zoneFault} (flap ${k + 1})`);
    await d.sb.zones.fault(cluster, spec.zoneFault, spec.opts);
    await sleep(spec.flap!.onMs);
    await d.sb.zones.fault(cluster, 'heal');
    flapHeals.push(Date.now());
    await sleep(spec.flap!.offMs);
  }
  marks('fault', spec.kind === 'flapping' ? `${spec.zoneFault} (stays)` : spec.kind);
  await d.sb.zones.fault(cluster, spec.zoneFault, spec.opts);
  return { lastFault: Date.now(), flapHeals };
}

/** The recent share per cluster and error rate of the load, for the live view. */
function recent(samples: LoadSample[], clusters: string[]): Pick<LiveView, 'share' | 'errorRate'> {
  const from = Date.now() - 2_000;
  const r = samples.filter((s) => s.end >= from);
  const n = r.length || 1;
  return {
    share: Object.fromEntries(clusters.map((c) => [c, r.filter((s) => s.ok && s.cluster === c).length / n])),
    errorRate: r.filter((s) => !s.ok).length / n,
  };
}

/** One signed `fleet-dr failback --step` through the CLI; answers the parsed JSON answer. */
async function failbackStep(url: string, keyFile: string, cluster: string): Promise<Record<string, unknown>> {
  let out = '';
  let err = '';
  const io = { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } };
  await cli(
    [
      'failback',
      '--cluster',
      cluster,
      '--step',
      '--reason',
      'drill: zone healed',
      '--json',
      '--url',
      url,
      '--key-file',
      keyFile,
    ],
    io,
  );
  try {
    return JSON.parse(out) as Record<string, unknown>;
  } catch {
    return { outcome: 'error', reason: (err || out).trim() };
  }
}

/** Runs the drill with fleet-dr beside the gateway; returns the report without the baseline row of the gateway alone. */
async function runWithFleetDr(
  o: DrillRunOptions,
  spec: FaultSpec,
): Promise<
  Omit<DrillReport, 'baseline' | 'objectives' | 'passed'> & { inputs: Parameters<typeof objectivesOf>[0] }
> {
  const phase = (p: string) => {
    current = p;
    o.onPhase?.(p);
  };
  let current = 'starting the sandbox and the functions';
  o.onPhase?.(current);
  const sf = await startSandboxFunctions({
    gatewayFallback: true,
    sandbox: { seed: o.seed ?? 7, ...(o.router === 'asm' ? { mesh: true } : {}) },
    policy: (p) => (o.policy ?? ((x: Policy) => x))(drillPolicy(routerPolicy(o)(p))),
  });
  const d = sf.drill;
  let load: Load | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let traffic: TrafficView | undefined;
  try {
    traffic = await trafficView(d);
    const tv = traffic;
    const clusters = d.policy.clusters.map((c) => c.id);
    const { bad, good } = pickClusters(d.policy, spec, o.zone);
    // CloudMonitor's own availability monitoring of each zone's site, alarming to alarm-failover: a vantage
    // point independent of fleet-dr's probes (an alarm on fleet-dr's probe metric is the probe source itself),
    // so a zone that only answers slowly or with 5xx, which the gateway's TCP check never sees, is confirmed.
    for (const c of clusters) addZoneAlarm(d, c);
    const marks: DrillMark[] = [];
    const t0 = Date.now();
    const mark = (kind: DrillMark['kind'], label: string) => marks.push({ t: Date.now() - t0, kind, label });
    load = startLoad(tv.url, { concurrency: 8, timeoutMs: 2_000, rate: o.rate ?? 40, headers: tv.headers });
    const l = load;
    // The bad cluster's canary weight, sampled, to count reversals (flapping) before the heal.
    const weightsSeen: number[] = [];
    // The bad cluster's committed verdict, each change once (its recoveries, for the message objective).
    const verdictsSeen: string[] = [];
    const host = watchStalls();
    let m: RunMoments | undefined;
    let lastDecision: string | undefined;
    ticker = setInterval(() => {
      const w = tv.weights()[bad];
      if (w !== undefined && w !== weightsSeen.at(-1)) weightsSeen.push(w);
      const v = committedRoutingState(d)?.verdicts[bad]?.verdict;
      if (m && m.detected === undefined && v !== undefined && v !== 'up') m.detected = Date.now();
      if (m && v !== undefined && v !== verdictsSeen.at(-1)) verdictsSeen.push(v);
      const last = lastAuditedDecision(d);
      if (last) lastDecision = `${last.decision}: ${last.reason}`;
      o.onTick?.({ phase: current, ...recent(l.samples, clusters), lastDecision });
    }, 250);
    phase('steady load through the gateway');
    await waitFor('the load to run', () => l.samples.filter((s) => s.ok).length >= 40, 60_000);
    // The health-check's first invocation loads cold: fault the zone only once its rounds publish the probe
    // metric (its own signal), or detection would be measured from before anything probed.
    const probing = Date.now();
    const metric = d.policy.detection.probeMetricNames[0];
    await waitFor(
      'the health-check to probe',
      () => d.sb.cloud.cms.metrics().some((x) => x.metricName === metric && x.timestamp >= probing),
      120_000,
      100,
    );
    const fault = Date.now();
    phase(`fault: ${bad} ${spec.kind} (${spec.describe})`);
    const { lastFault, flapHeals } = await applyFault(d, bad, spec, mark);
    m = { t0, fault, lastFault, heal: 0, flapHeals };
    const settings = { ...defaultSettings(), ...o.settings };
    const holdUntil = lastFault + settings.shareWithinMs + HOLD_AFTER_SHARE_MS;
    if (spec.expect === 'failover') {
      const moved = await waitFor(
        'fleet-dr to fail the zone over',
        () => tv.weights()[bad] === 0 || (Date.now() > holdUntil && 'timeout'),
        60_000,
        100,
      );
      if (moved === true) {
        await tv.settle();
        m.failedOver = Date.now();
        mark('decision', `failed over from ${bad}`);
        phase(`failed over to ${good}; holding the fault`);
      } else phase('no failover decided; holding the fault');
    } else phase('holding the fault (fleet-dr should hold)');
    await waitFor('the fault window', () => Date.now() >= holdUntil || undefined, 60_000, 100);
    m.heal = Date.now();
    mark('heal', `${bad} healed`);
    phase(
      `healed ${bad}; waiting out the stable window (${DRILL_TIMERS.minStableSecondsBeforeFailback} s, drill timer)`,
    );
    await d.sb.zones.fault(bad, 'heal');
    const weightsBeforeHeal = [...weightsSeen];
    if (m.failedOver !== undefined) {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const a = await failbackStep(sf.operatorUrl, sf.keyFile, bad);
        if (a.outcome === 'done') {
          m.failbackFrom ??= Date.now();
          const fb = a.failback as { step?: number; of?: number; weight?: number } | null;
          mark(
            'failback-step',
            fb ? `failback step ${fb.step}/${fb.of}: ${fb.weight}%` : 'failback complete',
          );
          phase(
            fb
              ? `failback step ${fb.step} of ${fb.of} (${fb.weight}%)`
              : 'failback complete: baseline restored',
          );
          if (!fb) break;
        } else if (Date.now() > deadline) {
          phase(`failback not completed: ${String(a.reason ?? a.outcome)}`);
          break;
        }
        const wait = typeof a.remainingSeconds === 'number' ? Math.min(a.remainingSeconds, 2) : 0.5;
        await sleep(Math.max(200, wait * 1000));
      }
      await tv.settle();
      m.failbackDone = (sf.status() as { mode?: string }).mode === 'normal' ? Date.now() : undefined;
    }
    phase('drift check');
    const drift = await forcedDriftCheck(d);
    mark('stable', drift.length ? `drift: ${drift.length}` : 'no drift');
    await sleep(1_000);
    clearInterval(ticker);
    const stalls = host.stop();
    const samples = (await l.stop()).sort((a, b) => a.start - b.start);
    const status = sf.status() as { mode: string };
    const decisions: DrillDecision[] = auditedDecisions(d).map((x) => ({
      t: Date.parse(x.at ?? '') - t0,
      decision: x.decision,
      reason: x.reason,
      ...(x.rule ? { rule: x.rule } : {}),
      ...(x.cluster ? { cluster: x.cluster } : {}),
      ...(x.by ? { by: x.by } : {}),
    }));
    await d.sb.cloud.fc.drain();
    await d.invoker.idle();
    const messages: DrillMessage[] = d.sb.cloud.dingtalk
      .messages(SANDBOX_DINGTALK.accessToken)
      .map((x) => ({ t: x.at - t0, ...messageSummary(x.body) }));
    const baselineWeights = Object.fromEntries(
      clusters.map((c) => [c, d.policy.routes[0]!.baselineWeights[c] ?? 0]),
    );
    // What the traffic manager carries: the canaries on the Fleet, or the DestinationRule's locality weights.
    const final = { weights: tv.weights(), mode: status.mode, drift, baseline: baselineWeights };
    return {
      fault: spec.kind,
      zone: d.policy.clusters.find((c) => c.id === bad)?.zone ?? bad,
      failedCluster: bad,
      healthyCluster: good,
      seed: o.seed ?? 7,
      rate: o.rate ?? 40,
      timers: { ...DRILL_TIMERS },
      startedAt: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      hostStalls: describeStalls(stalls),
      clusters,
      series: seriesOf(samples, t0, clusters, 1_000),
      marks,
      decisions,
      messages,
      final: { weights: final.weights, mode: final.mode, drift },
      inputs: {
        expect: spec.expect,
        samples,
        moments: m,
        badCluster: bad,
        healthyCluster: good,
        decisions,
        messages: messages.flatMap(notificationTitles),
        delivered: messages.length,
        waiting: messagesWaiting(d),
        weightReversals: reversals(weightsBeforeHeal),
        badVerdicts: verdictsSeen,
        stalls,
        final,
        settings,
      },
    };
  } finally {
    if (ticker) clearInterval(ticker);
    await load?.stop();
    await traffic?.stop();
    await sf.stop();
  }
}

/** Forces a drift check through the function; answers the differences as lines. */
async function forcedDriftCheck(d: Drill): Promise<string[]> {
  const limitMs = 90_000;
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    d.invoker.invoke('fleet-dr-drift-check', { force: true }),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), limitMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!r) return [`the drill's drift check did not answer within ${limitMs / 1000} s`];
  const a = JSON.parse(r.payload.toString('utf8')) as {
    differences?: Array<{ kind: string; object: string; expected: string; actual: string }>;
    errors?: string[];
  };
  if (r.error) return [`drift check failed: ${r.error.errorMessage}`];
  return [
    ...(a.differences ?? []).map((x) => `${x.kind} ${x.object}: expected ${x.expected}, actual ${x.actual}`),
    ...(a.errors ?? []).map((e) => `error: ${e}`),
  ];
}

/** The same fault with the gateway's own fallback alone: nothing of fleet-dr runs. */
async function runGatewayAlone(o: DrillRunOptions, spec: FaultSpec, bad: string) {
  const d = await startDrill({
    gatewayFallback: true,
    sandbox: { seed: o.seed ?? 7, ...(o.router === 'asm' ? { mesh: true } : {}) },
    policy: routerPolicy(o),
  });
  // The mesh alone: the team's DestinationRule (outlier detection, no distribute) and nothing of fleet-dr.
  const traffic = await trafficView(d);
  const load = startLoad(traffic.url, {
    concurrency: 8,
    timeoutMs: 2_000,
    rate: o.rate ?? 40,
    headers: traffic.headers,
  });
  try {
    await waitFor('the load to run', () => load.samples.filter((s) => s.ok).length >= 40, 60_000);
    const fault = Date.now();
    const { lastFault } = await applyFault(d, bad, spec, () => {});
    const settings = { ...defaultSettings(), ...o.settings };
    await waitFor(
      'the fault window',
      () => Date.now() >= lastFault + settings.shareWithinMs + HOLD_AFTER_SHARE_MS || undefined,
      60_000,
      100,
    );
    const heal = Date.now();
    await d.sb.zones.fault(bad, 'heal');
    await waitFor(
      'the heal window',
      () => load.samples.some((s) => s.start >= heal + HEAL_WINDOW_MS),
      HEAL_WINDOW_MS + 30_000,
      100,
    );
    const samples = await load.stop();
    return baselineRow(labels(o).alone, samples, { fault, heal }, bad, HEAL_WINDOW_MS);
  } finally {
    await load.stop();
    await traffic.stop();
    await d.stop();
  }
}

/** Runs the whole drill: fleet-dr beside the gateway, then (by default) the gateway alone. */
export async function runDrill(o: DrillRunOptions): Promise<DrillReport> {
  const spec = FAULT_SPECS[o.fault];
  const run = await runWithFleetDr(o, spec);
  const { inputs, ...report } = run;
  const mine = baselineRow(
    labels(o).beside,
    inputs.samples,
    inputs.moments,
    inputs.badCluster,
    HEAL_WINDOW_MS,
  );
  let alone: BaselineRow | undefined;
  if (o.baseline !== false) {
    o.onPhase?.(`baseline: the same fault with the ${o.router === 'asm' ? 'mesh' : 'gateway'} alone`);
    alone = await runGatewayAlone(o, spec, inputs.badCluster);
  }
  const objectives = objectivesOf(inputs);
  return {
    ...report,
    baseline: alone ? [alone, mine] : [mine],
    objectives,
    passed: objectives.every((x) => x.met),
  };
}

/** Writes the report as JSON (for `--json-file`). */
export function writeJson(path: string, r: DrillReport): void {
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
}
