/**
 * `npm run sandbox -- --with-functions`: fleet-dr's functions on the sandbox with their real triggers, so a
 * person can fault and heal zones by hand and watch fleet-dr act. It reuses `npm start`'s wiring (startDrill:
 * the local FC invoker under the deployed names, the environment a deployed function has, the HTTP front as
 * the trigger URLs) and adds what the drill does not run:
 * - CloudMonitor alarm rules on fleet-dr's probe metric, created by deploy/create-alarm-rules.ts through the
 *   real SDK against the CloudMonitor stand-in, calling alarm-failover's HTTP trigger with the token;
 * - the timers of s.yaml (health-check's probe rounds, notify's drain, the operator's ramp), every
 *   `timerSeconds` (60 as FC's cron, lower for tests), the first at once;
 * - the EventBridge stand-in with s.yaml's rules, fed by the zones' node events, delivering to cluster-event;
 * - the operator function's HTTP endpoint and a key file for `fleet-dr status`, `failback`, `shift`, `pause`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main as createAlarmRules } from '../../deploy/create-alarm-rules';
import type { Policy } from '../../shared/config';
import { deployedName } from '../../shared/runtime/handler-shell';
import { SANDBOX_ACCESS_KEY } from '../cloud/index';
import { type EventBridgeStandIn, S_YAML_PATH, startEventBridge } from '../eventbridge/index';
import type { SandboxOptions } from '../start-sandbox';
import { ALARM_FUNCTION, DRILL_OPERATOR_KEY, DRILL_TOKEN, type Drill, startDrill } from './drill-env';
import { canaryWeightsNow, committedRoutingState, warmUp } from './drill-helpers';

/** The probe timeout of the sandbox's policy with the functions. */
export const PROBE_TIMEOUT_MS = 2_000;
/** How often the health-check probes (and publishes the probe metric): above the probe timeout. */
export const PROBE_INTERVAL_SECONDS = 3;
/**
 * CloudMonitor's period for the probe-metric rules: one and a half probe intervals, so every period holds at
 * least one published point (a period without one reads INSUFFICIENT_DATA, and the rule's `Times` restarts).
 * In production the period is 60 s and the health-check publishes every probeIntervalSeconds (10 s).
 */
export const ALARM_PERIOD_MS = PROBE_INTERVAL_SECONDS * 1500;

/** A timer trigger of s.yaml. */
export interface TimerTrigger {
  functionName: string;
  triggerName: string;
  payload: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Every `triggerType: timer` trigger of s.yaml, with the function it invokes and its payload. */
export function timersFromSYaml(path = S_YAML_PATH): TimerTrigger[] {
  const doc = obj(parse(readFileSync(path, 'utf8')));
  const out: TimerTrigger[] = [];
  for (const spec of Object.values(obj(doc.resources))) {
    const props = obj(obj(spec).props);
    for (const t of (Array.isArray(props.triggers) ? props.triggers : []).map(obj)) {
      if (t.triggerType !== 'timer' || typeof props.functionName !== 'string') continue;
      const cfg = obj(t.triggerConfig);
      if (cfg.enable === false) continue;
      out.push({
        functionName: props.functionName,
        triggerName: String(t.triggerName),
        payload: typeof cfg.payload === 'string' ? cfg.payload : '',
      });
    }
  }
  return out;
}

/** Options of startSandboxFunctions. */
export interface SandboxFunctionsOptions {
  /** The gateway's own health fallback (default true: MSE's gateway always checks its endpoints). */
  gatewayFallback?: boolean;
  sandbox?: SandboxOptions;
  /** Seconds between timer invocations (default 60, FC's cron); the first fires at once. */
  timerSeconds?: number;
  /** Create the probe-metric alarm rules (default true; the deployment guide's walk creates them itself). */
  alarmRules?: boolean;
  /** Edits of the policy, after the sandbox's own (the drill compresses its timers here). */
  policy?: (p: Policy) => Policy;
}

/** One decision a function answered. */
export interface SeenDecision {
  decision: string;
  reason: string;
  rule?: string;
  cluster?: string;
  /** Who decided: fleet-dr's rule, or the operator. */
  by?: string;
  at?: string;
}

/** The functions running on a sandbox. */
export interface SandboxFunctions {
  drill: Drill;
  eventBridge: EventBridgeStandIn;
  /** The operator function's URL (`--url`, FLEET_DR_OPERATOR_URL). */
  operatorUrl: string;
  /** A file with the operator key (`--key-file`), mode 0600. */
  keyFile: string;
  /** alarm-failover's HTTP trigger, without the token. */
  alarmUrl: string;
  alarmRules: string[];
  timers: TimerTrigger[];
  /** What fleet-dr did: mode, weights on the Fleet, the last transition, the recent decisions. */
  status(): unknown;
  stop(): Promise<void>;
}

/** Starts the sandbox with the functions and their triggers. */
export async function startSandboxFunctions(o: SandboxFunctionsOptions = {}): Promise<SandboxFunctions> {
  // Production-like probe timeouts (2 s) rather than the drill's 800 ms: on a busy laptop a healthy zone's
  // probe must not time out, or every zone looks down and fleet-dr rightly holds (observer-guard).
  const drill = await startDrill({
    gatewayFallback: o.gatewayFallback ?? true,
    sandbox: { alarmPeriodMs: ALARM_PERIOD_MS, ...o.sandbox },
    policy: (p) =>
      (o.policy ?? ((x: Policy) => x))({
        ...p,
        detection: { ...p.detection, probeIntervalSeconds: PROBE_INTERVAL_SECONDS },
        clusters: p.clusters.map((c) => ({
          ...c,
          probes: c.probes.map((x) => ({ ...x, timeoutMs: PROBE_TIMEOUT_MS })),
        })),
      }),
  });
  // Stopped in reverse: the invoker is closed before the drill, so a health-check run in flight (up to a
  // minute) ends with its worker instead of holding Ctrl-C until it finishes.
  const stops: Array<() => Promise<void>> = [() => drill.stop(), () => drill.invoker.close()];
  const stopAll = async () => {
    for (const s of stops.reverse().splice(0)) await s().catch(() => undefined);
  };
  try {
    await warmUp(drill);
    const alarmUrl = drill.front.urlFor(ALARM_FUNCTION);
    const printed: string[] = [];
    const code =
      o.alarmRules === false
        ? 0
        : await createAlarmRules(
            [
              '--policy',
              drill.env.FLEET_DR_POLICY!,
              '--callback-url',
              alarmUrl,
              '--account-id',
              drill.sb.cloud.fc.accountId,
              '--sandbox-endpoint',
              drill.sb.cloud.endpoints.cms,
            ],
            {
              [drill.policy.secrets.callbackTokenEnv]: DRILL_TOKEN,
              ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
            },
            (l) => printed.push(l),
          );
    if (code !== 0) throw new Error(`alarm rules not created: ${printed.join('; ')}`);
    const alarmRules = drill.sb.cloud.cms
      .rules()
      .map((r) => r.ruleId)
      .filter((id) => id.startsWith('fleet-dr-probe-'));

    const eventBridge = startEventBridge({
      world: drill.sb.world,
      site: { region: drill.policy.region, accountId: drill.sb.cloud.fc.accountId },
      invoke: (fn, ev) => drill.invoker.invoke(fn, ev),
    });
    stops.push(() => eventBridge.stop());

    const timers = timersFromSYaml();
    const running = new Set<string>();
    const fire = (t: TimerTrigger) => {
      // FC would start an overlapping run; on a laptop one at a time per trigger is kinder and changes nothing
      // fleet-dr relies on (overlapping runs are tested elsewhere).
      if (running.has(t.triggerName)) return;
      running.add(t.triggerName);
      const event = { triggerTime: new Date().toISOString(), triggerName: t.triggerName, payload: t.payload };
      void drill.invoker
        .invoke(t.functionName, event)
        .catch(() => undefined)
        .finally(() => running.delete(t.triggerName));
    };
    const everyMs = (o.timerSeconds ?? 60) * 1000;
    const handles = timers.map((t) => {
      fire(t);
      return setInterval(() => fire(t), everyMs);
    });
    stops.push(async () => {
      for (const h of handles) clearInterval(h);
    });

    const keyFile = join(tmpdir(), `fleet-dr-sandbox-operator-${process.pid}.key`);
    writeFileSync(keyFile, `${DRILL_OPERATOR_KEY.id}:${DRILL_OPERATOR_KEY.secret}\n`, { mode: 0o600 });
    stops.push(async () => rmSync(keyFile, { force: true }));

    return {
      drill,
      eventBridge,
      operatorUrl: drill.front.urlFor(deployedName('operator')),
      keyFile,
      alarmUrl,
      alarmRules,
      timers,
      status: () => fleetDrStatus(drill),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The routing state on the Fleet, the canary weights and the last 10 decisions of the audit trail. */
export function fleetDrStatus(d: Drill): unknown {
  const state = committedRoutingState(d);
  return {
    mode: state?.mode ?? 'normal (nothing committed yet)',
    paused: state?.paused ?? null,
    weights: state?.weights ?? null,
    canaryWeights: canaryWeightsNow(d),
    incident: state?.incident ?? null,
    lastTransition: state?.lastTransition ?? null,
    failback: state?.failback ?? null,
    invocations: d.invoker.invocations.length,
    errors: d.invoker.invocations
      .filter((i) => i.error)
      .slice(-5)
      .map((i) => ({ function: i.functionName, error: `${i.error?.errorType}: ${i.error?.errorMessage}` })),
    decisions: auditedDecisions(d).slice(-10),
  };
}

/**
 * The decisions fleet-dr committed, from its audit trail (the CloudMonitor custom events the stand-in kept),
 * oldest first. Read there, not from the functions' answers: a health-check invocation decides many rounds
 * and answers only when it ends, a minute later. Audit is at-least-once, so a record seen twice shows once.
 */
export function auditedDecisions(d: Drill): SeenDecision[] {
  const seen = new Set<string>();
  const out: SeenDecision[] = [];
  for (const e of d.sb.cloud.cms.customEvents()) {
    if (seen.has(e.content)) continue;
    seen.add(e.content);
    const decision = decisionIn(e.content);
    if (decision) out.push(decision);
  }
  return out;
}

/** The newest decision of the audit trail (read from the end: the drill's live view asks four times a second). */
export function lastAuditedDecision(d: Drill): SeenDecision | undefined {
  const events = d.sb.cloud.cms.customEvents();
  for (let i = events.length - 1; i >= 0; i--) {
    const decision = decisionIn(events[i]!.content);
    if (decision) return decision;
  }
  return undefined;
}

/** The decision an audit record's content carries, or undefined for any other event. */
function decisionIn(content: string): SeenDecision | undefined {
  let c: Obj;
  try {
    c = obj(JSON.parse(content));
  } catch {
    return undefined;
  }
  if (typeof c.decision !== 'string' || typeof c.reason !== 'string') return undefined;
  return {
    decision: c.decision,
    reason: c.reason,
    ...(typeof c.rule === 'string' ? { rule: c.rule } : {}),
    ...(typeof c.cluster === 'string' ? { cluster: c.cluster } : {}),
    ...(typeof c.by === 'string' ? { by: c.by } : {}),
    ...(typeof c.at === 'string' ? { at: c.at } : {}),
  };
}
