/**
 * `fleet-dr start` (`npm start`): the blackhole drill on a fresh sandbox, end to end through the real
 * functions, printed as a readable report (or `--json`). Everything it starts is stopped before it returns.
 */
import { parseArgs } from 'node:util';
import { type FailoverReport, runFailoverScenario } from '../../sandbox/drill/failover-scenario';
import { type CliIo, EXIT } from './io';

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
    `DingTalk: ${r.dingtalk.map((m) => `${m.msgtype} "${m.title}"`).join('; ') || 'nothing'}`,
    `total ${(r.totalMs / 1000).toFixed(1)} s`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the drill; exit 0 when the failover worked (no failures after it), 1 otherwise. */
export async function startCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const report = await runFailoverScenario({
    log: values.json ? undefined : (line) => io.stderr.write(`… ${line}\n`),
  });
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  const ok = report.decision.decision === 'shift' && report.requests.after.failures === 0;
  return ok ? EXIT.ok : EXIT.internal;
}
