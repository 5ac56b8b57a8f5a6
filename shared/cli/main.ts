/**
 * The `fleet-dr` command (bin/fleet-dr.js): dispatches to one module per subcommand. Errors print one line;
 * the stack only with --debug, so an operator reads the reason rather than a trace. Commands that need the
 * sandbox (`start`) are not imported here: the product never imports sandbox/, so bin/fleet-dr.js passes
 * them in as `extra`.
 */
import { fileURLToPath } from 'node:url';
import { FleetDrError } from '../errors';
import { commandHelp, wantsHelp } from './help';
import { type CliIo, EXIT, processIo } from './io';

/** A subcommand: runs with its arguments and the output streams, returns the exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** A command given to main() from outside shared/, with its line of the usage text. */
export interface ExtraCommand {
  /** `name args   what it does`, aligned like the built-in lines. */
  usage: string;
  /** The whole `--help` text, with every flag (default: the usage line). */
  help?: string;
  run: Command;
}

/** The example policy shipped in deploy/policy.yaml. */
export const EXAMPLE_POLICY = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));

const COMMAND_USAGE = [
  'check-config <file>     validate a policy file (exit 0 valid, 2 invalid)',
  'explain-event <file|->  print a trigger event as normalised JSON (exit 0 recognised, 2 not)',
  "status [--json]         the fleet as the Fleet's state says it is (signed GET /status)",
  'failback --cluster <id> (--step|--auto|--dry-run|--abort) --reason <text>: one failback request',
  'shift --cluster <id> --expires <2h> --reason <text>: a planned shift that expires by itself',
  'pause --reason <text>   hold every automatic action and failback step',
  'resume --reason <text>  end a pause',
  'plan ...                plan a routing change for a policy and an outage',
  'drift [--config <policy>] [--json]: what differs from the committed state, read-only (exit 1 on drift)',
  'observe --event <file>  gather, read-only, the observations for an alarm event (feeds plan)',
  'preflight [--config <policy>] [--json] [--write-test] [--notify-test]: checks of RAM, RBAC, gateway, signals, clusters (exit 1 on FAIL)',
];

/** How the operator commands (status, failback, shift, pause, resume) reach the operator function. */
const OPERATOR_NOTE = [
  'operator commands: --url <operator function URL> (or FLEET_DR_OPERATOR_URL) and --key-file <file>',
  '(or FLEET_DR_OPERATOR_KEY=<keyId>:<secret>); exit 0 done, 1 refused or aborted, 2 bad usage',
];

function usage(extra: Record<string, ExtraCommand>): string {
  const lines = [...COMMAND_USAGE, ...Object.values(extra).map((c) => c.usage)];
  return `usage: fleet-dr <command> [--debug]\n\ncommands:\n${lines.map((l) => `  ${l}\n`).join('')}\n${OPERATOR_NOTE.map((l) => `${l}\n`).join('')}`;
}

// Each command loads only its own modules: every run pays tsx's transpile cost for what it imports.
const COMMANDS: Record<string, Command> = {
  'check-config': async (argv, io) => (await import('./check-config')).checkConfigCommand(argv, io),
  'explain-event': async (argv, io) => (await import('./explain-event')).explainEventCommand(argv, io),
  plan: async (argv, io) => (await import('./plan-command')).planCommand(argv, io),
  drift: async (argv, io) => (await import('../drift/drift-command')).driftCommand(argv, io),
  observe: async (argv, io) => (await import('./observe-command')).observeCommand(argv, io),
  preflight: async (argv, io) => (await import('./preflight-command')).preflightCommand(argv, io),
  status: async (argv, io) => (await import('./status-command')).statusCommand(argv, io),
  failback: async (argv, io) => (await import('./failback-command')).failbackCommand(argv, io),
  shift: async (argv, io) => (await import('./control-commands')).shiftCommand(argv, io),
  pause: async (argv, io) => (await import('./control-commands')).pauseCommand('pause', argv, io),
  resume: async (argv, io) => (await import('./control-commands')).pauseCommand('resume', argv, io),
};

/**
 * Runs `fleet-dr <argv>` and returns the exit code (0 ok, 1 internal error, 2 bad input). `extra` adds
 * commands that live outside shared/ (bin/fleet-dr.js passes `start`); a built-in name wins over them.
 */
export async function main(
  argv: string[],
  io: CliIo = processIo,
  extra: Record<string, ExtraCommand> = {},
): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name ? io.stdout : io.stderr).write(usage(extra));
    return name ? EXIT.ok : EXIT.invalid;
  }
  const command = Object.hasOwn(COMMANDS, name)
    ? COMMANDS[name]
    : Object.hasOwn(extra, name)
      ? extra[name]?.run
      : undefined;
  if (!command) {
    io.stderr.write(`fleet-dr: unknown command "${name}"\n${usage(extra)}`);
    return EXIT.invalid;
  }
  if (wantsHelp(rest)) {
    const line = COMMAND_USAGE.find((l) => l.startsWith(`${name} `)) ?? extra[name]?.usage;
    io.stdout.write(extra[name]?.help ?? commandHelp(name, line) ?? usage(extra));
    return EXIT.ok;
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
