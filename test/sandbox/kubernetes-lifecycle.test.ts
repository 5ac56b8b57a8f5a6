/** Contract: several instances at once, 127.0.0.1 only, stop closes ports and watches, seed and YAML dump. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { parseManifests, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { fleetSeedYaml, memberSeedYaml } from '../../sandbox/kubernetes/seed';
import { eventually, kubeConfigFor } from './kubernetes-helpers';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('kubernetes stand-in: lifecycle', () => {
  it('runs several instances at once, each with its own port, token and data; stop leaves no port open', async () => {
    const servers = await Promise.all([
      startKubeApiServer({
        name: 'fleet',
        seedYaml: fleetSeedYaml({ clusters: ['c-ack-az1', 'c-reg-az2'] }),
      }),
      startKubeApiServer({ name: 'c-ack-az1', seedYaml: memberSeedYaml({ clusterId: 'c-ack-az1' }) }),
      startKubeApiServer({ name: 'c-reg-az2', seedYaml: memberSeedYaml({ clusterId: 'c-reg-az2' }) }),
    ]);
    let watchEnded = false;
    try {
      assert.equal(new Set(servers.map((s) => s.port)).size, 3);
      assert.equal(new Set(servers.map((s) => s.adminToken)).size, 3);
      for (const s of servers) {
        assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const cfg = parse(s.kubeconfig()) as { clusters: Array<{ cluster: { server: string } }> };
        assert.equal(cfg.clusters[0]!.cluster.server, s.url);
        assert.ok(existsSync(s.kubeconfigPath));
      }
      const [fleet, az1] = servers;
      assert.equal(fleet!.store.list('networking.k8s.io/v1', 'Ingress').length, 1);
      assert.equal(az1!.store.list('networking.k8s.io/v1', 'Ingress').length, 0);
      const deploys = az1!.store.list(
        'apps/v1',
        'Deployment',
        'web-demo',
        'topology.istio.io/cluster=c-ack-az1',
      );
      assert.equal(deploys.length, 1);
      // Another server's token is refused.
      const wrong = await fetch(`${az1!.url}/api/v1/namespaces`, {
        headers: { authorization: `Bearer ${fleet!.adminToken}` },
      });
      assert.equal(wrong.status, 401);
      // An open watch ends when the server stops.
      await new Watch(kubeConfigFor(fleet!)).watch(
        '/api/v1/namespaces',
        {},
        () => {},
        () => {
          watchEnded = true;
        },
      );
      const ok = await kubeConfigFor(az1!).makeApiClient(CoreV1Api).listNamespace();
      assert.ok(ok.items.length > 0);
      // The TLS kubeconfig (the one kubectl needs) verifies and works with client-node too.
      const tls = new KubeConfig();
      tls.loadFromString(az1!.kubeconfig(undefined, { tls: true }));
      assert.match(tls.getCurrentCluster()?.server ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(tls.getCurrentCluster()?.skipTLSVerify, false);
      assert.ok((await tls.makeApiClient(CoreV1Api).listNamespace()).items.length > 0);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    for (const s of servers) {
      assert.ok(await refused(s.port), `port ${s.port} still open`);
      assert.ok(s.tlsUrl, 'every instance serves https for kubectl');
      assert.ok(await refused(Number(new URL(s.tlsUrl).port)), `tls port of ${s.name} still open`);
      assert.ok(!existsSync(s.kubeconfigPath), 'kubeconfig temp file removed');
    }
    await eventually(() => watchEnded);
    await servers[0]!.stop(); // idempotent
  });

  it('dumps its state as YAML that seeds an equivalent server', async () => {
    const a = await startKubeApiServer({ name: 'a', seedYaml: fleetSeedYaml({ clusters: ['c1'] }) });
    try {
      const dump = a.dumpYaml();
      const objs = parseManifests(dump);
      assert.deepEqual(objs.map((o) => o.kind).sort(), [
        'Application',
        'Ingress',
        'IngressClass',
        'MseIngressConfig',
        'Namespace',
        'Namespace',
      ]);
      const b = await startKubeApiServer({ name: 'b', seedYaml: dump });
      try {
        const names = (s: typeof a) =>
          parseManifests(s.dumpYaml()).map(
            (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
          );
        assert.deepEqual(names(b), names(a));
        const mse = b.store.get(
          'mse.alibabacloud.com/v1alpha1',
          'MseIngressConfig',
          undefined,
          'ackone-gateway',
        );
        assert.deepEqual(mse?.status, { status: 'Listening' });
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop();
    }
  });
});
