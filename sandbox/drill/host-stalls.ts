/**
 * The drill's own host, measured: a timer that should fire every `tickMs` and, when it fires late by at least
 * `minMs`, records the stretch as a stall (the process did not run: CPU starvation, a long GC pause, a VM's
 * stolen time). The sandbox's zones, gateway, mesh proxy and load all run in the drill's process, so in a stall
 * nothing answers and nothing is measured; when it ends, Node runs the expired timers before the I/O that
 * waited (timers come first in its event loop), so requests whose deadline passed meanwhile time out although
 * their answers may have been ready. The objectives (drill-measure.ts) count such time and such failures apart
 * and say so: they measure the host, not fleet-dr.
 */

/** One stretch the process did not run (Date.now() ms). */
export interface Stall {
  from: number;
  to: number;
}

/** A running stall watcher. */
export interface StallWatch {
  /** The stalls seen so far (a copy). */
  stalls(): Stall[];
  stop(): Stall[];
}

/** Starts watching; `tickMs` the timer's period, `minMs` the lateness that counts as a stall. */
export function watchStalls(tickMs = 50, minMs = 500): StallWatch {
  const seen: Stall[] = [];
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - last - tickMs;
    if (late >= minMs) seen.push({ from: last + tickMs, to: now });
    last = now;
  }, tickMs);
  timer.unref();
  return {
    stalls: () => [...seen],
    stop: () => {
      clearInterval(timer);
      return [...seen];
    },
  };
}

/** How many ms of [from, to) the host stood still. */
export function stalledWithin(stalls: Stall[], from: number, to: number): number {
  return stalls.reduce((ms, s) => ms + Math.max(0, Math.min(s.to, to) - Math.max(s.from, from)), 0);
}

/**
 * Whether a failed request's outcome was decided by a stall: it ended within `graceMs` after a stall that began
 * before its end, i.e. its deadline or its answer fell in a stretch where the drill's process did not run.
 */
export function endedByStall(stalls: Stall[], end: number, graceMs = 250): boolean {
  return stalls.some((s) => s.from <= end && end <= s.to + graceMs);
}

/** One line for a report: "3 stalls, 4.2 s in all, the longest 2.1 s" (or "none"). */
export function describeStalls(stalls: Stall[]): string {
  if (stalls.length === 0) return 'none';
  const total = stalls.reduce((ms, s) => ms + s.to - s.from, 0);
  const longest = Math.max(...stalls.map((s) => s.to - s.from));
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `${stalls.length} stall(s) of at least 0.5 s, ${secs(total)} in all, the longest ${secs(longest)}`;
}
