/**
 * `fleet-dr drift [--config <policy>] [--json]`: the drift check's report, read-only, against the Fleet the
 * policy names (credentials from the environment's chain; FLEET_DR_ENDPOINTS points at the sandbox). It takes
 * the same snapshot and makes the same comparisons as fleet-dr-drift-check, says which differences are already
 * reported (the ledger on the Fleet) and repairs nothing. Exit 0 no drift, 1 drift found, 2 bad usage.
 */
import type { CliIo } from '../cli/io';
import { EXIT } from '../cli/io';
import type { Policy } from '../config';
import { loadPolicy } from '../config-loader';
import { ConfigError } from '../errors';
import { wire } from '../runtime/wiring';
import { compareAll, driftKey } from './compare';
import { DriftLedger, type Ledger } from './ledger';
import { observeDrift } from './observe';
import { renderText } from './report';

const USAGE = 'usage: fleet-dr drift [--config <policy.yaml>] [--json]\n';

function parseArgs(argv: string[]): { json: boolean; config?: string } {
  const out: { json: boolean; config?: string } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--config') {
      const v = argv[++i];
      if (!v) throw new ConfigError(`--config needs a file\n${USAGE}`);
      out.config = v;
    } else if (a.startsWith('--config=')) out.config = a.slice('--config='.length);
    else throw new ConfigError(`unknown argument ${a}\n${USAGE}`);
  }
  return out;
}

/** Runs the command; `env` is the process environment (tests pass their own). */
export async function driftCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.stderr.write(`fleet-dr drift: ${(e as Error).message}`);
    return EXIT.invalid;
  }
  const path = args.config ?? env.FLEET_DR_POLICY;
  if (!path) {
    io.stderr.write(`fleet-dr drift: name the policy with --config or FLEET_DR_POLICY\n${USAGE}`);
    return EXIT.invalid;
  }
  const policy: Policy = loadPolicy(path);
  const wiring = wire(policy, { requestId: 'fleet-dr-drift-cli' }, env);
  const snapshot = await observeDrift(wiring);
  const differences = compareAll({ policy, snapshot });
  let reported: Ledger['reported'] | null = null;
  try {
    reported = (await new DriftLedger(await wiring.fleetKube(), policy.fleet.stateNamespace).doc.read()).value
      .reported;
  } catch (e) {
    snapshot.errors.push(`drift ledger: ${(e as Error).message}`);
  }
  if (args.json) {
    const out = {
      at: new Date(snapshot.at).toISOString(),
      repairMode: policy.drift.repair,
      differences: differences.map((d) => {
        const r = reported?.[driftKey(d)];
        return { ...d, reportedSince: r ? new Date(r.firstSeen).toISOString() : null };
      }),
      errors: snapshot.errors,
    };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(
      renderText({ differences, appeared: [], resolved: [], repaired: [] }, snapshot.errors).replace(
        /^drift: .*$/m,
        (line) =>
          `${line} (repair: ${policy.drift.repair}; ${differences.filter((d) => reported?.[driftKey(d)]).length} already reported)`,
      ),
    );
  }
  return differences.length ? 1 : EXIT.ok;
}
