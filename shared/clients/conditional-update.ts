/**
 * Read → change → conditional write → on 409 read again: the one loop behind every optimistic-concurrency
 * write fleet-dr makes on the Fleet (the state ConfigMaps, the canary Ingresses, the gateway membership).
 * The write must be conditional (a resourceVersion, or a create that fails if the object exists), so a 409
 * means another writer got there first: we re-read what it wrote and change that instead.
 */
import { FleetConflictError, KubeApiError } from './errors';

/** One read-change-write loop. */
export interface ConditionalUpdate<C, N, W> {
  /** The object, for the FleetConflictError message (`fleet: configmap ns/name`). */
  what: string;
  /** Rounds before FleetConflictError (each lost 409 costs one). */
  maxAttempts: number;
  /** Read the current object (attempt counts from 1). */
  read: (attempt: number) => Promise<C>;
  /**
   * What to write given what was read, or undefined for "no change" (nothing is written). Called again on
   * every round with the fresh read. An error thrown here is never retried, whatever its status.
   */
  change: (current: C, attempt: number) => N | undefined | Promise<N | undefined>;
  /** Write `next` conditionally on `current`; a KubeApiError with status 409 starts another round. */
  write: (next: N, current: C) => Promise<W>;
}

/** How a conditional update ended. */
export type ConditionalUpdateResult<C, N, W> =
  | { changed: true; current: C; next: N; written: W; attempts: number }
  | { changed: false; current: C; attempts: number };

/** True for the statuses that mean "someone else wrote first": Conflict and AlreadyExists are both 409. */
export function isWriteConflict(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError && err.status === 409;
}

/**
 * Runs read → change → write until a write succeeds, `change` says "no change", or `maxAttempts` writes
 * have lost to another writer (FleetConflictError, with the last 409 as its cause). Only a 409 from `write`
 * is retried; every other error, and anything `read` or `change` throws, passes through untouched.
 */
export async function updateWithRetry<C, N, W>(
  u: ConditionalUpdate<C, N, W>,
): Promise<ConditionalUpdateResult<C, N, W>> {
  let lastConflict: KubeApiError | undefined;
  for (let attempt = 1; attempt <= u.maxAttempts; attempt++) {
    const current = await u.read(attempt);
    const next = await u.change(current, attempt);
    if (next === undefined) return { changed: false, current, attempts: attempt };
    try {
      const written = await u.write(next, current);
      return { changed: true, current, next, written, attempts: attempt };
    } catch (err) {
      if (!isWriteConflict(err)) throw err;
      lastConflict = err;
    }
  }
  throw new FleetConflictError(u.what, u.maxAttempts, lastConflict ? { cause: lastConflict } : undefined);
}
