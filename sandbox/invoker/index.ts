/**
 * The local Function Compute 3.0 invoker: run fleet-dr's functions on this machine exactly as FC calls
 * them, as the FC stand-in's dispatcher and behind an HTTP front that stands in for HTTP trigger URLs.
 */
export { FunctionInvocationError, FunctionNotFoundError } from './fc-error';
export { buildHttpTriggerEvent, type HttpTriggerEvent, httpResponseFromResult } from './http-event';
export type { HttpFront } from './http-front';
export { createLocalInvoker, type InvokeOptions, type LocalInvoker } from './local-invoker';
export { newRequestId } from './request-id';
export type * from './types';
