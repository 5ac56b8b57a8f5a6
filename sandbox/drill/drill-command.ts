/**
 * `fleet-dr drill` (what `npm start` runs): a whole zone-outage drill on a fresh local sandbox, compared with
 * the gateway's own fallback alone, with a live view, a text summary (or `--json`) and drill-report.html.
 * Exit 0 when every objective was met, 1 when one was missed (named), 2 on bad arguments.
 * `--plan` prints what a practice run against a real Fleet's policy would do, and calls nothing.
 * It lives in sandbox/drill because it starts the sandbox; bin/fleet-dr.js hands it to the product's main().
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CliIo, EXIT } from '../../shared/cli/io';
import type { ExtraCommand } from '../../shared/cli/main';
import { loadPolicy } from '../../shared/config-loader';
import { FleetDrError } from '../../shared/errors';
import { DRILL_FAULTS, type DrillFault, parseFault } from './drill-faults';
import type { DrillReport } from './drill-report';
import { formatAll, formatDrill, formatPlan, liveLine } from './drill-summary';

/** Parsed arguments. */
interface DrillArgs {
  faults: DrillFault[];
  zone?: string;
  seed: number;
  rate: number;
  json: boolean;
  report: string;
  baseline: boolean;
  failoverOff: boolean;
  router: 'mse-ingress' | 'asm';
  plan: boolean;
  config?: string;
  settings: { detectionMs?: number; shareWithinMs?: number; share?: number };
}

const num = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new FleetDrError(`--${name} must be a number from ${min} to ${max}, not ${v}`);
  return n;
};

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      fault: { type: 'string', default: 'blackhole' },
      zone: { type: 'string' },
      seed: { type: 'string', default: '7' },
      rate: { type: 'string', default: '40' },
      json: { type: 'boolean', default: false },
      report: { type: 'string', default: 'drill-report.html' },
      all: { type: 'boolean', default: false },
      plan: { type: 'boolean', default: false },
      config: { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      'failover-off': { type: 'boolean', default: false },
      router: { type: 'string', default: 'mse-ingress' },
      'detection-seconds': { type: 'string' },
      'share-within-seconds': { type: 'string' },
      'share-percent': { type: 'string' },
    },
  });
}

function parse(argv: string[]): DrillArgs {
  let values: ReturnType<typeof parseOptions>['values'];
  try {
    ({ values } = parseOptions(argv));
  } catch (err) {
    // A wrong argument is bad input (exit 2, one line), like every other command's.
    throw new FleetDrError(err instanceof Error ? err.message : String(err));
  }
  let fault: DrillFault;
  try {
    fault = parseFault(values.fault);
  } catch (err) {
    throw new FleetDrError((err as Error).message);
  }
  const detection = num('detection-seconds', values['detection-seconds'], 1, 600);
  const within = num('share-within-seconds', values['share-within-seconds'], 1, 600);
  const share = num('share-percent', values['share-percent'], 0, 100);
  const router = values.router;
  if (router !== 'mse-ingress' && router !== 'asm')
    throw new FleetDrError(`--router must be mse-ingress or asm, not ${router}`);
  return {
    faults: values.all ? [...DRILL_FAULTS] : [fault],
    zone: values.zone,
    seed: num('seed', values.seed, 0, 2 ** 31)!,
    rate: num('rate', values.rate, 1, 1000)!,
    json: values.json,
    report: values.report,
    baseline: !values['no-baseline'],
    failoverOff: values['failover-off'],
    router,
    plan: values.plan,
    config: values.config,
    settings: {
      ...(detection !== undefined ? { detectionMs: detection * 1000 } : {}),
      ...(within !== undefined ? { shareWithinMs: within * 1000 } : {}),
      ...(share !== undefined ? { share: share / 100 } : {}),
    },
  };
}

/** `drill-report.html` → `drill-report-dead.html` for one of several faults. */
const pathFor = (path: string, fault: string, many: boolean) =>
  many ? path.replace(/(\.html?)?$/, (ext) => `-${fault}${ext || '.html'}`) : path;

/** Runs the command; returns the exit code. */
export async function drillCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parse(argv);
  if (a.plan) {
    const path = a.config ?? process.env.FLEET_DR_POLICY;
    if (!path) throw new FleetDrError('--plan needs the policy: --config <policy.yaml> (or FLEET_DR_POLICY)');
    const policy = loadPolicy(path);
    const cluster =
      policy.clusters.find((c) => a.zone === undefined || [c.id, c.name, c.zone].includes(a.zone))?.id ??
      (() => {
        throw new FleetDrError(`no cluster or zone ${a.zone} in ${path}`);
      })();
    io.stdout.write(formatPlan(policy, a.faults[0]!, cluster));
    return EXIT.ok;
  }
  // Loaded here, not at the top: `fleet-dr --help` loads this module and should not pay for the sandbox.
  const { runDrill } = await import('./drill-run');
  const { renderDrillReport } = await import('./report-html');
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true && !a.json;
  const reports: DrillReport[] = [];
  for (const fault of a.faults) {
    let live = false;
    const r = await runDrill({
      fault,
      zone: a.zone,
      seed: a.seed,
      rate: a.rate,
      baseline: a.baseline,
      settings: a.settings,
      router: a.router,
      // The negative control: fleet-dr decides but is not allowed to act (dry run), so its objectives must fail.
      ...(a.failoverOff ? { policy: (p) => ({ ...p, dryRun: true }) } : {}),
      onPhase: (p) => {
        if (live) io.stderr.write('\n');
        live = false;
        io.stderr.write(`… ${p}\n`);
      },
      ...(tty
        ? {
            onTick: (v) => {
              live = true;
              io.stderr.write(`\r\x1b[2K${liveLine(v)}`);
            },
          }
        : {}),
    });
    if (live) io.stderr.write('\n');
    const path = pathFor(a.report, fault, a.faults.length > 1);
    writeFileSync(path, renderDrillReport(r));
    reports.push(r);
    if (!a.json) io.stdout.write(`${formatDrill(r, path)}\n`);
  }
  if (a.json) io.stdout.write(`${JSON.stringify(a.faults.length > 1 ? reports : reports[0], null, 2)}\n`);
  else if (reports.length > 1) io.stdout.write(formatAll(reports));
  const missed = reports.flatMap((r) =>
    r.objectives.filter((o) => !o.met).map((o) => `${r.fault}: ${o.name}`),
  );
  if (missed.length) io.stderr.write(`objectives missed: ${missed.join('; ')}\n`);
  return missed.length ? EXIT.internal : EXIT.ok;
}

/** `drill` as main() takes it from bin/fleet-dr.js. */
export const drillCommandSpec: ExtraCommand = {
  usage:
    'drill [--fault <kind>] [--all] [--json] [--report <f>] [--plan]   the zone-outage drill (what `npm start` runs)',
  help: [
    'usage: fleet-dr drill [--fault <kind>] [--zone <zone>] [--seed <n>] [--rate <req/s>] [--json] [--report <file>]',
    '                      [--all] [--no-baseline] [--failover-off] [--router mse-ingress|asm]',
    '                      [--plan --config <policy.yaml>]',
    '',
    'A whole zone-outage drill on a fresh local sandbox (what `npm start` runs): every function on its real',
    'triggers, steady load through the gateway, a zone fault, fleet-dr fails over, the zone is healed, the',
    'stable window is waited out, failback goes along the ramp by signed `fleet-dr failback --step` requests,',
    'and a drift check must find nothing. Then the same fault with the gateway’s own fallback alone.',
    'The drill’s timers are compressed (printed in the summary).',
    `  --fault <kind>       ${DRILL_FAULTS.join(', ')} (default blackhole)`,
    '  --zone <zone>        the zone, cluster id or name to fault (default the ACK one; agent-partition: the registered one)',
    '  --seed <n>           the sandbox seed (default 7);  --rate <n>  client requests per second (default 40)',
    '  --json               the report as JSON on stdout (progress on stderr; through npm: `npm start --silent -- --json`)',
    '  --report <file>      the HTML report (default drill-report.html; with --all one file per fault)',
    '  --all                every fault kind in turn, one table',
    '  --no-baseline        skip the run with the gateway alone',
    '  --router asm         the route carried by an Istio DestinationRule on the ASM control plane stand-in, the load',
    '                       through the mesh proxy from callers in both zones (baseline: the mesh alone)',
    '  --failover-off       the negative control: fleet-dr may not act (dry run); the drill must exit 1',
    '  --detection-seconds, --share-within-seconds, --share-percent   the objectives’ settings',
    '  --plan --config <f>  what a practice run against this policy would do; nothing is called',
    'exit: 0 every objective met, 1 an objective missed (named on stderr), 2 bad arguments',
    '',
  ].join('\n'),
  run: drillCommand,
};
