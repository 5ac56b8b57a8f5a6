/**
 * The OpenAPI error table the stand-in answers with. Body shape `{Code, Message, RequestId}` as the real
 * gateway sends it; openapi-core reads `Code`/`Message`/`RequestId` (or their lower-case forms) from a 4xx/5xx.
 *
 * Sources (public docs, read through the search tool):
 * - help.aliyun.com/document_detail/48054 and /en/document_detail/434846 (client-side common errors):
 *   InvalidTimeStamp.Expired 400 (more than 15 minutes off), SignatureNonceUsed 400, SignatureDoesNotMatch 400,
 *   Throttling.User 400, InvalidApi.NotFound 404, InvalidAccessKeyId.NotFound 400.
 * - developer.aliyun.com/ask/278265 and help.aliyun.com/document_detail/51132 give InvalidAccessKeyId.NotFound
 *   as 404 instead: the sources disagree, we answer 404 (the gateway's "not found" family) and say so.
 * - help.aliyun.com/document_detail/51132: IncompleteSignature 400.
 * - help.aliyun.com/en/dns/error-code: InternalError 500, ServiceUnavailable 503.
 * Everything marked `verified: false` below is unverified: the code is the one the brief and SDK users report,
 * the HTTP status is our best guess.
 */

/** One row of the error table. */
export interface ErrorSpec {
  status: number;
  message: string;
  /** false = the HTTP status (or the exact code) was not confirmed in public documentation. */
  verified: boolean;
}

/** The common error codes the OpenAPI stand-in can answer with. */
export const OPENAPI_ERRORS = {
  SignatureDoesNotMatch: {
    status: 400,
    message: 'Specified signature is not matched with our calculation.',
    verified: true,
  },
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Aliyun standards.',
    verified: true,
  },
  'InvalidAccessKeyId.NotFound': {
    status: 404,
    message: 'Specified access key is not found.',
    verified: false,
  },
  'InvalidSecurityToken.Expired': {
    status: 400,
    message: 'Specified SecurityToken is expired.',
    verified: false,
  },
  'InvalidSecurityToken.Malformed': {
    status: 400,
    message: 'Specified SecurityToken is malformed.',
    verified: false,
  },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
    verified: false,
  },
  MissingSecurityToken: {
    status: 400,
    message: 'SecurityToken is mandatory for this action.',
    verified: false,
  },
  'InvalidTimeStamp.Expired': {
    status: 400,
    message: 'Specified time stamp or date value is expired.',
    verified: true,
  },
  'InvalidTimeStamp.Format': {
    status: 400,
    message: 'Specified time stamp or date value is not well formatted.',
    verified: true,
  },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.', verified: true },
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
    verified: false,
  },
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.', verified: false },
  'Throttling.User': { status: 400, message: 'Request was denied due to user flow control.', verified: true },
  ServiceUnavailable: {
    status: 503,
    message: 'The request has failed due to a temporary failure of the server.',
    verified: true,
  },
  InternalError: {
    status: 500,
    message: 'The request processing has failed due to some unknown error.',
    verified: true,
  },
} as const satisfies Record<string, ErrorSpec>;

/** A code from the common error table. */
export type OpenApiErrorCode = keyof typeof OPENAPI_ERRORS;

/** Thrown inside the stand-in to answer a request with an OpenAPI error; products may use their own codes. */
export class OpenApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message?: string, status?: number) {
    const spec = (OPENAPI_ERRORS as Record<string, ErrorSpec>)[code];
    super(message ?? spec?.message ?? code);
    this.name = 'OpenApiError';
    this.code = code;
    this.status = status ?? spec?.status ?? 400;
  }
}

/** The JSON body of an OpenAPI error response. */
export function errorBody(
  err: OpenApiError,
  requestId: string,
): { Code: string; Message: string; RequestId: string } {
  return { Code: err.code, Message: err.message, RequestId: requestId };
}
