/**
 * `fleet-dr status [--json] [--url <operator url>] [--key-file <file>]`: the fleet as the Fleet's state says it
 * is: clusters with verdicts, weights per route, the open incident, failback progress, outstanding drift and
 * the outbox backlog. A signed GET /status to the operator function.
 */
import type { FleetStatus } from '../operator/status';
import { parseFlags, targetFlags } from './args';
import { type CliIo, EXIT } from './io';
import { targetOf } from './operator-client';
import { printEdgeRefusal, requestOrExit } from './operator-output';
import { renderStatus } from './status-table';

export const STATUS_USAGE =
  'usage: fleet-dr status [--json] [--url <operator url>] [--key-file <file>] [--timeout <s>]\n';

/** Runs the command; returns the exit code. */
export async function statusCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const f = parseFlags(argv, { values: [], booleans: [] });
  const target = targetOf(targetFlags(f), env);
  const r = await requestOrExit(io, 'status', target, 'status');
  if (typeof r === 'number') return r;
  const refused = printEdgeRefusal(io, 'status', r, f.json === true);
  if (refused !== undefined) return refused;
  io.stdout.write(
    f.json ? `${JSON.stringify(r.body, null, 2)}\n` : renderStatus(r.body as unknown as FleetStatus),
  );
  return EXIT.ok;
}
