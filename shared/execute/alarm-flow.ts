/**
 * One CloudMonitor alarm on the decision pipeline: find the policy cluster it is about, map it to a trigger
 * and run the pipeline. An alarm about no cluster of the policy is ignored, and the answer says so briefly.
 */
import type { Logger } from '../log';
import type { DecisionAnswer } from '../pipeline/answer';
import { runDecision } from '../pipeline/run-decision';
import type { Wiring } from '../runtime/wiring';
import type { AlarmEvent } from '../schemas/cloudmonitor-alarm';
import { clusterOfAlarm, triggerOf } from './alarm-trigger';

/** Options of one run. */
export interface AlarmFlowOptions {
  wiring: Wiring;
  alarm: AlarmEvent;
  log: Logger;
  /** The notify function to wake after queueing a message. */
  notifyFunction: string;
  probeSpacingMs?: number;
}

/** At most this many of an ignored alarm's dimensions are echoed, each value cut to 64 characters. */
export const ECHOED_DIMENSIONS = 8;

/** An alarm's dimensions as an ignored answer quotes them: capped, so a caller cannot make the answer huge. */
export function echoDimensions(dims: Record<string, string>): string {
  const entries = Object.entries(dims);
  const shown = entries
    .slice(0, ECHOED_DIMENSIONS)
    .map(([k, v]) => `${k.slice(0, 64)}=${v.length > 64 ? `${v.slice(0, 64)}…` : v}`);
  const more = entries.length > ECHOED_DIMENSIONS ? `, … ${entries.length - ECHOED_DIMENSIONS} more` : '';
  return `{${shown.join(', ')}${more}}`;
}

/** Runs the pipeline for one alarm and answers what was decided and done. */
export async function runAlarmFlow(options: AlarmFlowOptions): Promise<DecisionAnswer> {
  const policy = options.wiring.policy;
  const clusterId = clusterOfAlarm(policy, options.alarm);
  if (!clusterId)
    return {
      decision: 'ignored',
      reason: `alarm ${options.alarm.alarmName.slice(0, 128)} names no cluster of the policy (dimensions ${echoDimensions(options.alarm.dimensions)})`,
      actions: [],
      timings: {},
      dryRun: policy.dryRun,
      errors: [],
    };
  return runDecision({
    wiring: options.wiring,
    trigger: { kind: 'alarm', alarm: triggerOf(policy, options.alarm, clusterId) },
    log: options.log,
    notifyFunction: options.notifyFunction,
    probeSpacingMs: options.probeSpacingMs,
  });
}
