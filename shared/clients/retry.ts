/**
 * Timeouts and retries for every outside call. Idempotent reads are retried (throttling, 5xx, timeouts,
 * network errors); a write only when it never reached the server. A write that may have taken effect is
 * never repeated blindly: conditional writes handle their conflicts by re-reading (conditional-update.ts).
 */
import pRetry from 'p-retry';
import { CloudAuthError, CloudServerError, CloudThrottlingError, KubeApiError, TimeoutError } from './errors';

/** Per-call limits; tests pass small numbers. */
export interface CallLimits {
  timeoutMs: number;
  retries: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

/** Defaults sized for a function with a 60 s budget. */
export const DEFAULT_LIMITS: CallLimits = {
  timeoutMs: 10_000,
  retries: 2,
  minBackoffMs: 200,
  maxBackoffMs: 2_000,
};

/** Run `fn` with a timeout; the AbortSignal is handed to calls that can be cancelled. */
export async function withTimeout<T>(
  api: string,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new TimeoutError(api, ms));
    }, ms);
  });
  try {
    return await Promise.race([fn(ac.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Whether repeating an idempotent read after this error can help. */
export function isTransient(err: unknown): boolean {
  if (err instanceof CloudAuthError) return false;
  if (err instanceof CloudThrottlingError || err instanceof CloudServerError || err instanceof TimeoutError)
    return true;
  if (err instanceof KubeApiError) return err.status === 0 || err.status === 429 || err.status >= 500;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** Run an idempotent read with a timeout per attempt and bounded retries on transient errors. */
export function retryRead<T>(
  api: string,
  fn: (signal: AbortSignal) => Promise<T>,
  limits = DEFAULT_LIMITS,
): Promise<T> {
  return pRetry(() => withTimeout(api, limits.timeoutMs, fn), {
    retries: limits.retries,
    minTimeout: limits.minBackoffMs,
    maxTimeout: limits.maxBackoffMs,
    shouldRetry: ({ error }) => isTransient(error),
  });
}

/**
 * Errors that prove the request never reached the server: the connection was never made (refused, or the
 * connect itself timed out, as undici's `UND_ERR_CONNECT_TIMEOUT` on a listener whose accept queue is full),
 * or the name did not resolve. Nothing was sent, so sending a write again cannot apply it twice.
 */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether `err` (or an error it was caused by) proves that the request never left. */
export function neverSent(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Run a non-idempotent write with a timeout. It is repeated only when it provably never reached the server
 * (neverSent); a write that may have taken effect (a timeout, a reset, any answer) is never repeated blindly.
 */
export function writeOnce<T>(
  api: string,
  fn: (signal: AbortSignal) => Promise<T>,
  limits = DEFAULT_LIMITS,
): Promise<T> {
  return pRetry(() => withTimeout(api, limits.timeoutMs, fn), {
    retries: limits.retries,
    minTimeout: limits.minBackoffMs,
    maxTimeout: limits.maxBackoffMs,
    shouldRetry: ({ error }) => neverSent(error),
  });
}
