/**
 * `fleet-dr preflight [--config <policy.yaml>] [--json]`: read-only checks that the functions' credentials,
 * RBAC, gateway, signals and clusters are set up as fleet-dr needs (shared/preflight/, docs/preflight.md).
 * Endpoints from FLEET_DR_ENDPOINTS (the sandbox prints it) or the real ones; credentials from the standard
 * chain (run it with the functions' role's STS credentials). Exit 0 nothing FAILs, 1 something FAILs, 2 bad usage.
 */
import { loadPolicy } from '../config-loader';
import { exitOf, renderJson, renderTable } from '../preflight/render';
import { runPreflight } from '../preflight/run';
import { wire } from '../runtime/wiring';
import { parseFlags } from './args';
import { type CliIo, EXIT } from './io';
import { EXAMPLE_POLICY } from './main';

/** Runs the command; returns the exit code. */
export async function preflightCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const f = parseFlags(argv, { values: ['--config'], booleans: ['--json'] });
  const policy = loadPolicy(
    typeof f.config === 'string' ? f.config : (env.FLEET_DR_POLICY ?? EXAMPLE_POLICY),
  );
  const rows = await runPreflight(wire(policy, { requestId: 'fleet-dr-preflight' }, env));
  io.stdout.write(f.json ? renderJson(rows) : renderTable(rows));
  return exitOf(rows) === 0 ? EXIT.ok : EXIT.refused;
}
