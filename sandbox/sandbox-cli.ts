/**
 * `npm run sandbox`: starts the whole sandbox and prints how to reach it; `npm run sandbox -- fault <zone>
 * <kind>`, `heal <zone>` and `status` talk to a running one through its control endpoint.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_ACCESS_KEY } from './cloud/index';
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
  npm run sandbox [-- --propagation-delay-ms N] [--readiness-lag-ms N] [--no-gateway-fallback] [--policy PATH]
  npm run sandbox -- fault <zone|cluster> <${ZONE_FAULTS.join('|')}> [--control-plane up|down] [--error-rate 0.5] [--slow-ms 1500]
  npm run sandbox -- heal <zone|cluster>
  npm run sandbox -- status`;

/** Runs the CLI; resolves with the exit code (for `start`, after Ctrl-C/SIGTERM has stopped everything). */
export async function main(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const [cmd = 'start', ...rest] = argv[0]?.startsWith('--') ? ['start', ...argv] : argv;
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
      case 'status':
        out(JSON.stringify(await callControl(readState(), 'GET', '/status'), null, 2));
        return 0;
      case 'help':
      case '--help':
        out(USAGE);
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

async function runSandbox(args: string[], out: (s: string) => void): Promise<number> {
  const opts: SandboxOptions = {
    policyPath: flag(args, '--policy'),
    propagationDelayMs: num(args, '--propagation-delay-ms'),
    readinessLagMs: num(args, '--readiness-lag-ms'),
    // --no-health-fallback: the old name of the flag.
    healthFallback:
      args.includes('--no-gateway-fallback') || args.includes('--no-health-fallback') ? false : undefined,
  };
  if (opts.healthFallback === false) console.error(NO_GATEWAY_FALLBACK_WARNING);
  const sb = await startSandbox(opts);
  const control = await startControlServer(sb);
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
  printEndpoints(sb, control.url, policyPath, out);
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  out('fleet-dr sandbox stopping');
  await control.stop();
  await sb.stop();
  rmSync(statePath, { force: true });
  rmSync(policyPath, { force: true });
  out('fleet-dr sandbox stopped');
  return 0;
}

function printEndpoints(sb: Sandbox, controlUrl: string, policyPath: string, out: (s: string) => void): void {
  const rows: Array<[string, string]> = [
    ['Fleet API', `${sb.fleet.url}  kubeconfig ${sb.fleet.kubeconfigPath}`],
    ...[...sb.members].map(([id, m]): [string, string] => [
      `member ${id}`,
      `${m.url}  kubeconfig ${m.kubeconfigPath}`,
    ]),
    ['cloud OpenAPI', `${sb.cloud.openapi.url}  (endpoint ${sb.cloud.openapi.endpoint}: cs, adcp, mse, cms)`],
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
  ];
  out('fleet-dr sandbox');
  for (const [k, v] of rows) out(`  ${k.padEnd(18)} ${v}`);
  out(`fleet-dr sandbox ready: gateway ${sb.gateway.url}`);
}
