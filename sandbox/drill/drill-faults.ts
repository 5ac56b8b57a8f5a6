/**
 * The fault kinds `fleet-dr drill` runs, and what fleet-dr is expected to do about each: fail the zone over,
 * or hold (an agent partition: the cluster's agent is cut off but its pods serve; moving traffic would only
 * hurt). `flapping` is not a zone state but a script: the zone goes dead and comes back several times; the
 * weights must not follow it back and forth.
 */
import type { ZoneFault } from '../world';
import type { ZoneFaultOptions } from '../zones/index';

/** A fault kind of the drill. */
export const DRILL_FAULTS = ['dead', 'blackhole', 'slow', 'errors', 'agent-partition', 'flapping'] as const;
export type DrillFault = (typeof DRILL_FAULTS)[number];

/** How a drill fault is applied to the zone, and what fleet-dr should do. */
export interface FaultSpec {
  kind: DrillFault;
  /** The zone fault applied (the first one, for flapping). */
  zoneFault: ZoneFault;
  opts: ZoneFaultOptions;
  /** `failover`: traffic leaves the zone and comes back by failback; `hold`: nothing moves. */
  expect: 'failover' | 'hold';
  /** Flapping: the zone is faulted for `onMs`, healed for `offMs`, `cycles` times, then left faulted. */
  flap?: { onMs: number; offMs: number; cycles: number };
  /** One line for people. */
  describe: string;
}

/** Each fault with the options that make it bite under the load's 2 s client timeout. */
export const FAULT_SPECS: Record<DrillFault, FaultSpec> = {
  dead: {
    kind: 'dead',
    zoneFault: 'dead',
    opts: {},
    expect: 'failover',
    describe: 'the zone is gone: connections refused',
  },
  blackhole: {
    kind: 'blackhole',
    zoneFault: 'blackhole',
    opts: {},
    expect: 'failover',
    describe: "the zone's packets vanish: connections hang",
  },
  slow: {
    kind: 'slow',
    zoneFault: 'slow',
    opts: { slowMs: 3000 },
    expect: 'failover',
    describe: 'the zone answers after 3 s (the clients give up at 2 s)',
  },
  errors: {
    kind: 'errors',
    zoneFault: 'errors',
    // Every answer: with half, whether the alarm path's two probe samples both fail is a coin toss, and the
    // drill's result with it (seen in a run); the health-check's failure share covers partial error rates.
    opts: { errorRate: 1 },
    expect: 'failover',
    describe: 'the zone answers every request with a 5xx (its port still accepts connections)',
  },
  'agent-partition': {
    kind: 'agent-partition',
    zoneFault: 'agent-partition',
    opts: {},
    expect: 'hold',
    describe: "the registered cluster's agent is cut off; its pods still serve",
  },
  flapping: {
    kind: 'flapping',
    zoneFault: 'dead',
    opts: {},
    expect: 'failover',
    flap: { onMs: 2_500, offMs: 2_500, cycles: 3 },
    describe: 'the zone dies and comes back every 2.5 s, three times, then stays dead',
  },
};

/** Parses a `--fault` value. */
export function parseFault(v: string): DrillFault {
  if ((DRILL_FAULTS as readonly string[]).includes(v)) return v as DrillFault;
  throw new Error(`unknown fault ${v} (one of ${DRILL_FAULTS.join(', ')})`);
}
