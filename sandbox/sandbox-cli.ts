/**
 * `npm run sandbox`: starts the whole sandbox and prints how to reach it; `npm run sandbox -- fault <zone>
 * <kind>`, `heal <zone>` and `status` talk to a running one through its control endpoint.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_ACCESS_KEY } from './cloud/index';
import type { SandboxFunctions } from './drill/sandbox-functions';
import {
  type ControlState,
  callControl,
  SandboxControlError,
  startControlServer,
  stateFilePath,
} from './sandbox-control';
import {
  NO_GATEWAY_FALLBACK_WARNING,
  SANDBOX_DINGTALK,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from './start-sandbox';
import { ZONE_FAULTS, type ZoneFaultOptions } from './zones/index';

const USAGE = `usage:
  npm run sandbox [-- options]          start the sandbox; Ctrl-C stops it
  npm run sandbox -- fault <zone|cluster> <${ZONE_FAULTS.join('|')}> [--control-plane up|down] [--error-rate 0.5] [--slow-ms 1500]
  npm run sandbox -- heal <zone|cluster>
  npm run sandbox -- app <application> [--sync Synced|OutOfSync|Unknown] [--health Healthy|Degraded|...]
                                        set an Argo CD Application's status on the Fleet, as its controller would
  npm run sandbox -- detach <cluster>   detach a cluster from the Fleet as the console does (no event is sent)
  npm run sandbox -- status             zones, faults, gateway totals; with --with-functions also fleet-dr's mode,
                                        weights and recent decisions

start options:
  --with-functions           run fleet-dr's functions with their real triggers: alarm rules on the probe metric ->
                             alarm-failover, s.yaml's timers (health-check, notify, operator), EventBridge ->
                             cluster-event, the operator HTTP endpoint (prints its URL and a key file)
  --timer-seconds N          with --with-functions: seconds between timer invocations (default 60, FC's cron)
  --no-gateway-fallback      turn the gateway's own health fallback OFF (it is ON by default, as MSE's gateway
                             always checks its endpoints) to study fleet-dr alone; not a production setup
  --propagation-delay-ms N   gateway config propagation delay (default 2000; 400 with --with-functions)
  --readiness-lag-ms N       how long a dead zone's pods stay ready (default 40000; 60000 with --with-functions)
  --policy PATH              the policy (default deploy/policy.yaml)
  --help                     this text

<zone> is a zone (cn-hangzhou-h), a cluster id (c-ack-az1), a cluster name (ack-az1) or its last part (az1).
The running sandbox's control URL and token are in ${'$'}{FLEET_DR_SANDBOX_STATE:-$TMPDIR/fleet-dr-sandbox.json}.`;

/** The line that says whether the gateway's own fallback is on, and how to change it. */
export function gatewayFallbackLine(on: boolean): string {
  return on
    ? "gateway fallback: ON (the default, as in production: MSE's gateway routes around endpoints its own health " +
        'check fails, so a `dead` or `blackhole` zone moves even without fleet-dr; a `slow` or 5xx zone passes it). ' +
        'To see fleet-dr alone: npm run sandbox -- --no-gateway-fallback'
    : 'gateway fallback: OFF (--no-gateway-fallback): only fleet-dr moves traffic; not a production setup';
}

/** Runs the CLI; resolves with the exit code (for `start`, after Ctrl-C/SIGTERM has stopped everything). */
export async function main(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const [cmd = 'start', ...rest] = argv[0]?.startsWith('--') ? ['start', ...argv] : argv;
  if (cmd === 'help' || argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  try {
    switch (cmd) {
      case 'start':
        return await runSandbox(rest, out);
      case 'fault':
      case 'heal': {
        const [zone, kind] = cmd === 'heal' ? [rest[0], 'heal'] : rest;
        if (!zone || !kind) throw new SandboxControlError(USAGE);
        const body = { zone, kind, options: faultOptions(rest.slice(cmd === 'heal' ? 1 : 2)) };
        out(JSON.stringify(await callControl(readState(), 'POST', '/fault', body), null, 2));
        return 0;
      }
      case 'app': {
        const [name] = rest;
        const sync = flag(rest, '--sync');
        const health = flag(rest, '--health');
        if (!name || (!sync && !health)) throw new SandboxControlError(USAGE);
        out(
          JSON.stringify(await callControl(readState(), 'POST', '/argocd', { name, sync, health }), null, 2),
        );
        return 0;
      }
      case 'detach': {
        if (!rest[0]) throw new SandboxControlError(USAGE);
        out(JSON.stringify(await callControl(readState(), 'POST', '/detach', { cluster: rest[0] }), null, 2));
        return 0;
      }
      case 'status':
        out(JSON.stringify(await callControl(readState(), 'GET', '/status'), null, 2));
        return 0;
      default:
        throw new SandboxControlError(`unknown command ${cmd}\n${USAGE}`);
    }
  } catch (err) {
    console.error(err instanceof SandboxControlError ? err.message : err);
    return 1;
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function num(args: string[], name: string): number | undefined {
  const v = flag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new SandboxControlError(`${name} needs a number, got ${v}`);
  return n;
}

function faultOptions(args: string[]): ZoneFaultOptions {
  const cp = flag(args, '--control-plane');
  if (cp !== undefined && cp !== 'up' && cp !== 'down')
    throw new SandboxControlError('--control-plane is up or down');
  return { controlPlane: cp, errorRate: num(args, '--error-rate'), slowMs: num(args, '--slow-ms') };
}

function readState(): ControlState {
  try {
    return JSON.parse(readFileSync(stateFilePath(), 'utf8')) as ControlState;
  } catch {
    throw new SandboxControlError(
      `no running sandbox (${stateFilePath()} not found): start one with \`npm run sandbox\``,
    );
  }
}

const START_FLAGS = new Set(['--with-functions', '--no-gateway-fallback', '--no-health-fallback']);
const START_VALUES = new Set(['--timer-seconds', '--propagation-delay-ms', '--readiness-lag-ms', '--policy']);

async function runSandbox(args: string[], out: (s: string) => void): Promise<number> {
  for (let i = 0; i < args.length; i++) {
    if (START_VALUES.has(args[i]!)) i++;
    else if (!START_FLAGS.has(args[i]!))
      throw new SandboxControlError(`unknown argument ${args[i]}\n${USAGE}`);
  }
  // Only what was given: an undefined value would override the defaults of startDrill.
  const given = <T>(k: string, v: T | undefined) => (v === undefined ? {} : { [k]: v });
  const opts: SandboxOptions = {
    ...given('policyPath', flag(args, '--policy')),
    ...given('propagationDelayMs', num(args, '--propagation-delay-ms')),
    ...given('readinessLagMs', num(args, '--readiness-lag-ms')),
    // --no-health-fallback: the old name of the flag.
    ...given(
      'healthFallback',
      args.includes('--no-gateway-fallback') || args.includes('--no-health-fallback') ? false : undefined,
    ),
  };
  const fallback = opts.healthFallback !== false;
  if (!fallback) console.error(NO_GATEWAY_FALLBACK_WARNING);
  const withFunctions = args.includes('--with-functions');
  let fns: SandboxFunctions | undefined;
  let sb: Sandbox;
  if (withFunctions) {
    // Loaded only here: the plain sandbox does not pay for the functions' modules.
    const { startSandboxFunctions } = await import('./drill/sandbox-functions');
    fns = await startSandboxFunctions({
      gatewayFallback: fallback,
      sandbox: opts,
      timerSeconds: num(args, '--timer-seconds'),
    });
    sb = fns.drill.sb;
  } else sb = await startSandbox(opts);
  const control = await startControlServer(sb, fns ? { fleetDr: () => fns.status() } : undefined);
  const statePath = stateFilePath();
  const policyPath = join(tmpdir(), `fleet-dr-sandbox-policy-${process.pid}.json`);
  const state: ControlState = {
    pid: process.pid,
    controlUrl: control.url,
    token: control.token,
    gatewayUrl: sb.gateway.url,
  };
  writeFileSync(statePath, JSON.stringify(state), { mode: 0o600 });
  writeFileSync(policyPath, JSON.stringify(sb.policy, null, 2));
  printEndpoints(sb, control.url, policyPath, out, fns);
  out(gatewayFallbackLine(fallback));
  out(`fleet-dr sandbox ready: gateway ${sb.gateway.url}`);
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  out('fleet-dr sandbox stopping');
  await control.stop();
  if (fns) await fns.stop();
  else await sb.stop();
  rmSync(statePath, { force: true });
  rmSync(policyPath, { force: true });
  out('fleet-dr sandbox stopped');
  return 0;
}

function printEndpoints(
  sb: Sandbox,
  controlUrl: string,
  policyPath: string,
  out: (s: string) => void,
  fns?: SandboxFunctions,
): void {
  const rows: Array<[string, string]> = [
    ['Fleet API', `${sb.fleet.url}  kubeconfig ${sb.fleet.kubeconfigPath}`],
    ...[...sb.members].map(([id, m]): [string, string] => [
      `member ${id}`,
      `${m.url}  kubeconfig ${m.kubeconfigPath}`,
    ]),
    ...Object.entries(sb.cloud.openapi).map(([product, l]): [string, string] => [
      `cloud OpenAPI ${product}`,
      `${l.url}  (endpoint ${l.endpoint}: ${product} only)`,
    ]),
    ['FLEET_DR_ENDPOINTS', `'${JSON.stringify(sb.cloud.endpoints)}'`],
    ['Function Compute', sb.cloud.fc.url],
    [
      'DingTalk robot',
      `${sb.cloud.dingtalk.url}  token ${SANDBOX_DINGTALK.accessToken}  secret ${SANDBOX_DINGTALK.secret}`,
    ],
    [
      'access key',
      `ALIBABA_CLOUD_ACCESS_KEY_ID=${SANDBOX_ACCESS_KEY.accessKeyId} ALIBABA_CLOUD_ACCESS_KEY_SECRET=${SANDBOX_ACCESS_KEY.accessKeySecret}`,
    ],
    ...sb.zones.list.map((z): [string, string] => [`zone ${z.name}`, `${z.cluster.id}  probe ${z.probeUrl}`]),
    ['sandbox policy', policyPath],
    ['control', `${controlUrl}  (npm run sandbox -- fault <zone> <kind> | heal <zone> | status)`],
    ['gateway', sb.gateway.url],
    ...(fns ? functionRows(fns) : []),
  ];
  out('fleet-dr sandbox');
  for (const [k, v] of rows) out(`  ${k.padEnd(18)} ${v}`);
  if (fns) {
    out('');
    out('fleet-dr functions are running. Try:');
    out('  npm run sandbox -- fault az1 dead        # then watch:');
    out('  npm run sandbox -- status                # fleetDr: mode, weights, decisions');
    out(`  FLEET_DR_OPERATOR_URL=${fns.operatorUrl} npx fleet-dr status --key-file ${fns.keyFile}`);
    out('  npm run sandbox -- heal az1');
  }
}

function functionRows(fns: SandboxFunctions): Array<[string, string]> {
  return [
    [
      'functions',
      'every function of s.yaml, in the local FC invoker under its deployed name (fleet-dr-<folder>)',
    ],
    [
      'policy in use',
      `${fns.drill.env.FLEET_DR_POLICY}  (2 failures to down, probes every 3 s with a 2 s timeout; CloudMonitor period 4.5 s)`,
    ],
    ['alarm-failover', `${fns.alarmUrl}?token=…  (rules ${fns.alarmRules.join(', ')} on the probe metric)`],
    ['timers', fns.timers.map((t) => `${t.functionName}/${t.triggerName}`).join(', ')],
    [
      'EventBridge',
      "default bus with the rules of s.yaml, fed by the zones' node events -> fleet-dr-cluster-event",
    ],
    ['operator URL', `${fns.operatorUrl}  (FLEET_DR_OPERATOR_URL)`],
    ['operator key', `${fns.keyFile}  (--key-file; signing key of operator drill-operator, all verbs)`],
  ];
}
