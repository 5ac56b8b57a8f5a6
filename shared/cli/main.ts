/**
 * The `fleet-dr` command (bin/fleet-dr.js): dispatches to one module per subcommand. Errors print one line;
 * the stack only with --debug, so an operator reads the reason rather than a trace.
 */
import { fileURLToPath } from 'node:url';
import { FleetDrError } from '../errors';
import { type CliIo, EXIT, processIo } from './io';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** The example policy shipped in deploy/policy.yaml. */
export const EXAMPLE_POLICY = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));

const USAGE = `usage: fleet-dr <command> [--debug]

commands:
  check-config <file>     validate a policy file (exit 0 valid, 2 invalid)
  explain-event <file|->  print a trigger event as normalised JSON (exit 0 recognised, 2 not)
  plan ...                plan a routing change for a policy and an outage
  start [--json]          the failover drill on a fresh sandbox (what \`npm start\` runs)
`;

// Each command loads only its own modules: every run pays tsx's transpile cost for what it imports.
const COMMANDS: Record<string, Command> = {
  'check-config': async (argv, io) => (await import('./check-config')).checkConfigCommand(argv, io),
  'explain-event': async (argv, io) => (await import('./explain-event')).explainEventCommand(argv, io),
  plan: async (argv, io) => (await import('./plan-command')).planCommand(argv, io),
  start: async (argv, io) => (await import('./start-command')).startCommand(argv, io),
};

/** Runs `fleet-dr <argv>` and returns the exit code (0 ok, 1 internal error, 2 bad input). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name ? io.stdout : io.stderr).write(USAGE);
    return name ? EXIT.ok : EXIT.invalid;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`fleet-dr: unknown command "${name}"\n${USAGE}`);
    return EXIT.invalid;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const known = err instanceof FleetDrError;
    io.stderr.write(`fleet-dr ${name}: ${known ? '' : 'internal error: '}${e.message.split('\n')[0]}\n`);
    if (debug) io.stderr.write(`${e.stack ?? ''}\n`);
    else if (!known) io.stderr.write('(run again with --debug for the stack trace)\n');
    return known ? EXIT.invalid : EXIT.internal;
  }
}
