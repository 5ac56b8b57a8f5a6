/**
 * `fleet-dr observe --event <alarm.json> [--policy <file>] [--out <file>]`: gathers, read-only, the
 * observations a decision on this alarm would see (the same gatherObservations the functions run: probes, ACK
 * cluster state, MSE service health, ready replicas, membership) and prints them as the JSON `fleet-dr plan
 * --observations` takes, the alarm as its trigger. It writes nothing anywhere: no state, no weights, no
 * message. Endpoints come from FLEET_DR_ENDPOINTS (the sandbox prints it) or are the real ones; credentials
 * from the standard chain.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Policy } from '../config';
import { loadPolicy } from '../config-loader';
import { ObservationsSchema } from '../decision/observations';
import { EventParseError } from '../errors';
import { clusterOfAlarm, triggerOf } from '../execute/alarm-trigger';
import { gatherObservations } from '../observe/gather';
import { wire } from '../runtime/wiring';
import type { AlarmEvent } from '../schemas/cloudmonitor-alarm';
import { parseEvent } from '../schemas/parse-event';
import { parseFlags } from './args';
import { type CliIo, EXIT } from './io';
import { EXAMPLE_POLICY } from './main';
import { UsageError } from './operator-client';

/** The alarm of an event file, and the policy cluster it is about. */
export function alarmOf(policy: Policy, bytes: Buffer, file: string): AlarmEvent & { cluster: string } {
  let alarms: AlarmEvent[];
  try {
    alarms = parseEvent(bytes).filter((e): e is AlarmEvent => e.kind === 'alarm');
  } catch (err) {
    if (err instanceof EventParseError)
      throw new UsageError(`${file}: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
    throw err;
  }
  const alarm = alarms[0];
  if (!alarm)
    throw new UsageError(`${file}: not a CloudMonitor alarm (fleet-dr explain-event says what it is)`);
  const cluster = clusterOfAlarm(policy, alarm);
  if (!cluster)
    throw new UsageError(
      `${file}: the alarm names no cluster of the policy (${policy.clusters.map((c) => c.id).join(', ')})`,
    );
  return { ...alarm, cluster };
}

/** Runs the command; returns the exit code (0 printed, 2 bad arguments or event). */
export async function observeCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const f = parseFlags(argv, { values: ['--event', '--policy', '--out'], booleans: [] });
  const file = typeof f.event === 'string' ? f.event : undefined;
  if (!file) throw new UsageError('--event <alarm.json> is required');
  const policy = loadPolicy(
    typeof f.policy === 'string' ? f.policy : (env.FLEET_DR_POLICY ?? EXAMPLE_POLICY),
  );
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`${file}: cannot read the event file (${(err as NodeJS.ErrnoException).code})`);
  }
  const alarm = alarmOf(policy, bytes, file);
  const trigger = triggerOf(policy, alarm, alarm.cluster);
  const wiring = wire(policy, { requestId: 'fleet-dr-observe' }, env);
  const gathered = await gatherObservations(
    {
      policy,
      env,
      ack: wiring.ack,
      mse: wiring.mse,
      memberKube: wiring.memberKube,
      gatewayMembers: async () => (await wiring.membership()).members(),
      fleetMembers: async () => (await wiring.fleet.managedClusters()).map((c) => c.clusterId),
    },
    trigger,
  );
  const observations = ObservationsSchema.parse({ ...gathered.observations, trigger });
  for (const e of gathered.errors) io.stderr.write(`fleet-dr observe: not observed: ${e}\n`);
  const text = `${JSON.stringify(observations, null, 2)}\n`;
  if (typeof f.out === 'string') {
    writeFileSync(f.out, text);
    io.stderr.write(`fleet-dr observe: observations of ${alarm.cluster} written to ${f.out}\n`);
  } else io.stdout.write(text);
  return EXIT.ok;
}
