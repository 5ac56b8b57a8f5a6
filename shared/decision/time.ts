/** Time arithmetic on ISO strings; the policy never reads the clock, `now` is always passed in. */

/** Milliseconds since the epoch of an ISO time. */
export const ms = (iso: string): number => Date.parse(iso);

/** Seconds elapsed from `from` to `now` (negative when `from` is in the future). */
export const secondsBetween = (from: string, now: string): number => (ms(now) - ms(from)) / 1000;

/** The ISO time `seconds` after `iso`, normalised to UTC. */
export const addSeconds = (iso: string, seconds: number): string =>
  new Date(ms(iso) + seconds * 1000).toISOString();

/** Whole seconds from `now` until `until`, rounded up; 0 when `until` is not in the future. */
export const secondsUntil = (until: string, now: string): number =>
  Math.max(0, Math.ceil(secondsBetween(now, until)));
