/**
 * `npm run compare`: every zone fault with the gateway's fallback alone and with fleet-dr beside it, on the
 * sandbox, printed as the README's positioning table (or JSON with `--json`). Takes a few minutes: each fault
 * runs twice, with a fault window and a heal window.
 */
import { COMPARED_FAULTS, type Comparison, compareFault, positioningTable } from './compare';

const HELP = `Usage: npm run compare -- [--json] [--fault dead|blackhole|slow|errors ...] [--seed N]

Runs each zone fault twice on the local sandbox, with the same seed and load: the MSE gateway's own health
fallback alone, then with fleet-dr beside it. Prints a Markdown table (failed requests, time until traffic
left the bad zone, what happened after the heal), or the measurements as JSON.

  --json          print JSON instead of the table
  --fault KIND    only this fault (repeatable); default: all four
  --seed N        the sandbox seed (default 11)
  --help          this text`;

/** Runs the comparison; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const kinds: string[] = [];
  let seed = 11;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--fault' && argv[i + 1]) kinds.push(argv[++i]!);
    else if (a === '--seed' && argv[i + 1] && Number.isInteger(Number(argv[i + 1]))) seed = Number(argv[++i]);
    else {
      console.error(`compare: unknown or incomplete argument ${JSON.stringify(a)}\n\n${HELP}`);
      return 2;
    }
  }
  const unknown = kinds.filter((k) => !COMPARED_FAULTS.some((f) => f.kind === k));
  if (unknown.length) {
    console.error(
      `compare: unknown fault ${unknown.join(', ')} (one of ${COMPARED_FAULTS.map((f) => f.kind).join(', ')})`,
    );
    return 2;
  }
  const rows: Comparison[] = [];
  for (const f of COMPARED_FAULTS.filter((x) => kinds.length === 0 || kinds.includes(x.kind))) {
    if (!json) console.error(`compare: ${f.kind} (gateway alone, then with fleet-dr)...`);
    rows.push(await compareFault(f.kind, f.opts, { seed }));
  }
  console.log(json ? JSON.stringify(rows, null, 2) : positioningTable(rows));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await main(process.argv.slice(2)));
