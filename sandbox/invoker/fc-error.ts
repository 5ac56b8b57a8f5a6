/**
 * The error shapes FC reports for an invocation that did not return normally. The shape of a thrown
 * error is built inside the instance (worker-entry.mjs); the ones here are for what the platform itself
 * sees: a timeout and an instance that died. Unverified: FC's exact errorType strings for these two.
 */
import { FleetDrError } from '../../shared/errors';
import type { FcErrorPayload } from './types';

/** The handler did not finish within the function's timeout. */
export const timeoutError = (functionName: string, seconds: number): FcErrorPayload => ({
  errorMessage: `Function ${functionName} timed out after ${seconds} seconds`,
  errorType: 'FunctionTimeoutError',
  stackTrace: [],
});

/** The instance exited or crashed (uncaught exception outside the handler's promise). */
export const instanceCrashError = (functionName: string, cause: unknown): FcErrorPayload => ({
  errorMessage: `Function ${functionName}: instance exited: ${cause instanceof Error ? cause.message : String(cause)}`,
  errorType: cause instanceof Error ? cause.name : 'InstanceExitedError',
  stackTrace:
    cause instanceof Error
      ? (cause.stack ?? '')
          .split('\n')
          .slice(1)
          .map((l) => l.trim())
      : [],
});

/**
 * Thrown by the dispatcher when the handler failed. `name` and `message` are the handler's errorType and
 * errorMessage, because the FC stand-in builds its `{ errorMessage, errorType }` body from them.
 */
export class FunctionInvocationError extends FleetDrError {
  /** FC's response header value for a handler error. */
  readonly fcErrorType = 'UnhandledInvocationError';
  constructor(
    readonly functionName: string,
    readonly requestId: string,
    readonly payload: FcErrorPayload,
  ) {
    super(payload.errorMessage);
    this.name = payload.errorType;
  }

  /** The response body FC sends for this error. */
  get body(): Buffer {
    return Buffer.from(JSON.stringify(this.payload));
  }
}

/** A function name with no handler file under the functions folder. */
export class FunctionNotFoundError extends FleetDrError {}
