/**
 * `fleet-dr start` (`npm start`): the blackhole drill on a fresh sandbox, end to end through the real
 * functions, printed as a readable report (or `--json`). Everything it starts is stopped before it returns.
 * It lives in sandbox/drill, not shared/cli, because it starts the sandbox: the product never imports
 * sandbox/, so bin/fleet-dr.js hands this command to the product's main() (see `startCommandSpec`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CliIo, EXIT } from '../../shared/cli/io';
import type { ExtraCommand } from '../../shared/cli/main';
import { FleetDrError } from '../../shared/errors';
import type { FailoverReport } from './failover-scenario';

const STEP_NAMES: Record<string, string> = {
  alarmRaised: 'zone blackholed → CloudMonitor alarm raised',
  callbackReceived: 'alarm → callback received by alarm-failover',
  signalsGathered: 'signals gathered (probes, ACK, MSE, replicas)',
  decided: 'decided',
  committed: 'committed (conditional write on the Fleet)',
  canariesWritten: 'canary Ingresses written',
  trafficMoved: 'traffic moved (gateway propagation)',
  dingtalkDelivered: 'DingTalk delivered (after the canaries)',
};

/** The report as text. */
export function formatReport(r: FailoverReport): string {
  const q = r.requests;
  const lines = [
    `fleet-dr drill: ${r.failedCluster} blackholed, traffic failed over to ${r.healthyCluster}`,
    r.gatewayFallback
      ? "gateway: its own health fallback on (MSE's TCP check), fleet-dr beside it"
      : 'gateway: its own health fallback OFF (--no-gateway-fallback): fleet-dr alone, not a production setup',
    '',
    `decision: ${r.decision.decision} — ${r.decision.reason}`,
    `final weights: ${Object.entries(r.finalWeights)
      .map(([c, w]) => `${c}=${w}`)
      .join(', ')}`,
    '',
    'steps (ms, each after the previous):',
    ...Object.entries(r.timings).map(([k, v]) => `  ${String(v).padStart(6)}  ${STEP_NAMES[k] ?? k}`),
    '',
    'client load through the gateway (requests / failures):',
    `  before the fault  ${q.before.requests} / ${q.before.failures}`,
    `  during            ${q.during.requests} / ${q.during.failures}`,
    `  after failover    ${q.after.requests} / ${q.after.failures}`,
    '',
    `audit events: ${r.auditEvents}`,
    `DingTalk: ${r.dingtalk.length ? `${r.dingtalk.length} message(s)` : 'nothing'}`,
    ...r.dingtalk.flatMap((m) => [
      `  ${m.msgtype} "${m.title}"${m.url ? ` (button: ${m.url})` : ''}`,
      ...m.text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => `    ${l}`),
    ]),
    `total ${(r.totalMs / 1000).toFixed(1)} s`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the drill; exit 0 when the failover worked (no failures after it), 1 otherwise. */
export async function startCommand(argv: string[], io: CliIo): Promise<number> {
  let json: boolean;
  let jsonFile: string | undefined;
  let noFallback: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        'json-file': { type: 'string' },
        'no-gateway-fallback': { type: 'boolean', default: false },
      },
    });
    json = values.json;
    jsonFile = values['json-file'];
    noFallback = values['no-gateway-fallback'];
  } catch (err) {
    // A wrong argument is bad input (exit 2, one line), like every other command's.
    throw new FleetDrError(err instanceof Error ? err.message : String(err));
  }
  // Loaded here, not at the top: `fleet-dr --help` loads this module and should not pay for the sandbox.
  const { runFailoverScenario } = await import('./failover-scenario');
  if (noFallback) {
    const { NO_GATEWAY_FALLBACK_WARNING } = await import('../start-sandbox');
    io.stderr.write(`${NO_GATEWAY_FALLBACK_WARNING}\n`);
  }
  const report = await runFailoverScenario({
    gatewayFallback: !noFallback,
    log: json ? undefined : (line) => io.stderr.write(`… ${line}\n`),
  });
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  const ok = report.decision.decision === 'shift' && report.requests.after.failures === 0;
  return ok ? EXIT.ok : EXIT.internal;
}

/** `start` as main() takes it from bin/fleet-dr.js. */
export const startCommandSpec: ExtraCommand = {
  usage:
    'start [--json] [--json-file <f>] [--no-gateway-fallback]   the failover drill on a fresh sandbox (what `npm start` runs)',
  help: [
    'usage: fleet-dr start [--json] [--json-file <file>] [--no-gateway-fallback]',
    '',
    'The failover drill on a fresh local sandbox (what `npm start` runs): load through the gateway, AZ1',
    "blackholed, CloudMonitor's alarm calls alarm-failover, which fails the zone over; prints the time of each",
    'step, the load before/during/after, the decision, the final weights and the DingTalk messages (title and',
    'body). Everything it starts is stopped before it returns.',
    '  --json                 print the report as JSON on stdout (progress lines go to stderr). Through npm,',
    "                         use `npm start --silent -- --json`: npm's own banner would come first otherwise",
    '  --json-file <file>     also write the JSON report to this file (the text report still prints)',
    "  --no-gateway-fallback  turn the gateway's own health fallback off (it is ON by default, as MSE's",
    '                         gateway always checks endpoints) to study fleet-dr alone; not a production setup',
    'exit: 0 the failover worked (no failures after it), 1 otherwise, 2 bad arguments',
    '',
  ].join('\n'),
  run: startCommand,
};
