/**
 * Access keys and STS tokens the stand-ins accept. STS AccessKey IDs start with `STS.` as the real ones do
 * (@alicloud/fc2 relies on that prefix to decide whether to send its security token).
 */
import { randomBytes } from 'node:crypto';
import { OpenApiError } from './errors';

/** The fixed sandbox access key every sandbox client uses unless a test adds its own. */
export const SANDBOX_ACCESS_KEY = {
  accessKeyId: 'LTAI5tSandboxKey0001',
  accessKeySecret: 'SandboxSecretDoNotUseInProduction0001',
} as const;

/** An STS credential triple as the SDKs and FC's `context.credentials` carry it. */
export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

interface StsEntry extends StsCredentials {
  expiresAt: number;
}

/** What a signature check needs to know about an AccessKey ID. */
export interface KeyLookup {
  secret: string;
  sts?: { securityToken: string; expiresAt: number };
}

/** Known access keys and issued STS tokens, with an injectable clock for expiry. */
export class CredentialStore {
  private readonly keys = new Map<string, string>();
  private readonly sts = new Map<string, StsEntry>();
  constructor(private readonly now: () => number = Date.now) {
    this.addAccessKey(SANDBOX_ACCESS_KEY.accessKeyId, SANDBOX_ACCESS_KEY.accessKeySecret);
  }

  /** Accept another long-lived access key. */
  addAccessKey(id: string, secret: string): void {
    this.keys.set(id, secret);
  }

  /** Issue STS credentials valid for ttlMs (default one hour, the AssumeRole default). */
  issueStsToken(opts: { ttlMs?: number } = {}): StsCredentials {
    const c: StsEntry = {
      accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(20).toString('base64url'),
      securityToken: `CAIS${randomBytes(32).toString('base64url')}`,
      expiresAt: this.now() + (opts.ttlMs ?? 3_600_000),
    };
    this.sts.set(c.accessKeyId, c);
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken };
  }

  /** The secret (and STS token) for an AccessKey ID, or undefined. */
  lookup(accessKeyId: string): KeyLookup | undefined {
    const secret = this.keys.get(accessKeyId);
    if (secret !== undefined) return { secret };
    const s = this.sts.get(accessKeyId);
    if (s)
      return { secret: s.accessKeySecret, sts: { securityToken: s.securityToken, expiresAt: s.expiresAt } };
    return undefined;
  }

  /**
   * Check the security token that came with an STS key (or a token sent with a long-lived key).
   * Codes per the common error table; which one the real gateway picks for a token sent with a
   * non-STS key is unverified.
   */
  checkToken(key: KeyLookup, token: string | undefined): void {
    if (!key.sts) {
      if (token) throw new OpenApiError('InvalidSecurityToken.MismatchWithAccessKey');
      return;
    }
    if (!token) throw new OpenApiError('MissingSecurityToken');
    if (token !== key.sts.securityToken) throw new OpenApiError('InvalidSecurityToken.Malformed');
    if (this.now() >= key.sts.expiresAt) throw new OpenApiError('InvalidSecurityToken.Expired');
  }
}
