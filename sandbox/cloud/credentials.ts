/**
 * Access keys and STS tokens the stand-ins accept. STS AccessKey IDs start with `STS.` as the real ones do
 * (@alicloud/fc2 relies on that prefix to decide whether to send its security token).
 */
import { randomBytes } from 'node:crypto';
import { OpenApiError } from './errors';
import { type RamPrincipal, SANDBOX_FUNCTION_ROLE } from './ram';

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
  /** The RAM role the credentials were issued for, and the session name. */
  roleName: string;
  sessionName: string;
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

  /**
   * Issue STS credentials valid for ttlMs (default one hour, the AssumeRole default), as the functions' RAM
   * role (the only role the sandbox models; RAM checks them against that role's policy).
   */
  issueStsToken(opts: { ttlMs?: number; sessionName?: string } = {}): StsCredentials {
    const c: StsEntry = {
      roleName: SANDBOX_FUNCTION_ROLE.name,
      sessionName: opts.sessionName ?? 'fc-function', // unverified: FC's session name for a function's role
      accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(20).toString('base64url'),
      securityToken: `CAIS${randomBytes(32).toString('base64url')}`,
      expiresAt: this.now() + (opts.ttlMs ?? 3_600_000),
    };
    this.sts.set(c.accessKeyId, c);
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken };
  }

  /** Who an AccessKey ID belongs to: a long-lived key is the account's administrator, STS the role. */
  principalOf(accessKeyId: string): RamPrincipal | undefined {
    if (this.keys.has(accessKeyId)) return { type: 'admin', accessKeyId };
    const s = this.sts.get(accessKeyId);
    return s ? { type: 'role', accessKeyId, roleName: s.roleName, sessionName: s.sessionName } : undefined;
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
