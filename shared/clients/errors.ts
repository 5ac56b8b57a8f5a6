/** Named errors of the clients: each says which API or object failed and why. */
import { FleetDrError } from '../errors';

/** An Alibaba Cloud OpenAPI call failed (HTTP error, `Success:false`, throttling, network). */
export class CloudApiError extends FleetDrError {
  constructor(
    readonly api: string,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`${api}: ${code}: ${message}${requestId ? ` (request ${requestId})` : ''}`, options);
  }
}

/** The cloud API refused the request signature or credentials. */
export class CloudAuthError extends CloudApiError {}
/** The cloud API throttled the caller; safe to retry a read later. */
export class CloudThrottlingError extends CloudApiError {}
/** The cloud API failed on its side (5xx). */
export class CloudServerError extends CloudApiError {}

/** A call did not finish within its timeout. */
export class TimeoutError extends FleetDrError {
  constructor(
    readonly api: string,
    readonly timeoutMs: number,
  ) {
    super(`${api}: no answer within ${timeoutMs} ms`);
  }
}

/** A Kubernetes API call failed; `status` is the HTTP status (0 for a network error). */
export class KubeApiError extends FleetDrError {
  constructor(
    readonly object: string,
    readonly verb: string,
    readonly status: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${object}: ${verb} failed: ${status} ${reason}`, options);
  }
}

/** A conditional write lost to another writer more times than the retry budget allows. */
export class FleetConflictError extends FleetDrError {
  constructor(
    readonly object: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`${object}: update conflict, still losing after ${attempts} attempts`, options);
  }
}

/** The pin label of a canary does not select the route Service's pods in a member cluster. */
export class PinLabelError extends FleetDrError {
  constructor(
    readonly clusterId: string,
    readonly service: string,
    readonly selector: string,
    message: string,
  ) {
    super(`cluster ${clusterId}: service ${service}: pin ${selector}: ${message}`);
  }
}

/** A notification could not be delivered (it stays in the outbox). */
export class NotifyError extends FleetDrError {
  constructor(
    readonly channel: string,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${channel}: ${code}: ${message}`, options);
  }
}

/** Canary weights that cannot be written (unknown cluster, not summing to 100, negative). */
export class WeightsError extends FleetDrError {}
