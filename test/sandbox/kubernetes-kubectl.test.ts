/**
 * Contract: kubectl (Debian's kubernetes-client) gets, applies, patches and deletes an Ingress through the
 * stand-in's kubeconfig. Fails (does not skip) when kubectl cannot run: `.ci/run` installs it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { ingressYaml, joinYaml, mseIngressConfigYaml, namespaceYaml } from '../../sandbox/kubernetes/seed';
import { startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';

describe('kubernetes stand-in: kubectl', () => {
  let server: KubeApiServer;
  // Async execFile: the server runs in this process, so a synchronous spawn would block it.
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      // --cache-dir: keep kubectl's discovery cache in the server's temp dir (removed on stop), not in ~/.kube.
      const cache = join(server.kubeconfigPath, '..', 'kubectl-cache');
      execFile(
        'kubectl',
        ['--cache-dir', cache, ...args],
        { env: { ...process.env, KUBECONFIG: server.kubeconfigPath }, timeout: 30000 },
        (err, stdout, stderr) =>
          err
            ? reject(new Error(`kubectl ${args.join(' ')} failed: ${err.message}\n${stderr}`))
            : resolve(stdout),
      );
    });
  before(async () => {
    server = await startTestServer({
      seedYaml: joinYaml(
        namespaceYaml(ns),
        mseIngressConfigYaml({ name: 'ackone-gateway', clusters: ['c1', 'c2'], status: 'Listening' }),
      ),
    });
  });
  after(() => server.stop());

  it('kubectl runs against the stand-in (version and discovery)', async () => {
    const out = await kubectl('version', '-o', 'json');
    assert.equal(JSON.parse(out).serverVersion.major, '1');
    assert.match(await kubectl('api-resources'), /mseingressconfigs/);
  });

  it('apply creates and then updates an Ingress; get shows it', async () => {
    const file = join(server.kubeconfigPath, '..', 'ing.yaml');
    writeFileSync(
      file,
      ingressYaml({ name: 'web-demo', namespace: ns, service: 'web-demo', annotations: { v: '1' } }),
    );
    assert.match(await kubectl('apply', '-f', file), /ingress.networking.k8s.io\/web-demo created/);
    writeFileSync(
      file,
      ingressYaml({
        name: 'web-demo',
        namespace: ns,
        service: 'web-demo',
        host: 'demo.example.com',
        annotations: { v: '2' },
      }),
    );
    assert.match(await kubectl('apply', '-f', file), /configured/);
    const obj = server.store.get('networking.k8s.io/v1', 'Ingress', ns, 'web-demo')!;
    assert.equal(obj.metadata.annotations?.v, '2');
    assert.equal((obj.spec as { rules: Array<{ host?: string }> }).rules[0]?.host, 'demo.example.com');
    assert.ok(obj.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
    const table = await kubectl('get', 'ingress', '-n', ns);
    assert.match(table, /^NAME\s+CLASS\s+AGE/m);
    assert.match(table, /^web-demo\s+mse/m);
    assert.equal(
      await kubectl('get', 'ing', 'web-demo', '-n', ns, '-o', 'jsonpath={.metadata.annotations.v}'),
      '2',
    );
    assert.match(await kubectl('get', 'mseingressconfig'), /ackone-gateway\s+Listening/);
  });

  it('patch (strategic, merge, json) and delete an Ingress', async () => {
    await kubectl('patch', 'ingress', 'web-demo', '-n', ns, '-p', '{"metadata":{"labels":{"s":"1"}}}');
    await kubectl(
      'patch',
      'ingress',
      'web-demo',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"nginx.ingress.kubernetes.io/canary-weight":"30"}}}',
    );
    await kubectl(
      'patch',
      'ingress',
      'web-demo',
      '-n',
      ns,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/ingressClassName","value":"mse2"}]',
    );
    const obj = server.store.get('networking.k8s.io/v1', 'Ingress', ns, 'web-demo')!;
    assert.equal(obj.metadata.labels?.s, '1');
    assert.equal(obj.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'], '30');
    assert.equal((obj.spec as { ingressClassName: string }).ingressClassName, 'mse2');
    await kubectl(
      'patch',
      'mseingressconfig',
      'ackone-gateway',
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"mse.alibabacloud.com/remote-clusters":"c1"}}}',
    );
    // kubectl apply on a CRD computes a JSON merge patch (no strategic merge for custom resources).
    const crd = join(server.kubeconfigPath, '..', 'mse.yaml');
    writeFileSync(crd, mseIngressConfigYaml({ name: 'applied-gw', clusters: ['c1', 'c2'] }));
    assert.match(await kubectl('apply', '-f', crd), /created/);
    writeFileSync(crd, mseIngressConfigYaml({ name: 'applied-gw', clusters: ['c2'] }));
    assert.match(await kubectl('apply', '-f', crd), /configured/);
    const gw = server.store.get('mse.alibabacloud.com/v1alpha1', 'MseIngressConfig', undefined, 'applied-gw');
    assert.equal(gw?.metadata.annotations?.['mse.alibabacloud.com/remote-clusters'], 'c2');
    assert.match(await kubectl('delete', 'ingress', 'web-demo', '-n', ns), /deleted/);
    assert.equal(server.store.get('networking.k8s.io/v1', 'Ingress', ns, 'web-demo'), undefined);
    await assert.rejects(kubectl('get', 'ingress', 'web-demo', '-n', ns), /NotFound|not found/);
  });
});
