/**
 * What the drift check adds to deploy/: on the Fleet, `list` of Argo CD Applications in `argocd` and nothing
 * else (the Applications are the one new Kubernetes call: shared/drift/argocd-applications.ts, through the
 * Fleet KubeClient's listCustomObjects); in RAM, nothing new (DescribeManagedClusters and AttachClusterToHub
 * are already granted; deploy-permissions.test.ts checks the RAM policy against every deployed function's calls).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), 'utf8');

describe('drift-check permissions', () => {
  it('the Fleet RBAC grants list on Argo CD applications in argocd, and nothing more on them', () => {
    const docs = parseAllDocuments(read('deploy/fleet-rbac.yaml')).map((d) => d.toJSON());
    const rules = docs
      .filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole')
      .flatMap((d) =>
        (d.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>).map((r) => ({
          ns: d.metadata.namespace as string | undefined,
          ...r,
        })),
      )
      .filter((r) => r.apiGroups.includes('argoproj.io'));
    assert.deepEqual(rules, [
      { ns: 'argocd', apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['list'] },
    ]);
    const role = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'argocd');
    assert.ok(
      docs.some(
        (d) =>
          d.kind === 'RoleBinding' &&
          d.metadata.namespace === 'argocd' &&
          d.roleRef.name === role.metadata.name,
      ),
      'bound to the function role',
    );
  });

  it('the adapter only lists Applications, through the Fleet KubeClient', () => {
    const src = read('shared/drift/argocd-applications.ts');
    const calls = [...src.matchAll(/fleetKube\.(\w+)\(/g)].map((m) => m[1]);
    assert.deepEqual(calls, ['listCustomObjects']);
    assert.doesNotMatch(src, /KubeConfig|CustomObjectsApi/, 'no client of its own');
  });

  it('the RAM policy already grants the adcp calls the check and its repairs make', () => {
    const actions = (
      JSON.parse(read('deploy/ram-policy.json')) as { Statement: Array<{ Action: string[] }> }
    ).Statement.flatMap((s) => s.Action);
    for (const a of ['adcp:DescribeManagedClusters', 'adcp:AttachClusterToHub', 'cs:DescribeClusterDetail'])
      assert.ok(actions.includes(a), a);
  });
});
