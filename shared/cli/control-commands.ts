/**
 * `fleet-dr pause --reason <text>`, `fleet-dr resume --reason <text>` and
 * `fleet-dr shift --cluster <id> --expires <2h|30m|1d> --reason <text>`: one signed POST each. A pause holds
 * every automatic action and failback step (moving traffic away still goes); a shift moves traffic off a
 * healthy cluster until it expires (again on the same cluster: extend it), then the failback ramp brings it back.
 * Exit 0 done, 1 refused, 2 bad usage.
 */
import { durationSeconds } from '../operator/api';
import { parseFlags, targetFlags } from './args';
import type { CliIo } from './io';
import { targetOf, UsageError } from './operator-client';
import { exitFor, printEdgeRefusal, requestOrExit, waitNote, weightsLine } from './operator-output';

export const PAUSE_USAGE =
  'usage: fleet-dr pause|resume --reason <text> [--json] [--url <operator url>] [--key-file <file>]\n';
export const SHIFT_USAGE =
  'usage: fleet-dr shift --cluster <id> --expires <30m|2h|1d> --reason <text> [--json] [--url <operator url>] [--key-file <file>]\n';

const reasonOf = (v: string | true | undefined): string => {
  if (typeof v !== 'string' || !v.trim())
    throw new UsageError('--reason is required: the audit record and the message carry it');
  return v;
};

/** `fleet-dr pause` / `fleet-dr resume`. */
export async function pauseCommand(
  verb: 'pause' | 'resume',
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const f = parseFlags(argv, { values: ['--reason'], booleans: [] });
  const reason = reasonOf(f.reason);
  const target = targetOf(targetFlags(f), env);
  const r = await requestOrExit(io, verb, target, verb, { reason });
  if (typeof r === 'number') return r;
  const refused = printEdgeRefusal(io, verb, r, f.json === true);
  if (refused !== undefined) return refused;
  const a = r.body;
  if (f.json === true) io.stdout.write(`${JSON.stringify(a)}\n`);
  else if (a.outcome === 'done')
    io.stdout.write(`${verb === 'pause' ? 'paused' : 'resumed'} by ${a.by}: ${a.reason}\n`);
  else io.stderr.write(`refused (${a.rule ?? a.decision}): ${a.reason}\n`);
  return exitFor(r);
}

/** `fleet-dr shift`. */
export async function shiftCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const f = parseFlags(argv, { values: ['--cluster', '--expires', '--reason'], booleans: [] });
  const cluster = typeof f.cluster === 'string' ? f.cluster : undefined;
  if (!cluster) throw new UsageError('--cluster is required');
  const expires = typeof f.expires === 'string' ? f.expires : undefined;
  if (!expires || durationSeconds(expires) === undefined)
    throw new UsageError('--expires is required: a duration such as 30m, 2h or 1d');
  const reason = reasonOf(f.reason);
  const target = targetOf(targetFlags(f), env);
  const r = await requestOrExit(io, 'shift', target, 'shift', { cluster, reason, expiresIn: expires });
  if (typeof r === 'number') return r;
  const refused = printEdgeRefusal(io, 'shift', r, f.json === true);
  if (refused !== undefined) return refused;
  const a = r.body;
  if (f.json === true) io.stdout.write(`${JSON.stringify(a)}\n`);
  else if (a.outcome === 'done')
    io.stdout.write(
      `${a.decision === 'shift' ? `traffic shifted off ${cluster}` : `planned shift off ${cluster} extended`} until ${a.until}: ${weightsLine(a.weights) || a.reason}\n  by ${a.by}; when it expires the failback ramp brings traffic back\n`,
    );
  else io.stderr.write(`refused (${a.rule ?? a.decision}): ${a.reason}${waitNote(a)}\n`);
  return exitFor(r);
}
