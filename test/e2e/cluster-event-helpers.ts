/**
 * E2E helpers for the cluster-event function: the EventBridge stand-in on a drill, with s.yaml's rules, fed by
 * the zones' node events, delivering to `fleet-dr-cluster-event` through a local invoker that has the drill's
 * environment plus the debounce window under test; and the answers of its deliveries, decoded.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterEventAnswer } from '../../functions/cluster-event/handler';
import type { Drill } from '../../sandbox/drill/drill-env';
import {
  type DeliveryRecord,
  type EventBridgeStandIn,
  startEventBridge,
} from '../../sandbox/eventbridge/index';
import { createLocalInvoker, type LocalInvoker } from '../../sandbox/invoker/index';
import type { OperatorRequest } from '../../shared/decision/observations';
import { createLogger } from '../../shared/log';
import type { DecisionAnswer } from '../../shared/pipeline/answer';
import { runDecision } from '../../shared/pipeline/run-decision';
import { deployedName } from '../../shared/runtime/handler-shell';
import { wire } from '../../shared/runtime/wiring';
import { DEBOUNCE_CONFIGMAP, type DebounceWindows } from '../../shared/state/debounce-store';

const WARM_UP_EVENT = fileURLToPath(
  new URL('../../events/eventbridge-cs/config-change.json', import.meta.url),
);

/** The deployed name EventBridge invokes. */
export const CLUSTER_EVENT = deployedName('cluster-event');

/** The EventBridge stand-in on a drill, and the invoker behind it. */
export interface ClusterEvents {
  eb: EventBridgeStandIn;
  invoker: LocalInvoker;
  /** Answers of every finished delivery to cluster-event, oldest first. */
  answers(): ClusterEventAnswer[];
  /** Deliveries that ended in an invocation error. */
  failed(): DeliveryRecord[];
  /** Every check's decisions, oldest first. */
  decisions(): DecisionAnswer[];
  stop(): Promise<void>;
}

/**
 * Starts the EventBridge stand-in for a drill. The function runs in its own invoker (deployed name, the
 * drill's environment plus `FLEET_DR_EVENT_DEBOUNCE_SECONDS`), so each test chooses its window.
 */
export async function startClusterEvents(
  d: Drill,
  o: { windowSeconds: number; concurrency?: number },
): Promise<ClusterEvents> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-eb-'));
  const fnDir = join(dir, 'functions');
  mkdirSync(fnDir);
  symlinkSync(
    fileURLToPath(new URL('../../functions/cluster-event', import.meta.url)),
    join(fnDir, CLUSTER_EVENT),
    'dir',
  );
  const invoker = createLocalInvoker({
    functionsDir: fnDir,
    credentialsProvider: () => d.sb.cloud.credentials.issueStsToken(),
    region: d.policy.region,
    accountId: d.sb.cloud.fc.accountId,
    freshInstance: false,
    env: { ...d.env, FLEET_DR_EVENT_DEBOUNCE_SECONDS: String(o.windowSeconds) },
    functions: { [CLUSTER_EVENT]: { timeout: 60 } },
  });
  // A warm instance, as FC keeps one: an event the function acknowledges and ignores (no check, no write).
  const warm = await invoker.invoke(CLUSTER_EVENT, readFileSync(WARM_UP_EVENT));
  if (warm.error)
    throw new Error(`cluster-event warm-up: ${warm.error.errorType}: ${warm.error.errorMessage}`);
  const eb = startEventBridge({
    world: d.sb.world,
    site: { region: d.policy.region, accountId: d.sb.cloud.fc.accountId },
    // The drill's invoker serves the other functions (an alarm through EventBridge); ours, cluster-event.
    invoke: (fn, ev) => (fn === CLUSTER_EVENT ? invoker.invoke(fn, ev) : d.invoker.invoke(fn, ev)),
    concurrency: o.concurrency,
  });
  const mine = () => eb.bus.deliveries.filter((x) => x.functionName === CLUSTER_EVENT);
  const answers = () => mine().flatMap((x) => (x.answer ? [x.answer as ClusterEventAnswer] : []));
  return {
    eb,
    invoker,
    answers,
    failed: () => mine().filter((x) => x.error !== undefined),
    decisions: () => answers().flatMap((a) => a.check?.decisions ?? []),
    async stop() {
      await eb.stop();
      await invoker.idle();
      await invoker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The debounce windows on the Fleet, as the functions wrote them. */
export function debounceWindows(d: Drill): DebounceWindows {
  const cm = d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, DEBOUNCE_CONFIGMAP);
  const text = (cm?.data as Record<string, string> | undefined)?.['state.json'];
  return text ? (JSON.parse(text) as DebounceWindows) : { clusters: {} };
}

/** Runs an operator request through the decision pipeline, as the operator function will. */
export async function operatorRequest(
  d: Drill,
  request: Omit<OperatorRequest, 'at'>,
): Promise<DecisionAnswer> {
  const w = wire(
    d.policy,
    { requestId: `op-${request.id ?? 'test'}`, credentials: d.sb.cloud.credentials.issueStsToken() },
    d.env,
  );
  return runDecision({
    wiring: w,
    log: createLogger(`op-${request.id ?? 'test'}`),
    trigger: { kind: 'operator', request: { ...request, at: new Date().toISOString() } },
  });
}

/** The verdict a decision was made on for one cluster. */
export const verdictOf = (x: DecisionAnswer | undefined, id: string): string | undefined =>
  (x?.plan?.verdicts as Record<string, string> | undefined)?.[id];

/** The clusters the Fleet lists (the sandbox's ACK One association). */
export function fleetMembers(d: Drill): string[] {
  return [...d.sb.world.clusters.values()].filter((c) => c.attachedToFleet).map((c) => c.id);
}
