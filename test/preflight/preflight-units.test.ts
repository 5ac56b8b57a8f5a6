/**
 * The preflight's tables against deploy/ (every RAM action and every RBAC grant is checked, nothing more),
 * its pure judgements, the report's exit codes, and the command's usage.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { main } from '../../shared/cli/main';
import { CloudAuthError } from '../../shared/clients/errors';
import { type Policy, PolicySchema } from '../../shared/config';
import { judgeAction, RAM_ACTIONS } from '../../shared/preflight/identity';
import { judgeRbac, rbacNeeds } from '../../shared/preflight/rbac';
import { exitOf, renderJson, renderTable } from '../../shared/preflight/render';
import { judgeProbe } from '../../shared/preflight/signals';
import { fail, pass, warn } from '../../shared/preflight/types';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), 'utf8');
const policy: Policy = PolicySchema.parse(parse(read('deploy/policy.yaml')));

describe('preflight tables', () => {
  it('RAM_ACTIONS lists exactly the actions deploy/ram-policy.json grants', () => {
    const granted = (
      JSON.parse(read('deploy/ram-policy.json')) as { Statement: Array<{ Action: string[] }> }
    ).Statement.flatMap((s) => s.Action).sort();
    assert.deepEqual(RAM_ACTIONS.map((a) => a.action).sort(), granted);
    for (const a of RAM_ACTIONS.filter((x) => x.read))
      assert.match(a.action, /:(Describe|List|Get)/, `${a.action} is tried, so it must be a read`);
  });

  it('rbacNeeds asks for exactly what deploy/fleet-rbac.yaml grants (example policy)', () => {
    const docs = parseAllDocuments(read('deploy/fleet-rbac.yaml')).map((d) => d.toJSON());
    const granted = new Set<string>();
    for (const d of docs)
      if (d.kind === 'Role' || d.kind === 'ClusterRole') {
        const target = d.metadata.labels?.['fleet-dr.io/apply-to'] === 'member-clusters' ? 'member' : 'fleet';
        for (const r of d.rules)
          for (const res of r.resources)
            for (const v of r.verbs)
              granted.add(`${target} ${d.metadata.namespace ?? '-'} ${r.apiGroups[0]}/${res} ${v}`);
      }
    const needed = new Set(
      rbacNeeds(policy).map((n) => `${n.target} ${n.namespace ?? '-'} ${n.group}/${n.resource} ${n.verb}`),
    );
    assert.deepEqual([...needed].sort(), [...granted].sort());
  });
});

describe('preflight judgements', () => {
  const a = RAM_ACTIONS[0]!;
  it('a RAM denial FAILs naming the action; another error WARNs; a read PASSes', () => {
    const denied = judgeAction(a, {
      error: new CloudAuthError('DescribeClusterDetail', 'StatusForbidden', 'no', undefined, 403),
    });
    assert.equal(denied.result, 'FAIL');
    assert.match(denied.fix, new RegExp(a.action));
    assert.equal(judgeAction(a, { error: new Error('ECONNREFUSED') }).result, 'WARN');
    assert.equal(judgeAction(a, { ok: 'running' }).result, 'PASS');
  });

  it('an RBAC denial FAILs with the manifest document; an unreadable kubeconfig WARNs', () => {
    const needs = rbacNeeds(policy).filter((n) => n.resource === 'configmaps');
    const rows = judgeRbac(
      'fleet',
      needs,
      [{ allowed: true }, { allowed: false }, { allowed: true }],
      'step 4',
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.result, 'FAIL');
    assert.match(rows[0]!.evidence, /denied: create on configmaps in fleet-dr/);
    assert.match(rows[0]!.fix, /Role fleet-dr-state/);
    assert.equal(
      judgeRbac(
        'fleet',
        needs,
        needs.map(() => ({ error: 'no kubeconfig' })),
        'x',
      )[0]!.result,
      'WARN',
    );
  });

  it('a probe that does not answer FAILs and says where it was asked from', () => {
    const p = policy.clusters[0]!.probes[0]!;
    const r = judgeProbe('c1', p, { at: new Date().toISOString(), ok: false, error: 'refused' }, 'host h');
    assert.equal(r.result, 'FAIL');
    assert.match(r.evidence, /asked from host h/);
    assert.equal(
      judgeProbe('c1', p, { at: new Date().toISOString(), ok: true, status: 200, latencyMs: 3 }, 'h').result,
      'PASS',
    );
  });

  it('exit 1 only when a row FAILs; the table and JSON carry every row and the limits', () => {
    const rows = [pass('identity: x', 'ok'), warn('gateway: y', 'not checked', 'do z')];
    assert.equal(exitOf(rows), 0);
    assert.equal(exitOf([...rows, fail('rbac: z', 'denied', 'grant')]), 1);
    assert.match(renderTable(rows), /fix: do z/);
    assert.match(renderTable(rows), /what this does not prove/);
    assert.equal(JSON.parse(renderJson(rows)).checks.length, 2);
  });
});

describe('fleet-dr preflight (usage)', () => {
  const run = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    });
    return { code, stdout, stderr };
  };
  it('exits 2 on an unknown argument and on a missing --config value', async () => {
    assert.equal((await run(['preflight', '--yaml'])).code, 2);
    assert.equal((await run(['preflight', '--config'])).code, 2);
    assert.equal((await run(['preflight', '--config', '/nonexistent/policy.yaml'])).code, 2);
  });
  it('answers --help with its flags, and is in the command list', async () => {
    const h = await run(['preflight', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--config <file>/);
    assert.match(h.stdout, /--json/);
    assert.match((await run(['--help'])).stdout, /preflight \[--config/);
  });
});
