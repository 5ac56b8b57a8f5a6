/**
 * The permissions in deploy/ are checked against what the deployed functions call, not against what the
 * clients can do: s.yaml says which functions are deployed (and under which names) and which function the
 * environment says is invoked; each function's bundle is its handler and every module it imports; the calls
 * on the clients in those modules are the cloud API actions the RAM policy must grant, and nothing more.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { deployedName } from '../../shared/runtime/handler-shell';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** Every cloud API action the clients define, found in their source (retryRead / writeOnce / callRpc names). */
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

/**
 * Each client method (as the Wiring names the clients: shared/runtime/wiring.ts) and the RAM actions a call
 * of it makes. Checked against the clients' source below, so a new action cannot be missed here.
 */
const CLIENT_CALLS: Record<string, string[]> = {
  'ack.clusterDetail': ['cs:DescribeClusterDetail'],
  'ack.memberKubeconfig': ['cs:DescribeClusterUserKubeconfig'],
  'ack.memberKube': ['cs:DescribeClusterUserKubeconfig'],
  'fleet.managedClusters': ['adcp:DescribeManagedClusters'],
  'fleet.attach': ['adcp:AttachClusterToHub'],
  'fleet.detach': ['adcp:DetachClusterFromHub'],
  'fleet.hubKubeconfig': ['adcp:DescribeHubClusterKubeconfig'],
  'fleet.kube': ['adcp:DescribeHubClusterKubeconfig'],
  'mse.gatewayStatus': ['mse:ListGateway'],
  'mse.serviceHealth': ['mse:ListGatewayService'],
  'cms.metricList': ['cms:DescribeMetricList'],
  'cms.putMetrics': ['cms:PutCustomMetric'],
  'cms.putMetricsBatched': ['cms:PutCustomMetric'],
  'cms.putAuditEvent': ['cms:PutCustomEvent'],
  'cms.metricRules': ['cms:DescribeMetricRuleList'],
  'fc.invokeAsync': ['fc:InvokeFunction'],
};
const CLIENT_FILES: Record<string, string> = {
  ack: 'ack-client.ts',
  fleet: 'fleet-client.ts',
  mse: 'mse-client.ts',
  cms: 'cms-client.ts',
  fc: 'fc-client.ts',
};

interface Resource {
  props: { functionName: string; code: string; environmentVariables: unknown };
}
const sYaml = () =>
  parse(read('s.yaml')) as {
    vars: { environment: Record<string, string> };
    resources: Record<string, Resource>;
  };

/** The modules of a function's bundle: its handler and every module reached by relative value imports. */
function bundleModules(folder: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = read(file);
    const specs = [
      ...src.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'(\.{1,2}\/[^']+)'/gm),
      ...src.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
    ].map((m) => m[1]!);
    for (const spec of specs) {
      const base = join(dirname(file), spec);
      const hit = [`${base}.ts`, join(base, 'index.ts'), base].find(
        (p) => /\.(ts|mjs|js)$/.test(p) && existsSync(join(root, p)),
      );
      if (hit) visit(relative(root, join(root, hit)));
    }
  };
  visit(`functions/${folder}/handler.ts`);
  return seen;
}

/** The RAM actions the modules call, by `<client>.<method>(` on the Wiring's clients, outside the clients. */
function actionsCalled(modules: Set<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of modules) {
    if (file.startsWith('shared/clients/')) continue;
    for (const m of read(file).matchAll(/\b(ack|fleet|mse|cms|fc)\s*\.\s*([A-Za-z]+)\s*\(/g)) {
      const actions = CLIENT_CALLS[`${m[1]}.${m[2]}`];
      if (!actions) continue;
      for (const a of actions) out.set(a, [...(out.get(a) ?? []), `${file}: ${m[0]}`]);
    }
  }
  return out;
}

type Statement = { Action: string[]; Resource: string | string[] };
const ramPolicy = () => JSON.parse(read('deploy/ram-policy.json')) as { Statement: Statement[] };

/** RAM resource matching: `*` matches any run of characters. */
const arnMatches = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(arn);

describe('deploy permissions', () => {
  const resources = Object.entries(sYaml().resources);
  const modules = new Set(resources.flatMap(([folder]) => [...bundleModules(folder)]));
  const called = actionsCalled(modules);

  it('knows the RAM action of every client method, and every action the clients define', () => {
    const defined = actionsInSource();
    assert.ok(defined.size >= 12, `found ${defined.size} actions`);
    const mapped = new Set(Object.values(CLIENT_CALLS).flat());
    for (const [action, product] of defined)
      assert.ok(mapped.has(`${product}:${action}`), `${product}:${action} has no method in CLIENT_CALLS`);
    for (const key of Object.keys(CLIENT_CALLS)) {
      const [client, method] = key.split('.') as [string, string];
      assert.match(read(`shared/clients/${CLIENT_FILES[client]}`), new RegExp(`\\b${method}\\b`), key);
    }
  });

  it('follows each deployed function into the modules it is built from', () => {
    for (const [folder] of resources) assert.ok(bundleModules(folder).size > 3, folder);
    assert.ok(modules.has('shared/runtime/wiring.ts'));
    assert.ok(called.has('adcp:DescribeHubClusterKubeconfig'), 'the Fleet kubeconfig (wiring)');
    assert.ok(called.has('fc:InvokeFunction'), 'alarm-failover wakes notify');
  });

  it('the RAM policy grants each action the deployed functions call, and nothing else', () => {
    const allowed = new Set(ramPolicy().Statement.flatMap((s) => s.Action));
    for (const [action, where] of called) assert.ok(allowed.has(action), `${action} missing (${where[0]})`);
    const unused = [...allowed].filter((a) => !called.has(a));
    assert.deepEqual(unused, [], 'granted, but no deployed function calls it');
  });

  it('fc:InvokeFunction covers the deployed function the environment names, and only fleet-dr functions', () => {
    const y = sYaml();
    const deployed = Object.values(y.resources).map((r) => r.props.functionName);
    const invoked = [y.vars.environment.FLEET_DR_NOTIFY_FUNCTION ?? '', deployedName('notify')];
    const invokeStatements = ramPolicy().Statement.filter((s) => s.Action.includes('fc:InvokeFunction'));
    assert.ok(invokeStatements.length > 0);
    const patterns = invokeStatements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    const arn = (name: string) => `acs:fc:cn-hangzhou:1234567890:functions/${name}`;
    for (const name of invoked) {
      assert.ok(deployed.includes(name), `${name} is invoked but s.yaml deploys ${deployed.join(', ')}`);
      assert.ok(
        patterns.some((p) => arnMatches(p, arn(name))),
        `${arn(name)} is not matched by ${patterns.join(', ')}`,
      );
    }
    for (const other of ['notify', 'alarm-failover', 'someone-elses-function'])
      assert.ok(!patterns.some((p) => arnMatches(p, arn(other))), `${other} must not be invocable`);
  });

  it('the Fleet RBAC grants each verb on each resource the Kubernetes code uses, and no delete', () => {
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
      'mseingressconfigs:get',
      'mseingressconfigs:update',
      'services:get',
      'pods:list',
      'deployments:list',
      'nodes:list',
    ];
    for (const n of needed) assert.ok(grants.has(n), `${n} missing`);
    // Nodes are cluster-scoped: only a member cluster's ClusterRole can grant them (zone pins read them).
    const nodeRoles = docs.filter((d) =>
      d.rules?.some((r: { resources: string[] }) => r.resources.includes('nodes')),
    );
    assert.deepEqual(
      nodeRoles.map((d) => [d.kind, d.metadata.labels?.['fleet-dr.io/apply-to']]),
      [['ClusterRole', 'member-clusters']],
    );
    for (const d of docs.filter((x) => x.kind.endsWith('Binding')))
      assert.ok(docs.some((r) => r.kind === d.roleRef.kind && r.metadata.name === d.roleRef.name));
    // Only IngressWeightWriter.release deletes (canaries); no deployed function calls it.
    const deleters = [...modules].filter(
      (f) =>
        !f.startsWith('shared/clients/') &&
        (/\.release\(/.test(read(f)) ||
          (f !== 'shared/gateway/weight-writer.ts' && /\bdelete[A-Z]\w*\(/.test(read(f)))),
    );
    assert.deepEqual(deleters, [], 'a deployed function deletes Kubernetes objects: grant the verb');
    assert.deepEqual(
      [...grants].filter((g) => g.endsWith(':delete')),
      [],
      'no delete granted, since nothing deletes',
    );
  });
});
