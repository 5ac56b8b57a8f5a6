import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** Every cloud API action the clients call, found in their source (retryRead / writeOnce / callRpc names). */
function actionsInSource(): Map<string, string> {
  const product: Record<string, string> = {
    'ack-client.ts': 'cs',
    'fleet-client.ts': 'adcp',
    'mse-client.ts': 'mse',
    'cms-client.ts': 'cms',
    'fc-client.ts': 'fc',
  };
  const out = new Map<string, string>();
  for (const [file, p] of Object.entries(product)) {
    const src = read(`shared/clients/${file}`);
    for (const m of src.matchAll(/(?:retryRead|writeOnce|read|guard|call|assoc)\(\s*'([A-Z][A-Za-z]+)'/g))
      out.set(m[1]!, p);
  }
  return out;
}

describe('deploy permissions', () => {
  it('the RAM policy allows every action the clients call, and nothing else', () => {
    const policy = JSON.parse(read('deploy/ram-policy.json')) as { Statement: Array<{ Action: string[] }> };
    const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
    const used = actionsInSource();
    assert.ok(used.size >= 12, `found ${used.size} actions`);
    for (const [action, product] of used)
      assert.ok(allowed.has(`${product}:${action}`), `${product}:${action} missing`);
    assert.equal(allowed.size, used.size, 'no permission the code does not use');
  });

  it('the Fleet RBAC grants each verb on each resource the Kubernetes code uses', () => {
    const docs = parseAllDocuments(read('deploy/fleet-rbac.yaml')).map((d) => d.toJSON());
    const grants = new Set<string>();
    for (const d of docs)
      if (d.kind === 'Role' || d.kind === 'ClusterRole')
        for (const r of d.rules)
          for (const res of r.resources) for (const v of r.verbs) grants.add(`${res}:${v}`);
    const needed = [
      'configmaps:get',
      'configmaps:create',
      'configmaps:update',
      'ingresses:get',
      'ingresses:list',
      'ingresses:create',
      'ingresses:update',
      'ingresses:delete',
      'mseingressconfigs:get',
      'mseingressconfigs:update',
      'services:get',
      'pods:list',
      'deployments:list',
    ];
    for (const n of needed) assert.ok(grants.has(n), `${n} missing`);
    for (const d of docs.filter((x) => x.kind.endsWith('Binding')))
      assert.ok(docs.some((r) => r.kind === d.roleRef.kind && r.metadata.name === d.roleRef.name));
  });
});
