/**
 * Where the cloud credentials come from, in order: the Function Compute context (the function role's STS
 * token), the environment (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / ALIBABA_CLOUD_SECURITY_TOKEN), then the
 * `@alicloud/credentials` default chain (profile, ECS RAM role, OIDC). Never logged.
 */
import * as CredMod from '@alicloud/credentials';
import { ConfigError } from '../errors';
import { cjsDefault } from './cjs';

/** An AccessKey pair, with an STS token when temporary. */
export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Returns current credentials (STS tokens expire, so callers ask each time they build a client). */
export type CredentialSource = () => Promise<CloudCredentials>;

/** The part of FC's `context` that carries the role's credentials. */
export interface FcContextLike {
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
}

/** Pick the credential source for this process: FC context, then environment, then the default chain. */
export function resolveCredentials(
  opts: { context?: FcContextLike; env?: NodeJS.ProcessEnv } = {},
): CredentialSource {
  const c = opts.context?.credentials;
  if (c?.accessKeyId && c.accessKeySecret) {
    const creds = {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
    };
    return async () => creds;
  }
  const env = opts.env ?? process.env;
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (id && secret) {
    const creds = {
      accessKeyId: id,
      accessKeySecret: secret,
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined,
    };
    return async () => creds;
  }
  if (id || secret)
    throw new ConfigError(
      'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set together',
    );
  return defaultChain();
}

function defaultChain(): CredentialSource {
  // Created lazily: the chain probes files and metadata endpoints only when a call needs credentials.
  let client:
    | { getCredential(): Promise<{ accessKeyId?: string; accessKeySecret?: string; securityToken?: string }> }
    | undefined;
  return async () => {
    const Credential = cjsDefault(CredMod.default) as unknown as new () => NonNullable<typeof client>;
    client ??= new Credential();
    const got = await client.getCredential();
    if (!got.accessKeyId || !got.accessKeySecret)
      throw new ConfigError('no Alibaba Cloud credentials found by the default chain');
    return {
      accessKeyId: got.accessKeyId,
      accessKeySecret: got.accessKeySecret,
      securityToken: got.securityToken || undefined,
    };
  };
}
