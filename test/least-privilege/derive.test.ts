// The least-privilege comparison (test/least-privilege/derive.ts) on hand-made logs and grants: both
// directions fail when they should, a denied call still counts as called, and a stale allow-list entry is named.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type AuthzRecord, authzLine, logAuthzDecision, onAuthzDecision } from '../../sandbox/authz-log';
import { SANDBOX_FUNCTION_ROLE } from '../../sandbox/cloud/ram';
import {
  checkSuiteLog,
  comparePrivileges,
  type Grants,
  parseAuthzLog,
  privilegeProblems,
  rbacRules,
  readDeployGrants,
} from './derive';

const ROLE = SANDBOX_FUNCTION_ROLE.id;
const grants: Grants = {
  ram: {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['cs:DescribeClusterDetail'], Resource: 'acs:cs:*:*:cluster/*' },
      { Effect: 'Allow', Action: ['cms:PutCustomEvent'], Resource: '*' },
    ],
  },
  rbac: rbacRules(`
kind: Role
metadata: { name: state, namespace: fleet-dr }
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, update]
`),
};
const ram = (action: string, resource = '*', decision = 'Allow'): AuthzRecord => ({
  system: 'ram',
  decision,
  action,
  resource,
});
const rbac = (verb: string, resource: string, o: Partial<AuthzRecord> = {}): AuthzRecord =>
  ({
    system: 'rbac',
    allowed: true,
    user: ROLE,
    verb,
    group: '',
    resource,
    namespace: 'fleet-dr',
    name: 'fleet-dr-routing-state',
    ...o,
  }) as AuthzRecord;
const log = (...records: AuthzRecord[]) => records.map((r) => JSON.stringify(r)).join('\n');
const everything = [
  ram('cs:DescribeClusterDetail', 'acs:cs:cn-hangzhou:1:cluster/c1'),
  ram('cms:PutCustomEvent'),
  rbac('get', 'configmaps'),
  rbac('update', 'configmaps'),
];

describe('least privilege: the comparison', () => {
  it('holds when every call is granted and every grant called', () => {
    const cmp = comparePrivileges(parseAuthzLog(log(...everything)), grants);
    assert.deepEqual(cmp.ungranted, []);
    assert.deepEqual(cmp.unexercised, []);
    assert.deepEqual(privilegeProblems(cmp, {}), []);
  });

  it('called ⊆ granted: a RAM action or a Kubernetes verb outside the grants fails, naming it', () => {
    const cmp = comparePrivileges(
      parseAuthzLog(
        log(
          ...everything,
          ram('mse:UpdateGatewayRoute'),
          ram('cs:DescribeClusterDetail', 'acs:cs:cn-hangzhou:1:nodepool/x'),
          rbac('delete', 'configmaps'),
          rbac('get', 'secrets'),
        ),
      ),
      grants,
    );
    assert.deepEqual(cmp.ungranted, [
      'cs:DescribeClusterDetail on acs:cs:cn-hangzhou:1:nodepool/x',
      'delete core/configmaps in fleet-dr (fleet-dr-routing-state)',
      'get core/secrets in fleet-dr (fleet-dr-routing-state)',
      'mse:UpdateGatewayRoute on *',
    ]);
    const problems = privilegeProblems(cmp, {});
    assert.equal(problems.length, 4);
    assert.match(problems.join('\n'), /called but not granted .*: mse:UpdateGatewayRoute on \*/);
  });

  it('a call RAM denied (a test revoked the grant on purpose) is still called, and still granted by the file', () => {
    const cmp = comparePrivileges(
      parseAuthzLog(log(...everything, ram('cms:PutCustomEvent', '*', 'ExplicitDeny'))),
      grants,
    );
    assert.deepEqual(privilegeProblems(cmp, {}), []);
    const onlyDenied = comparePrivileges(
      parseAuthzLog(
        log(
          ...everything.filter((r) => r.system !== 'ram' || r.action !== 'cms:PutCustomEvent'),
          ram('cms:PutCustomEvent', '*', 'ImplicitDeny'),
        ),
      ),
      grants,
    );
    assert.deepEqual(onlyDenied.unexercised, [], 'the denied call exercised its grant');
  });

  it('granted ⊆ called: a grant nobody called fails unless allow-listed, and a stale allow-list entry fails', () => {
    const cmp = comparePrivileges(
      parseAuthzLog(
        log(ram('cs:DescribeClusterDetail', 'acs:cs:cn-hangzhou:1:cluster/c1'), rbac('get', 'configmaps')),
      ),
      grants,
    );
    assert.deepEqual(cmp.unexercised, ['cms:PutCustomEvent', 'fleet: update core/configmaps in fleet-dr']);
    assert.deepEqual(privilegeProblems(cmp, {}), [
      'granted but never called, and not in the allow-list: cms:PutCustomEvent',
      'granted but never called, and not in the allow-list: fleet: update core/configmaps in fleet-dr',
    ]);
    const allowed = { 'cms:PutCustomEvent': 'why', 'fleet: update core/configmaps in fleet-dr': 'why' };
    assert.deepEqual(privilegeProblems(cmp, allowed), []);
    assert.deepEqual(privilegeProblems(cmp, { ...allowed, 'cs:DescribeClusterDetail': 'stale' }), [
      'in the allow-list but called, or not a grant (remove it): cs:DescribeClusterDetail',
    ]);
  });

  it("other RBAC users are not the functions' identity; self reviews are granted to every user", () => {
    const cmp = comparePrivileges(
      parseAuthzLog(
        log(
          ...everything,
          rbac('delete', 'configmaps', { user: 'someone-else' }),
          rbac('create', 'selfsubjectaccessreviews', {
            group: 'authorization.k8s.io',
            namespace: undefined,
            name: undefined,
          }),
        ),
      ),
      grants,
    );
    assert.deepEqual(privilegeProblems(cmp, {}), []);
  });

  it('a malformed log line is an error naming the line', () => {
    assert.throws(() => parseAuthzLog(`${log(...everything)}\nnot json`), /line 5 is not JSON/);
    assert.throws(() => parseAuthzLog('{"system":"iam"}'), /line 1 is not a RAM or RBAC decision/);
  });

  it('the runner check reads the real deploy/ files: an empty run leaves every grant unexercised', () => {
    const r = checkSuiteLog('');
    assert.ok(r.unexercised.includes('cs:DescribeClusterDetail'));
    assert.ok(r.problems.some((p) => p.includes('never called') && p.includes('fc:InvokeFunction')));
    assert.ok(readDeployGrants().rbac.length > 0);
  });
});

describe('least privilege: the stand-ins record', () => {
  it('SANDBOX_AUTHZ_LOG=<file> appends one JSON line per decision, which the comparison reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authz-log-'));
    const file = join(dir, 'authz.jsonl');
    try {
      for (const r of everything) logAuthzDecision(r, { SANDBOX_AUTHZ_LOG: file });
      assert.deepEqual(parseAuthzLog(readFileSync(file, 'utf8')).rbac.length, 2);
      assert.deepEqual(
        privilegeProblems(comparePrivileges(parseAuthzLog(readFileSync(file, 'utf8')), grants), {}),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SANDBOX_AUTHZ_LOG=1 keeps the stderr line; listeners get every decision', () => {
    const seen: AuthzRecord[] = [];
    const stop = onAuthzDecision((r) => seen.push(r));
    try {
      logAuthzDecision(ram('cs:DescribeClusterDetail', 'acs:cs:*:*:cluster/c1'), {});
    } finally {
      stop();
    }
    assert.equal(seen.length, 1);
    assert.equal(
      authzLine(seen[0]!),
      '[sandbox ram] Allow cs:DescribeClusterDetail on acs:cs:*:*:cluster/c1',
    );
    assert.equal(
      authzLine(rbac('get', 'configmaps')),
      `[sandbox rbac] allow ${ROLE} get /configmaps ns=fleet-dr name=fleet-dr-routing-state`,
    );
  });
});
