/**
 * Shared plumbing for the OpenAPI SDKs: the SDK Config from credentials and endpoint, a `callApi` for
 * products without a served SDK (adcp, MSE), and the mapping of SDK errors to named errors.
 */
import * as OpenApiMod from '@alicloud/openapi-core';
import { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { cjsDefault } from './cjs';
import type { CloudCredentials } from './credentials';
import type { ResolvedEndpoint } from './endpoints';
import {
  CloudApiError,
  CloudAuthError,
  CloudServerError,
  CloudThrottlingError,
  TimeoutError,
} from './errors';

/** Build the SDK Config for one product. */
export function sdkConfig(creds: CloudCredentials, ep: ResolvedEndpoint, region: string, timeoutMs: number) {
  return new $OpenApiUtil.Config({
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    securityToken: creds.securityToken,
    regionId: region,
    endpoint: ep.endpoint,
    protocol: ep.protocol,
    readTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 5_000),
  });
}

/** SDK runtime options: no SDK-level retry (retry.ts decides), our timeouts. */
export function runtime(timeoutMs: number) {
  return new $dara.RuntimeOptions({
    autoretry: false,
    readTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 5_000),
  });
}

const SIGNATURE_CODES =
  /Signature|AccessKey|InvalidSecurityToken|MissingSecurityToken|InvalidAccessKeyId|NoPermission|Forbidden/i;

/** Turn whatever the SDK threw into a named CloudApiError (or keep a TimeoutError). */
export function toCloudError(api: string, err: unknown): Error {
  if (err instanceof CloudApiError || err instanceof TimeoutError) return err;
  const e = err as {
    code?: unknown;
    message?: unknown;
    statusCode?: unknown;
    requestId?: unknown;
    data?: Record<string, unknown>;
    name?: unknown;
  };
  const statusCode =
    typeof e?.statusCode === 'number' ? e.statusCode : (e?.data?.statusCode as number | undefined);
  const code = String(e?.code ?? e?.data?.Code ?? e?.name ?? 'Unknown');
  const requestId = (e?.requestId ?? e?.data?.RequestId) as string | undefined;
  const message = String(e?.data?.Message ?? e?.message ?? err);
  if (/Throttling/i.test(code) || statusCode === 429)
    return new CloudThrottlingError(api, code, message, requestId, statusCode, { cause: err });
  if (statusCode !== undefined && statusCode >= 500)
    return new CloudServerError(api, code, message, requestId, statusCode, { cause: err });
  if (SIGNATURE_CODES.test(code) || statusCode === 401 || statusCode === 403)
    return new CloudAuthError(api, code, message, requestId, statusCode, { cause: err });
  if (statusCode === undefined && typeof e?.code === 'string' && /^E[A-Z]+/.test(e.code)) return err as Error; // network: keep code for isTransient
  return new CloudApiError(api, code, message, requestId, statusCode, { cause: err });
}

/** An RPC call through the generic client; every parameter goes on the query string as the SDKs do. */
export async function callRpc(
  cfg: InstanceType<typeof $OpenApiUtil.Config>,
  version: string,
  action: string,
  query: Record<string, unknown>,
  timeoutMs: number,
  body?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const Client = cjsDefault(OpenApiMod.default);
  const client = new Client(cfg);
  const params = new $OpenApiUtil.Params({
    action,
    version,
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const req = new $OpenApiUtil.OpenApiRequest({
    query: OpenApiUtil.query(query),
    body: body ? OpenApiUtil.parseToMap(body) : undefined,
  });
  try {
    const res = (await client.callApi(params, req, runtime(timeoutMs))) as { body?: Record<string, unknown> };
    return res.body ?? {};
  } catch (err) {
    throw toCloudError(action, err);
  }
}
