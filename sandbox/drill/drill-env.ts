/**
 * A sandbox wired for fleet-dr's functions: the whole simulated fleet (the gateway's own health fallback
 * off unless `gatewayFallback: true`: this harness studies fleet-dr alone; production runs both, and
 * `fleet-dr start` and the failover scenario turn it on), a
 * fast test policy written to a temporary file, the local FC invoker running functions/<folder>/handler.ts
 * under the deployed names (`fleet-dr-<folder>`, as s.yaml names them) with the environment a deployed
 * function has (endpoints pointing at the stand-ins), registered as the FC stand-in's dispatcher, and its
 * HTTP front as the alarm callback URL.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../../shared/config';
import { deployedName } from '../../shared/runtime/handler-shell';
import type { HttpFront } from '../invoker/http-front';
import { createLocalInvoker, type LocalInvoker } from '../invoker/index';
import { SANDBOX_DINGTALK, type Sandbox, type SandboxOptions, startSandbox } from '../start-sandbox';

/** The callback token the drill configures. */
export const DRILL_TOKEN = 'drill-callback-token-0123456789';

/** The operator key the drill configures (`<keyId>:<secret>` for the CLI; owner `drill-operator`, every verb). */
export const DRILL_OPERATOR_KEY = { id: 'drill-operator', secret: 'drill-operator-secret-0123456789abcdef' };

/** Options of startDrill. */
export interface DrillOptions {
  /** Fresh module instance per invocation (default false: warm instances, as FC reuses them). */
  freshInstance?: boolean;
  /** Edits of the fast test policy (e.g. dryRun, paused). */
  policy?: (p: Policy) => Policy;
  sandbox?: SandboxOptions;
  /**
   * The gateway's own health fallback (MSE's, always on in production). Default false here, so the e2e tests
   * built on this harness see what fleet-dr alone does; `sandbox.healthFallback` overrides it.
   */
  gatewayFallback?: boolean;
  /** Keep the functions' JSON log lines off stdout (default true). */
  quiet?: boolean;
}

/** A running drill environment. */
export interface Drill {
  sb: Sandbox;
  policy: Policy;
  env: Record<string, string>;
  invoker: LocalInvoker;
  front: HttpFront;
  /** The alarm callback URL with the token. */
  callbackUrl: string;
  /** Another invoker on the same sandbox, with an edited policy (dryRun, paused) or fresh instances. */
  invokerWith(o: { policy?: (p: Policy) => Policy; freshInstance?: boolean }): LocalInvoker;
  stop(): Promise<void>;
}

const FUNCTIONS_DIR = fileURLToPath(new URL('../../functions', import.meta.url));

/** The deployed name (s.yaml `functionName`) of alarm-failover: the invoker and the HTTP front use it. */
export const ALARM_FUNCTION = deployedName('alarm-failover');
/** The deployed name of notify (FLEET_DR_NOTIFY_FUNCTION). */
export const NOTIFY_FUNCTION = deployedName('notify');

/**
 * The invoker finds a function by folder name; FC knows it by its deployed name (`fleet-dr-<folder>`). Lays
 * out one link per deployed name to its folder under functions/, so the drill invokes what s.yaml deploys.
 */
function deployedFunctionsDir(dir: string): string {
  const out = join(dir, 'functions');
  mkdirSync(out);
  for (const e of readdirSync(FUNCTIONS_DIR, { withFileTypes: true }))
    if (e.isDirectory() && existsSync(join(FUNCTIONS_DIR, e.name, 'handler.ts')))
      symlinkSync(join(FUNCTIONS_DIR, e.name), join(out, deployedName(e.name)), 'dir');
  return out;
}

/**
 * The sandbox policy with short timers for tests and drills. The probe timeout stays well above what a
 * busy 2-core machine needs to answer a healthy probe (a false "down" of the healthy zone would make the
 * drill hold for want of a target), while a blackholed probe still fails in under a second.
 */
export function fastPolicy(p: Policy, gatewayId?: string): Policy {
  return {
    ...p,
    fleet: { ...p.fleet, gatewayId: gatewayId ?? p.fleet.gatewayId },
    clusters: p.clusters.map((c) => ({ ...c, probes: c.probes.map((x) => ({ ...x, timeoutMs: 800 })) })),
    detection: { ...p.detection, failuresToDown: 2, successesToUp: 2 },
  };
}

/** Starts the sandbox, writes the policy, wires the invoker; `stop()` undoes all of it. */
export async function startDrill(o: DrillOptions = {}): Promise<Drill> {
  const sb = await startSandbox({
    alarmPeriodMs: 800,
    propagationDelayMs: 400,
    healthFallback: o.gatewayFallback ?? false,
    readinessLagMs: 60_000,
    upstreamTimeoutMs: 2_000,
    ...o.sandbox,
  });
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-drill-'));
  let invoker: LocalInvoker | undefined;
  try {
    const policy = (o.policy ?? ((x) => x))(fastPolicy(sb.policy, sb.cloud.mse.gateways[0]?.gatewayUniqueId));
    const policyPath = join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(policy, null, 2));
    const env: Record<string, string> = {
      FLEET_DR_POLICY: policyPath,
      FLEET_DR_ENDPOINTS: JSON.stringify(sb.cloud.endpoints),
      FLEET_DR_NOTIFY_FUNCTION: NOTIFY_FUNCTION,
      FLEET_DR_PROBE_SPACING_MS: '100',
      ...(o.quiet === false ? {} : { FLEET_DR_LOG: 'off' }),
      [policy.secrets.callbackTokenEnv]: DRILL_TOKEN,
      [policy.secrets.operatorHmacKeysEnv]:
        `${DRILL_OPERATOR_KEY.id}:drill-operator:${DRILL_OPERATOR_KEY.secret}:*`,
      [policy.notify.dingtalk.accessTokenEnv]: SANDBOX_DINGTALK.accessToken,
      ...(policy.notify.dingtalk.secretEnv
        ? { [policy.notify.dingtalk.secretEnv]: SANDBOX_DINGTALK.secret }
        : {}),
      // The Kubernetes stand-ins use a self-signed CA that is inside their kubeconfigs; nothing else needed.
    };
    const invokers: LocalInvoker[] = [];
    const functionsDir = deployedFunctionsDir(dir);
    const make = (fresh: boolean, fnEnv: Record<string, string>) => {
      const i = createLocalInvoker({
        functionsDir,
        credentialsProvider: () => sb.cloud.credentials.issueStsToken(),
        region: policy.region,
        accountId: sb.cloud.fc.accountId,
        freshInstance: fresh,
        env: fnEnv,
        httpFunctions: [ALARM_FUNCTION, deployedName('operator')],
        functions: { [ALARM_FUNCTION]: { timeout: 60 }, [NOTIFY_FUNCTION]: { timeout: 60 } },
      });
      invokers.push(i);
      return i;
    };
    const inv = make(o.freshInstance ?? false, env);
    invoker = inv;
    let extra = 0;
    const invokerWith: Drill['invokerWith'] = (x) => {
      extra += 1;
      const path = join(dir, `policy-${extra}.json`);
      writeFileSync(path, JSON.stringify((x.policy ?? ((p) => p))(policy), null, 2));
      return make(x.freshInstance ?? false, { ...env, FLEET_DR_POLICY: path });
    };
    sb.cloud.fc.setDispatcher(inv.dispatcher);
    const front = await inv.listen();
    const callbackUrl = `${front.urlFor(ALARM_FUNCTION)}?token=${DRILL_TOKEN}`;
    return {
      sb,
      policy,
      env,
      invoker: inv,
      front,
      callbackUrl,
      invokerWith,
      stop: async () => {
        for (const i of invokers) {
          await i.idle().catch(() => undefined);
          await i.close();
        }
        await sb.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await invoker?.close();
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
