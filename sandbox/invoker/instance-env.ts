/**
 * The environment of one FC instance: the function's configured variables plus the ones the platform adds.
 * Unverified: the exact set of platform variables of FC 3.0 built-in runtimes; these are the documented
 * FC_* and ALIBABA_CLOUD_* names handlers and SDK credential chains read.
 */
import type { FcCredentials } from './types';

/** Builds an instance's `process.env`: nothing of the host process leaks in, as on FC. */
export function instanceEnv(opts: {
  configured: Record<string, string>;
  functionName: string;
  handler: string;
  memory: number;
  region: string;
  accountId: string;
  instanceId: string;
  credentials: FcCredentials;
}): Record<string, string> {
  return {
    ...opts.configured,
    FC_FUNCTION_NAME: opts.functionName,
    FC_FUNCTION_HANDLER: opts.handler,
    FC_FUNCTION_MEMORY_SIZE: String(opts.memory),
    FC_REGION: opts.region,
    FC_ACCOUNT_ID: opts.accountId,
    FC_INSTANCE_ID: opts.instanceId,
    ALIBABA_CLOUD_ACCESS_KEY_ID: opts.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: opts.credentials.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: opts.credentials.securityToken,
    TZ: 'UTC',
  };
}
