import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import CsModule, { DescribeClusterUserKubeconfigRequest } from '@alicloud/cs20151215';
import {
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { SANDBOX_ACCESS_KEY, type StsCredentials } from '../../sandbox/cloud/index';
import { type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { callRpc, esmDefault, OpenApi, sdkConfig, sdkError } from './cloud-helpers';
import { apiError } from './kubernetes-helpers';

const Cs = esmDefault(CsModule);

/** The user a kubeconfig's token authenticates as, asked of the server itself. */
async function whoCan(
  kc: KubeConfig,
  verb: string,
  resource: string,
  namespace?: string,
  group = '',
  name?: string,
) {
  const r = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { verb, resource, namespace, group, name } } },
  });
  return r.status?.allowed;
}

describe('sandbox: the functions run as their RAM role and its Kubernetes user (deploy/ RAM policy and RBAC)', () => {
  let sb: Sandbox;
  let sts: StsCredentials;
  let fleetKc: KubeConfig;
  let memberKc: KubeConfig;
  const member = () => [...sb.members.keys()][0]!;

  before(async () => {
    sb = await startSandbox({ autoTick: false, replicas: 1 });
    sts = sb.cloud.credentials.issueStsToken();
    const adcp = new OpenApi(sdkConfig(sb.cloud.openapi.adcp.endpoint, sts));
    const k = await callRpc(adcp, 'DescribeHubClusterKubeconfig', '2022-01-01', {
      ClusterId: sb.world.fleetId,
    });
    fleetKc = new KubeConfig();
    fleetKc.loadFromString(String(k.body.Kubeconfig));
    const u = await new Cs(sdkConfig(sb.cloud.openapi.cs.endpoint, sts)).describeClusterUserKubeconfig(
      member(),
      new DescribeClusterUserKubeconfigRequest({}),
    );
    memberKc = new KubeConfig();
    memberKc.loadFromString(String(u.body?.config));
  });
  after(() => sb?.stop());

  it('ACK issues the role the kubeconfig of its user; the administrator key gets the admin one', async () => {
    const roleFleet = new KubeConfig();
    roleFleet.loadFromString(sb.functionIdentity.kubeconfig('fleet'));
    assert.equal(fleetKc.getCurrentUser()?.token, roleFleet.getCurrentUser()?.token);
    assert.notEqual(fleetKc.getCurrentUser()?.token, sb.fleet.adminToken);
    assert.equal(sb.functionIdentity.user, sb.cloud.ram.role.id);
    const adcp = new OpenApi(sdkConfig(sb.cloud.openapi.adcp.endpoint, SANDBOX_ACCESS_KEY));
    const k = await callRpc(adcp, 'DescribeHubClusterKubeconfig', '2022-01-01', {
      ClusterId: sb.world.fleetId,
    });
    const adminKc = new KubeConfig();
    adminKc.loadFromString(String(k.body.Kubeconfig));
    assert.equal(adminKc.getCurrentUser()?.token, sb.fleet.adminToken);
    const roleMember = new KubeConfig();
    roleMember.loadFromString(sb.functionIdentity.kubeconfig(member()));
    assert.equal(memberKc.getCurrentUser()?.token, roleMember.getCurrentUser()?.token);
  });

  it('deploy/fleet-rbac.yaml is in force on the Fleet for the role user', async () => {
    const ns = sb.policy.fleet.stateNamespace;
    assert.equal(await whoCan(fleetKc, 'get', 'configmaps', ns), true);
    assert.equal(await whoCan(fleetKc, 'update', 'configmaps', ns), true);
    assert.equal(await whoCan(fleetKc, 'delete', 'configmaps', ns), false);
    assert.equal(await whoCan(fleetKc, 'update', 'ingresses', 'web-demo', 'networking.k8s.io'), true);
    assert.equal(await whoCan(fleetKc, 'delete', 'ingresses', 'web-demo', 'networking.k8s.io'), false);
    const mse = sb.policy.fleet.mseIngressConfig;
    assert.equal(
      await whoCan(fleetKc, 'update', 'mseingressconfigs', undefined, 'mse.alibabacloud.com', mse),
      true,
    );
    assert.equal(await whoCan(fleetKc, 'list', 'applications', 'argocd', 'argoproj.io'), true);
    assert.equal(await whoCan(fleetKc, 'get', 'applications', 'argocd', 'argoproj.io', 'x'), false);
    // enforcement answers what the review says
    const ing = fleetKc.makeApiClient(NetworkingV1Api);
    assert.ok((await ing.listNamespacedIngress({ namespace: 'web-demo' })).items.length >= 0);
    const e = await apiError(() => ing.deleteNamespacedIngress({ name: 'anything', namespace: 'web-demo' }));
    assert.equal(e.code, 403);
    assert.equal(
      e.status.message,
      `ingresses.networking.k8s.io "anything" is forbidden: User "${sb.functionIdentity.user}" cannot delete resource "ingresses" in API group "networking.k8s.io" in the namespace "web-demo"`,
    );
    const apps = fleetKc.makeApiClient(CustomObjectsApi);
    await apps.listNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
    });
  });

  it('the member documents are in force on every member; the Fleet-only grants are not', async () => {
    const core = memberKc.makeApiClient(CoreV1Api);
    await core.listNamespacedPod({ namespace: 'web-demo' });
    await core.listNode();
    const e = await apiError(() =>
      core.listNamespacedConfigMap({ namespace: sb.policy.fleet.stateNamespace }),
    );
    assert.equal(e.code, 403);
    assert.equal(await whoCan(memberKc, 'list', 'deployments', 'web-demo', 'apps'), true);
    assert.equal(await whoCan(memberKc, 'delete', 'pods', 'web-demo'), false);
  });

  it('RAM: the role is deploy/ram-policy.json; a revoked action is denied to the functions credentials', async () => {
    const adcp = new OpenApi(sdkConfig(sb.cloud.openapi.adcp.endpoint, sts));
    sb.cloud.ram.revoke('adcp:DescribeManagedClusters');
    try {
      const e = (await sdkError(
        callRpc(adcp, 'DescribeManagedClusters', '2022-01-01', { ClusterId: sb.world.fleetId }),
      )) as { code?: string; statusCode?: number };
      assert.equal(e.code, 'Forbidden.RAM');
      assert.equal(e.statusCode, 403);
    } finally {
      sb.cloud.ram.resetRolePolicy();
    }
    const ok = await callRpc(adcp, 'DescribeManagedClusters', '2022-01-01', { ClusterId: sb.world.fleetId });
    assert.equal(ok.statusCode, 200);
  });
});
