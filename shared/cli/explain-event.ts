/** `fleet-dr explain-event <file|->`: print the recognised event(s) as normalised JSON, or why not. */
import { readFileSync } from 'node:fs';
import { EventParseError } from '../errors';
import type { ClusterEvent } from '../schemas/eventbridge-cs';
import { type NormalisedEvent, parseEvent } from '../schemas/parse-event';
import { type CliIo, EXIT } from './io';

/** The printable form: the normalised event without `raw` (it may carry signatures and is long). */
export function explainable(e: NormalisedEvent): Record<string, unknown> {
  const { raw: _raw, ...rest } = e as NormalisedEvent & { raw?: unknown };
  return e.kind === 'cluster-event'
    ? { ...rest, signal: e.signal ?? null, effect: clusterEventEffect(e) }
    : rest;
}

/** What the cluster-event function makes of an acs.cs event, as far as it does not depend on the policy. */
export function clusterEventEffect(e: ClusterEvent): string {
  if (!e.signal)
    return `no signal (${e.category} ${e.type}${e.reason ? ` ${e.reason}` : ''}): acknowledged and ignored`;
  if (!e.clusterId) return `${e.signal}, but it names no cluster: acknowledged and ignored`;
  return `${e.signal}: prompts a check of ${e.clusterId} if the policy lists it${e.signal === 'pod-failure' ? ' and the pod is in a route namespace' : ''} (at most one per cluster per debounce window)`;
}

/** Runs the command; returns the exit code (0 recognised, 2 unrecognised, malformed, empty or unreadable). */
export async function explainEventCommand(
  argv: string[],
  io: CliIo,
  stdin: () => Buffer = readStdin,
): Promise<number> {
  if (argv.length !== 1 || !argv[0]) {
    io.stderr.write('usage: fleet-dr explain-event <event.json|->\n');
    return EXIT.invalid;
  }
  const file = argv[0];
  let bytes: Buffer;
  try {
    bytes = file === '-' ? stdin() : readFileSync(file);
  } catch (err) {
    io.stderr.write(
      `${file}: cannot read the event file (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`,
    );
    return EXIT.invalid;
  }
  try {
    const events = parseEvent(bytes).map(explainable);
    io.stdout.write(`${JSON.stringify(events.length === 1 ? events[0] : events, null, 2)}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof EventParseError)) throw err;
    io.stderr.write(`${file}: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT.invalid;
  }
}

function readStdin(): Buffer {
  return readFileSync(0);
}
