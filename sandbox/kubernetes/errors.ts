/** Kubernetes `Status` errors raised by the stand-in's store and handlers. */
import { FleetDrError } from '../../shared/errors';

/** One entry of `details.causes` in a 422 Invalid Status. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** Reasons the stand-in uses (metav1.StatusReason values). */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Expired'
  | 'InternalError';

/** An error that the HTTP layer turns into a `Status` body with `code`. */
export class KubeStatusError extends FleetDrError {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] },
    /** ListMeta of the Status (410 Expired on a list carries a new `continue` token there). */
    readonly listMeta?: { continue?: string },
  ) {
    super(message);
  }

  /** The `Status` object sent on the wire. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.listMeta ?? {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** Group part of an apiVersion ('' for core). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** 404 NotFound as the API server words it. */
export function notFound(plural: string, apiVersion: string, name: string): KubeStatusError {
  const g = groupOf(apiVersion);
  const res = g ? `${plural}.${g}` : plural;
  return new KubeStatusError(404, 'NotFound', `${res} "${name}" not found`, { name, group: g, kind: plural });
}

/** 409 AlreadyExists. */
export function alreadyExists(plural: string, apiVersion: string, name: string): KubeStatusError {
  const g = groupOf(apiVersion);
  const res = g ? `${plural}.${g}` : plural;
  return new KubeStatusError(409, 'AlreadyExists', `${res} "${name}" already exists`, {
    name,
    group: g,
    kind: plural,
  });
}

/** 409 Conflict for a stale resourceVersion. */
export function conflict(plural: string, apiVersion: string, name: string): KubeStatusError {
  const g = groupOf(apiVersion);
  const res = g ? `${plural}.${g}` : plural;
  return new KubeStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${res} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: g, kind: plural },
  );
}

/** 422 Invalid with its causes. */
export function invalid(
  kind: string,
  apiVersion: string,
  name: string,
  causes: StatusCause[],
): KubeStatusError {
  const g = groupOf(apiVersion);
  const what = g ? `${kind}.${g}` : kind;
  const msg = `${what} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`;
  return new KubeStatusError(422, 'Invalid', msg, { name, group: g, kind, causes });
}

/** 400 BadRequest. */
export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(400, 'BadRequest', message);
}
