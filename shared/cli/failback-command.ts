/**
 * `fleet-dr failback --cluster <id> (--step | --auto | --dry-run | --abort) [--reason <text>] [--to-step <n>]`:
 * one signed POST /failback. `--step` takes the next ramp step (`--to-step n` says which one you mean: if the
 * ramp moved on meanwhile, the request is refused); `--auto` starts an automatic ramp and follows it until it
 * completes or aborts (`--no-follow` returns at once); `--dry-run` says what the next step would do.
 * Exit 0 done, 1 refused or aborted (the reason printed), 2 bad usage.
 */
import type { FailbackBody, FailbackMode } from '../operator/api';
import type { FleetStatus } from '../operator/status';
import { type Flags, parseFlags, targetFlags } from './args';
import { type CliIo, EXIT } from './io';
import { type OperatorTarget, targetOf, UsageError } from './operator-client';
import { exitFor, printEdgeRefusal, requestOrExit, waitNote, weightsLine } from './operator-output';

export const FAILBACK_USAGE =
  'usage: fleet-dr failback --cluster <id> (--step | --auto | --dry-run | --abort) [--reason <text>] [--to-step <n>]\n' +
  '                         [--no-follow] [--poll <s>] [--json] [--url <operator url>] [--key-file <file>]\n';

const MODES: Record<string, FailbackMode> = {
  step: 'step',
  auto: 'auto',
  'dry-run': 'dryRun',
  abort: 'abort',
};

function bodyOf(f: Flags): FailbackBody {
  const chosen = Object.keys(MODES).filter((m) => f[m] === true);
  if (chosen.length !== 1) throw new UsageError('choose one of --step, --auto, --dry-run, --abort');
  const mode = MODES[chosen[0]!]!;
  const cluster = typeof f.cluster === 'string' ? f.cluster : undefined;
  if (!cluster) throw new UsageError('--cluster is required');
  const reason = typeof f.reason === 'string' ? f.reason : undefined;
  if (!reason && mode !== 'dryRun')
    throw new UsageError('--reason is required: the audit record and the message carry it');
  let step: number | undefined;
  if (typeof f['to-step'] === 'string') {
    step = Number(f['to-step']);
    if (!Number.isInteger(step) || step < 1)
      throw new UsageError('--to-step must be a step number (1, 2, …)');
  }
  return { cluster, mode, ...(reason ? { reason } : {}), ...(step ? { step } : {}) };
}

/** Runs the command; returns the exit code. */
export async function failbackCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const f = parseFlags(argv, {
    values: ['--cluster', '--reason', '--to-step', '--poll'],
    booleans: ['--step', '--auto', '--dry-run', '--abort', '--no-follow'],
  });
  const body = bodyOf(f);
  const target = targetOf(targetFlags(f), env);
  const json = f.json === true;
  const r = await requestOrExit(io, 'failback', target, 'failback', body);
  if (typeof r === 'number') return r;
  const refused = printEdgeRefusal(io, 'failback', r, json);
  if (refused !== undefined) return refused;
  const a = r.body;
  if (json) io.stdout.write(`${JSON.stringify(a)}\n`);
  else printAnswer(io, a);
  const code = exitFor(r);
  if (a.outcome !== 'accepted' || f['no-follow'] === true) return code;
  const poll = typeof f.poll === 'string' ? Number(f.poll) : 5;
  if (!Number.isFinite(poll) || poll <= 0) throw new UsageError('--poll must be a number of seconds');
  return follow(io, target, body.cluster, poll * 1000, json);
}

function printAnswer(io: CliIo, a: Record<string, unknown>): void {
  const fb = a.failback as { step: number; of: number; weight: number } | null | undefined;
  const at = fb ? `step ${fb.step} of ${fb.of} (${fb.weight}%)` : '';
  const w = weightsLine(a.weights);
  switch (a.outcome) {
    case 'done':
      io.stdout.write(
        a.decision === 'failback-abort'
          ? `failback of ${a.cluster} aborted by ${a.by}: ${w}\n`
          : `${a.cluster}: failback ${at || 'complete (baseline restored, incident closed)'}: ${w}\n  by ${a.by}, request ${a.request}\n`,
      );
      break;
    case 'accepted':
      io.stdout.write(
        `${a.cluster}: automatic failback started at ${at}: ${w}\n  by ${a.by}; each next step after the dwell, by the operator function's timer\n`,
      );
      break;
    case 'dry-run':
      io.stdout.write(
        a.wouldSucceed
          ? `dry run: the next step would set ${w}\n  ${a.reason}\n`
          : `dry run: the next step would be refused (${a.rule}): ${a.reason}${waitNote(a)}\n`,
      );
      break;
    case 'aborted':
      io.stderr.write(`failback aborted: ${a.reason}\n  weights now ${w}\n`);
      break;
    default:
      io.stderr.write(`refused (${a.rule ?? a.decision}): ${a.reason}${waitNote(a)}\n`);
  }
}

/** `error rate 33% (1 of 3 probes failed, at …)`: the newest probe round fleet-dr counted for the cluster. */
export function errorRateNote(p: FleetStatus['clusters'][number]['probes']): string {
  if (!p) return 'error rate not measured yet';
  return `error rate ${p.errorRatePercent}% (${p.failed} of ${p.total} probes failed, at ${p.at})`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows an automatic ramp through GET /status until it completes (exit 0) or aborts (exit 1). */
async function follow(
  io: CliIo,
  t: OperatorTarget,
  cluster: string,
  everyMs: number,
  json: boolean,
): Promise<number> {
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true && !json;
  let last = '';
  const started = Date.now();
  for (;;) {
    await sleep(everyMs);
    const r = await requestOrExit(io, 'failback', t, 'status');
    if (typeof r === 'number') return r;
    if (r.status !== 200) {
      io.stderr.write(
        `fleet-dr failback: cannot follow the ramp (HTTP ${r.status}: ${String(r.body.error ?? '')}); it goes on without you\n`,
      );
      return EXIT.ok;
    }
    const s = r.body as unknown as FleetStatus;
    const route = s.routes[0];
    const share = route ? `${route.weights[cluster] ?? 0}% on ${route.namespace}/${route.ingress}` : '';
    const fb = s.failback;
    if (!fb || fb.cluster !== cluster) {
      if (tty) io.stdout.write('\n');
      const done = s.mode === 'normal';
      const line = done
        ? `${cluster}: failback complete: ${share}`
        : `${cluster}: failback aborted: ${s.lastTransition?.reason ?? s.mode}`;
      if (json) io.stdout.write(`${JSON.stringify({ event: done ? 'complete' : 'aborted', status: s })}\n`);
      else (done ? io.stdout : io.stderr).write(`${line}\n`);
      return done ? EXIT.ok : EXIT.refused;
    }
    const now = `step ${fb.step} of ${fb.of}: ${share}`;
    const probes = s.clusters.find((c) => c.id === cluster)?.probes ?? null;
    const rate = errorRateNote(probes);
    if (json) {
      if (now !== last)
        io.stdout.write(
          `${JSON.stringify({ event: 'step', failback: fb, weights: route?.weights, probes })}\n`,
        );
    } else if (tty)
      io.stdout.write(
        `\r\x1b[K${now}; ${rate} (following for ${Math.round((Date.now() - started) / 1000)} s)`,
      );
    else if (now !== last) io.stdout.write(`${now}; ${rate}\n`);
    last = now;
  }
}
