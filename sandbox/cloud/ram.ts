/**
 * RAM authorisation for the OpenAPI and Function Compute stand-ins. Every signed call is checked against the
 * policy attached to its caller: the sandbox's long-lived access keys are the account's administrator (full
 * access), STS credentials from `issueStsToken()` are the functions' RAM role, which carries
 * `deploy/ram-policy.json` unless a test attaches another document (`setRolePolicy`, `revoke`, `grant`).
 *
 * Evaluation (RAM's documented logic): an explicit `Deny` that matches wins; otherwise a matching `Allow`
 * allows; otherwise the call is implicitly denied. `Action` and `Resource` take `*` wildcards.
 *
 * What a denial looks like on the wire (sources read through the search tool):
 * - ACK `cs` (ROA), VERIFIED from ACK's RRSA guide (a captured SDK error): HTTP 403, body
 *   `{"accessDeniedDetail":{"AuthAction","AuthPrincipalDisplayName","AuthPrincipalOwnerId","AuthPrincipalType":
 *   "AssumedRoleUser","NoPermissionType":"ImplicitDeny","PolicyType":…},"code":"StatusForbidden","message":
 *   "STSToken policy Forbidden for action cs:<Action>","requestId","status":403,"statusCode":403}`; ACK's
 *   authorisation notice gives `RAM policy Forbidden for action cs:<Action>` for a RAM user (long-lived key).
 * - RPC products (adcp, mse, cms): `Forbidden.RAM`, `User not authorized to operate on the specified resource,
 *   or this API doesn't support RAM.` (many SDK captures; the DRDS error table and ECS's 2025 notice give HTTP
 *   403 and an `AccessDeniedDetail` field). UNVERIFIED for adcp, mse and cms specifically: they may use a
 *   product code (CloudMonitor documents `NoPermission`/403 in some APIs); the HTTP status of some older
 *   gateways was 400.
 * - Function Compute, VERIFIED for 2.0 from a captured error: HTTP 403 `AccessDenied`, message
 *   `the caller is not authorized to perform 'fc:<Action>' on resource '<arn>'.`; the same code and message
 *   for the 3.0 API are UNVERIFIED.
 * Also UNVERIFIED: case-insensitive matching of actions (RAM treats action names case-insensitively in the
 * console; not confirmed for the evaluator), the `PolicyType` value, the role's session name, and the resource
 * ARNs of actions the reference does not give (`*` is used for those; see `resourceArn*` in the products).
 */
import { logAuthzDecision } from '../authz-log';

/** One statement of a RAM policy document (Condition, NotAction and NotResource are not modelled). */
export interface RamStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
}

/** A RAM policy document, version 1. */
export interface RamPolicyDocument {
  Version: string;
  Statement: RamStatement[];
}

/** Who is calling: the account's administrator (a long-lived key) or an assumed RAM role (STS). */
export type RamPrincipal =
  | { type: 'admin'; accessKeyId: string }
  | { type: 'role'; accessKeyId: string; roleName: string; sessionName: string };

/**
 * The kubeconfig ACK (cs DescribeClusterUserKubeconfig) or ACK One (adcp DescribeHubClusterKubeconfig) issues
 * to a caller, or undefined for the world's (administrator) kubeconfig.
 */
export type KubeconfigIssuer = (
  principal: RamPrincipal | undefined,
  target: { fleet: true } | { clusterId: string },
) => string | undefined;

/** The outcome of an evaluation, named as RAM's `NoPermissionType` names the two denials. */
export type RamDecision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** The functions' RAM role in the sandbox (the id is the Kubernetes user ACK maps the role to). */
export const SANDBOX_FUNCTION_ROLE = {
  name: 'fleet-dr',
  /** The role id (`aliyun ram GetRole` RoleId); test/deploy/guide-walk.test.ts uses the same value. */
  id: '300000000000000001',
} as const;

function list(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

/** `*` matches any run of characters (also none); everything else is literal. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const esc = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${esc}$`, ignoreCase ? 'i' : '').test(value);
}

/** Throws when the document is not a policy the evaluator understands. */
export function checkPolicyDocument(doc: unknown): RamPolicyDocument {
  const d = doc as RamPolicyDocument;
  if (!d || typeof d !== 'object' || d.Version !== '1' || !Array.isArray(d.Statement))
    throw new Error('RAM policy: expected {"Version":"1","Statement":[...]}');
  for (const s of d.Statement) {
    const keys = Object.keys(s);
    const unsupported = keys.filter((k) => !['Sid', 'Effect', 'Action', 'Resource'].includes(k));
    if (unsupported.length > 0)
      throw new Error(`RAM policy: the sandbox does not evaluate ${unsupported.join(', ')}`);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
      throw new Error('RAM policy: Effect must be Allow or Deny');
    for (const f of ['Action', 'Resource'] as const) {
      const v = s[f];
      if (!(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))))
        throw new Error(`RAM policy: ${f} must be a string or a list of strings`);
    }
  }
  return d;
}

/** Evaluates one request against a document: explicit Deny, then Allow, else implicit deny. */
export function evaluatePolicy(doc: RamPolicyDocument, action: string, resource: string): RamDecision {
  const matches = (s: RamStatement) =>
    list(s.Action).some((a) => wildcardMatch(a, action, true)) &&
    list(s.Resource).some((r) => wildcardMatch(r, resource));
  if (doc.Statement.some((s) => s.Effect === 'Deny' && matches(s))) return 'ExplicitDeny';
  if (doc.Statement.some((s) => s.Effect === 'Allow' && matches(s))) return 'Allow';
  return 'ImplicitDeny';
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A RAM denial the stand-ins turn into the product's error body. */
export interface RamDenial {
  action: string;
  resource: string;
  decision: Exclude<RamDecision, 'Allow'>;
  principal: Extract<RamPrincipal, { type: 'role' }>;
  accountId: string;
}

/** The policies attached to the sandbox's principals. */
export class RamAuthorizer {
  private policy: RamPolicyDocument;
  /** Turned off by the `enforceRam: false` sandbox option: every call is allowed (as before). */
  enforce: boolean;

  constructor(
    private readonly defaultPolicy: RamPolicyDocument,
    readonly accountId: string,
    enforce = true,
  ) {
    this.policy = clone(checkPolicyDocument(defaultPolicy));
    this.enforce = enforce;
  }

  /** The document attached to the functions' role (a copy). */
  rolePolicy(): RamPolicyDocument {
    return clone(this.policy);
  }

  /** Attach `doc` to the functions' role instead of the current one. */
  setRolePolicy(doc: RamPolicyDocument): void {
    this.policy = clone(checkPolicyDocument(doc));
  }

  /** Back to the default (deploy/ram-policy.json). */
  resetRolePolicy(): void {
    this.policy = clone(this.defaultPolicy);
  }

  /**
   * Remove one action from the role: it is taken out of every Allow statement that names it, and when a
   * wildcard still grants it (`cs:*`) a Deny statement for exactly that action is added.
   */
  revoke(action: string): void {
    const doc = this.rolePolicy();
    doc.Statement = doc.Statement.flatMap((s) => {
      if (s.Effect !== 'Allow') return [s];
      const left = list(s.Action).filter((a) => a.toLowerCase() !== action.toLowerCase());
      return left.length === 0 ? [] : [{ ...s, Action: left }];
    });
    const stillGranted = doc.Statement.some(
      (s) => s.Effect === 'Allow' && list(s.Action).some((a) => wildcardMatch(a, action, true)),
    );
    if (stillGranted)
      doc.Statement.push({
        Sid: `SandboxRevoke${doc.Statement.length}`,
        Effect: 'Deny',
        Action: action,
        Resource: '*',
      });
    this.policy = doc;
  }

  /** Add an Allow statement for `action` on `resource` (default `*`). */
  grant(action: string, resource = '*'): void {
    this.policy.Statement.push({ Effect: 'Allow', Action: [action], Resource: resource });
  }

  /** The decision for a principal; administrators (long-lived keys) are always allowed. */
  evaluate(principal: RamPrincipal | undefined, action: string, resource: string): RamDecision {
    if (!this.enforce || !principal || principal.type === 'admin') return 'Allow';
    return evaluatePolicy(this.policy, action, resource);
  }

  /** Every denial answered so far (newest last; bounded), for tests and `fleet-dr preflight`-style reports. */
  readonly denials: Array<{ action: string; resource: string; decision: RamDecision; at: number }> = [];

  /** Returns the denial to answer with, or undefined when the call may go on. */
  check(principal: RamPrincipal | undefined, action: string, resource: string): RamDenial | undefined {
    const decision = this.evaluate(principal, action, resource);
    if (principal?.type === 'role') logAuthzDecision({ system: 'ram', decision, action, resource });
    if (decision === 'Allow' || principal?.type !== 'role') return undefined;
    if (this.denials.length >= 1000) this.denials.shift();
    this.denials.push({ action, resource, decision, at: Date.now() });
    return { action, resource, decision, principal, accountId: this.accountId };
  }
}

/** The `accessDeniedDetail` object ACK returns (field names as captured; `PolicyType` value unverified). */
export function accessDeniedDetail(d: RamDenial): Record<string, string> {
  return {
    AuthAction: d.action,
    AuthPrincipalDisplayName: `${d.principal.roleName}:${d.principal.sessionName}`,
    AuthPrincipalOwnerId: d.accountId,
    AuthPrincipalType: 'AssumedRoleUser',
    NoPermissionType: d.decision,
    PolicyType: 'AccountLevelIdentityBasedPolicy',
  };
}

/** HTTP status and JSON body of a denial on the OpenAPI endpoint, per product style. */
export function openApiDenialBody(
  d: RamDenial,
  style: 'RPC' | 'ROA',
  requestId: string,
): { status: number; body: Record<string, unknown> } {
  if (style === 'ROA')
    return {
      status: 403,
      body: {
        accessDeniedDetail: accessDeniedDetail(d),
        code: 'StatusForbidden',
        message: `STSToken policy Forbidden for action ${d.action}`,
        requestId,
        status: 403,
        statusCode: 403,
      },
    };
  return {
    status: 403,
    body: {
      RequestId: requestId,
      Code: 'Forbidden.RAM',
      Message: "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
      AccessDeniedDetail: accessDeniedDetail(d),
    },
  };
}

/** The Function Compute message for a denial (2.0 wording as captured; 3.0 assumed the same). */
export function fcDenialMessage(d: RamDenial): string {
  return `the caller is not authorized to perform '${d.action}' on resource '${d.resource}'.`;
}

/** Thrown by the stand-ins when RAM denies a call; the HTTP layer renders it per product. */
export class RamDeniedError extends Error {
  constructor(readonly denial: RamDenial) {
    super(`RAM denied ${denial.action} on ${denial.resource}`);
    this.name = 'RamDeniedError';
  }
}
