/** Contract: status subresources and the simulated controllers (Deployment, MseIngressConfig, Application). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeApiServer, KubeObject } from '../../sandbox/kubernetes/index';
import { applicationYaml, deploymentYaml, joinYaml, namespaceYaml } from '../../sandbox/kubernetes/seed';
import { eventually, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const mse = { group: 'mse.alibabacloud.com', version: 'v1alpha1', plural: 'mseingressconfigs' };

describe('kubernetes stand-in: status', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startTestServer({
      seedYaml: joinYaml(
        namespaceYaml(ns),
        namespaceYaml('argocd'),
        deploymentYaml({ name: 'web', namespace: ns, replicas: 3 }),
        applicationYaml({ name: 'web', sync: 'OutOfSync', health: 'Progressing' }),
      ),
    });
  });
  after(() => server.stop());

  it('Deployment status follows spec.replicas; main-resource writes cannot change status, /status can', async () => {
    const apps = kubeConfigFor(server).makeApiClient(AppsV1Api);
    await eventually(
      async () =>
        (await apps.readNamespacedDeployment({ name: 'web', namespace: ns })).status?.readyReplicas === 3,
    );
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: ns, body: { spec: { replicas: 5 }, status: { readyReplicas: 99 } } },
      merge,
    );
    const d = await eventually(async () => {
      const x = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      return x.status?.readyReplicas === 5 ? x : undefined;
    });
    assert.equal(d.metadata?.generation, 2);
    assert.equal(d.status?.observedGeneration, 2);
    // A zone failure as the zones simulation writes it: status says 0 ready, and the controller leaves it.
    const st = await apps.patchNamespacedDeploymentStatus(
      { name: 'web', namespace: ns, body: { status: { readyReplicas: 0 } } },
      merge,
    );
    assert.equal(st.status?.readyReplicas, 0);
    assert.equal(st.spec?.replicas, 5, '/status writes keep the spec');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      (await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: ns })).status?.readyReplicas,
      0,
    );
  });

  it('MseIngressConfig moves Pending -> Running -> Listening on the configured timers', async () => {
    const custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    const seen = new Set<string>();
    const off = server.store.watch(
      'mse.alibabacloud.com/v1alpha1',
      'MseIngressConfig',
      (_t, o: KubeObject) => {
        const s = (o.status as { status?: string } | undefined)?.status;
        if (s) seen.add(s);
      },
    );
    try {
      await custom.createClusterCustomObject({
        ...mse,
        body: {
          apiVersion: 'mse.alibabacloud.com/v1alpha1',
          kind: 'MseIngressConfig',
          metadata: { name: 'gw' },
          spec: { name: 'mse-ingress' },
        },
      });
      await eventually(async () => {
        const o = (await custom.getClusterCustomObjectStatus({ ...mse, name: 'gw' })) as {
          status?: { status?: string };
        };
        return o.status?.status === 'Listening';
      });
      assert.deepEqual([...seen], ['Pending', 'Running', 'Listening']);
      // A test can force a failure through the status subresource.
      await custom.patchClusterCustomObjectStatus(
        { ...mse, name: 'gw', body: { status: { status: 'Failed', message: 'quota' } } },
        merge,
      );
      const o = (await custom.getClusterCustomObject({ ...mse, name: 'gw' })) as {
        status: { status: string; message: string };
      };
      assert.deepEqual(o.status, { status: 'Failed', message: 'quota' });
    } finally {
      off();
    }
  });

  it('Application carries status.sync.status and status.health.status, writable by simulations', async () => {
    const custom = kubeConfigFor(server).makeApiClient(CustomObjectsApi);
    const app = (await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      name: 'web',
    })) as KubeObject & { status: { sync: { status: string }; health: { status: string } } };
    assert.equal(app.status.sync.status, 'OutOfSync');
    assert.equal(app.status.health.status, 'Progressing');
    server.store.upsert({ ...app, status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } } });
    const again = (await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      name: 'web',
    })) as typeof app;
    assert.equal(again.status.health.status, 'Healthy');
  });
});
