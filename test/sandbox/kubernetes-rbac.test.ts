import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  AuthorizationV1Api,
  CoreV1Api,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  type V1Role,
} from '@kubernetes/client-node';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { apiError, kubeConfigFor, startTestServer } from './kubernetes-helpers';

const USER = '300000000000000001';

describe('Kubernetes stand-in: RBAC for RBAC users, access reviews', () => {
  let server: KubeApiServer;
  let token: string;
  let admin: RbacAuthorizationV1Api;
  let core: CoreV1Api;
  let authz: AuthorizationV1Api;

  const role = (verbs: string[]): V1Role => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'state', namespace: 'web-demo' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }],
  });
  const ssar = async (verb: string, resource: string, namespace?: string, name?: string, group = '') =>
    (
      await authz.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { verb, resource, namespace, name, group } } },
      })
    ).status ?? { allowed: false };

  before(async () => {
    server = await startTestServer();
    token = server.addRbacUser(USER);
    admin = kubeConfigFor(server).makeApiClient(RbacAuthorizationV1Api);
    core = kubeConfigFor(server, token).makeApiClient(CoreV1Api);
    authz = kubeConfigFor(server, token).makeApiClient(AuthorizationV1Api);
    await kubeConfigFor(server)
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({
        namespace: 'web-demo',
        body: { metadata: { name: 'cm1' }, data: { a: '1' } },
      });
    await admin.createNamespacedRole({ namespace: 'web-demo', body: role(['get', 'create', 'update']) });
    await admin.createNamespacedRoleBinding({
      namespace: 'web-demo',
      body: {
        metadata: { name: 'state' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'state' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
      },
    });
  });
  after(() => server.stop());

  it('serves the rbac.authorization.k8s.io/v1 kinds: create, get, list, update, delete', async () => {
    const got = await admin.readNamespacedRole({ name: 'state', namespace: 'web-demo' });
    assert.deepEqual(got.rules?.[0]?.verbs, ['get', 'create', 'update']);
    const cr = await admin.createClusterRole({
      body: {
        metadata: { name: 'tmp' },
        rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }],
      },
    });
    assert.equal(cr.metadata?.name, 'tmp');
    assert.ok((await admin.listClusterRole()).items.some((r) => r.metadata?.name === 'tmp'));
    await admin.replaceClusterRole({ name: 'tmp', body: { ...cr, rules: [] } });
    await admin.deleteClusterRole({ name: 'tmp' });
    assert.equal((await apiError(() => admin.readClusterRole({ name: 'tmp' }))).code, 404);
    assert.equal((await admin.listNamespacedRoleBinding({ namespace: 'web-demo' })).items.length, 1);
  });

  it('an allowed verb passes; a verb the role does not grant is the real 403 Forbidden', async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'cm1', namespace: 'web-demo' });
    assert.equal(cm.data?.a, '1');
    const e = await apiError(() => core.listNamespacedConfigMap({ namespace: 'web-demo' }));
    assert.equal(e.code, 403);
    assert.equal(e.status.reason, 'Forbidden');
    assert.equal(
      e.status.message,
      `configmaps is forbidden: User "${USER}" cannot list resource "configmaps" in API group "" in the namespace "web-demo"`,
    );
    const d = await apiError(() => core.deleteNamespacedConfigMap({ name: 'cm1', namespace: 'web-demo' }));
    assert.equal(
      d.status.message,
      `configmaps "cm1" is forbidden: User "${USER}" cannot delete resource "configmaps" in API group "" in the namespace "web-demo"`,
    );
    // another namespace: the RoleBinding does not reach it
    const o = await apiError(() => core.readNamespacedConfigMap({ name: 'x', namespace: 'default' }));
    assert.match(o.status.message, /in the namespace "default"$/);
    // cluster scope
    const n = await apiError(() => core.listNode());
    assert.equal(
      n.status.message,
      `nodes is forbidden: User "${USER}" cannot list resource "nodes" in API group "" at the cluster scope`,
    );
    const ing = await apiError(() =>
      kubeConfigFor(server, token)
        .makeApiClient(NetworkingV1Api)
        .listNamespacedIngress({ namespace: 'web-demo' }),
    );
    assert.match(
      ing.status.message,
      /^ingresses\.networking\.k8s\.io is forbidden: .* in API group "networking\.k8s\.io"/,
    );
  });

  it('removing a verb from the role makes exactly that verb 403; SelfSubjectAccessReview agrees', async () => {
    assert.equal((await ssar('update', 'configmaps', 'web-demo', 'cm1')).allowed, true);
    const cur = await admin.readNamespacedRole({ name: 'state', namespace: 'web-demo' });
    await admin.replaceNamespacedRole({
      name: 'state',
      namespace: 'web-demo',
      body: { ...cur, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] }] },
    });
    const cm = await core.readNamespacedConfigMap({ name: 'cm1', namespace: 'web-demo' });
    const e = await apiError(() =>
      core.replaceNamespacedConfigMap({ name: 'cm1', namespace: 'web-demo', body: cm }),
    );
    assert.equal(e.code, 403);
    assert.match(e.status.message, /cannot update resource "configmaps"/);
    const s = await ssar('update', 'configmaps', 'web-demo', 'cm1');
    assert.equal(s?.allowed, false);
    const g = await ssar('get', 'configmaps', 'web-demo', 'cm1');
    assert.equal(g?.allowed, true);
    assert.equal(
      g?.reason,
      `RBAC: allowed by RoleBinding "state/web-demo" of Role "state" to User "${USER}"`,
    );
    assert.equal((await ssar('list', 'configmaps', 'web-demo')).allowed, false);
  });

  it('resourceNames, subresources, ClusterRoleBindings, a missing role, and SubjectAccessReview', async () => {
    await admin.createClusterRole({
      body: {
        metadata: { name: 'gw' },
        rules: [
          {
            apiGroups: ['mse.alibabacloud.com'],
            resources: ['mseingressconfigs'],
            resourceNames: ['ackone-gateway'],
            verbs: ['get', 'update'],
          },
        ],
      },
    });
    await admin.createClusterRoleBinding({
      body: {
        metadata: { name: 'gw' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gw' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
      },
    });
    const mse = 'mse.alibabacloud.com';
    assert.equal((await ssar('get', 'mseingressconfigs', undefined, 'ackone-gateway', mse)).allowed, true);
    assert.equal((await ssar('get', 'mseingressconfigs', undefined, 'other', mse)).allowed, false);
    assert.equal((await ssar('list', 'mseingressconfigs', undefined, undefined, mse)).allowed, false);
    const st = await authz.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            verb: 'update',
            group: mse,
            resource: 'mseingressconfigs',
            subresource: 'status',
            name: 'ackone-gateway',
          },
        },
      },
    });
    assert.equal(st.status?.allowed, false);
    // a binding to a role that does not exist: the denial's reason names it
    await admin.createNamespacedRoleBinding({
      namespace: 'web-demo',
      body: {
        metadata: { name: 'dangling' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gone' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
      },
    });
    const e = await apiError(() => core.listNamespacedConfigMap({ namespace: 'web-demo' }));
    assert.match(e.status.message, /: RBAC: role\.rbac\.authorization\.k8s\.io "gone" not found$/);
    // SubjectAccessReview: the admin asks for the user; the user may not ask
    const adminAuthz = kubeConfigFor(server).makeApiClient(AuthorizationV1Api);
    const sar = await adminAuthz.createSubjectAccessReview({
      body: {
        spec: {
          user: USER,
          resourceAttributes: { verb: 'get', resource: 'configmaps', namespace: 'web-demo' },
        },
      },
    });
    assert.equal(sar.status?.allowed, true);
    const denied = await apiError(() =>
      authz.createSubjectAccessReview({
        body: { spec: { user: USER, resourceAttributes: { verb: 'get', resource: 'configmaps' } } },
      }),
    );
    assert.equal(denied.code, 403);
  });

  it('kubectl auth can-i (a protobuf SelfSubjectAccessReview) agrees with what kubectl get is allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rbac-kubectl-'));
    const kc = join(dir, 'user.kubeconfig');
    writeFileSync(kc, server.kubeconfig(token, { tls: true }), { mode: 0o600 });
    const kubectl = async (...args: string[]) => {
      try {
        const r = await promisify(execFile)('kubectl', ['--kubeconfig', kc, ...args]);
        return { code: 0, out: r.stdout.trim(), err: r.stderr.trim() };
      } catch (e) {
        const x = e as { code?: number; stdout?: string; stderr?: string };
        return { code: x.code ?? 1, out: (x.stdout ?? '').trim(), err: (x.stderr ?? '').trim() };
      }
    };
    try {
      assert.equal((await kubectl('auth', 'can-i', 'get', 'configmaps/cm1', '-n', 'web-demo')).out, 'yes');
      assert.equal(
        (await kubectl('get', 'configmap', 'cm1', '-n', 'web-demo', '-o', 'name')).out,
        'configmap/cm1',
      );
      const no = await kubectl('auth', 'can-i', 'list', 'configmaps', '-n', 'web-demo');
      // kubectl prints the denial's reason after "no" (here the dangling binding of the test above)
      assert.match(no.out, /^no( - RBAC: .*)?$/);
      assert.equal(no.code, 1);
      const list = await kubectl('get', 'configmaps', '-n', 'web-demo');
      assert.notEqual(list.code, 0);
      assert.match(
        list.err,
        /Error from server \(Forbidden\): configmaps is forbidden: User "300000000000000001" cannot list resource "configmaps"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the admin token keeps full access, and enforcement can be switched off for RBAC users', async () => {
    const adminStatus = await kubeConfigFor(server)
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } } },
      });
    assert.equal(adminStatus.status?.allowed, true);
    server.enforceRbac = false;
    try {
      assert.ok(await core.listNamespacedConfigMap({ namespace: 'web-demo' }));
    } finally {
      server.enforceRbac = true;
    }
  });
});
