/**
 * Contract: the servicemesh OpenAPI stand-in (opt-in) answers DescribeServiceMeshKubeconfig through
 * openapi-core's generic callApi with a kubeconfig that works against the ASM control plane stand-in, refuses
 * a call without ServiceMeshId, and is authorised by RAM as `servicemesh:<Action>`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { type CloudStandIn, SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import { type MeshControlPlane, startMeshControlPlane } from '../../sandbox/mesh/control-plane';
import { callRpc, exampleWorld, OpenApi, sdkConfig } from './cloud-helpers';

const VERSION = '2020-01-11';

async function rpcError(fn: () => Promise<unknown>): Promise<{ code: string; statusCode: number }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { code?: string; statusCode?: number; data?: { statusCode?: number } };
    return { code: String(err.code), statusCode: Number(err.statusCode ?? err.data?.statusCode) };
  }
  throw new Error('expected the call to fail');
}

describe('servicemesh OpenAPI stand-in', () => {
  let cp: MeshControlPlane;
  let cloud: CloudStandIn;

  before(async () => {
    cp = await startMeshControlPlane({ serviceMeshId: 'c-asm-test' });
    cloud = await startCloudStandIn({
      world: exampleWorld(),
      autoTick: false,
      serviceMesh: [{ serviceMeshId: cp.serviceMeshId, kubeconfig: () => cp.kubeconfig() }],
    });
  });
  after(async () => {
    await cloud?.stop();
    await cp?.stop();
  });

  it('answers a kubeconfig that reaches the control plane', async () => {
    assert.ok(cloud.servicemesh, 'the servicemesh listener is started');
    const client = new OpenApi(sdkConfig(cloud.servicemesh.endpoint, SANDBOX_ACCESS_KEY));
    const res = await callRpc(client, 'DescribeServiceMeshKubeconfig', VERSION, {
      ServiceMeshId: 'c-asm-test',
      PrivateIpAddress: 'false',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(typeof res.body.RequestId, 'string');
    const kc = new KubeConfig();
    kc.loadFromString(String(res.body.Kubeconfig));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      plural: 'destinationrules',
      namespace: 'web-demo',
    })) as { kind: string; items: unknown[] };
    assert.equal(list.kind, 'DestinationRuleList');
    assert.deepEqual(list.items, []);
  });

  it('refuses a call without ServiceMeshId, and an unknown mesh', async () => {
    const client = new OpenApi(sdkConfig(cloud.servicemesh!.endpoint, SANDBOX_ACCESS_KEY));
    const missing = await rpcError(() => callRpc(client, 'DescribeServiceMeshKubeconfig', VERSION, {}));
    assert.deepEqual(missing, { code: 'MissingServiceMeshId', statusCode: 400 });
    const unknown = await rpcError(() =>
      callRpc(client, 'DescribeServiceMeshKubeconfig', VERSION, { ServiceMeshId: 'c-nope' }),
    );
    assert.deepEqual(unknown, { code: 'ServiceMesh.NotFound', statusCode: 404 });
  });

  it("is a RAM action of its own that deploy/ram-policy.json does not grant the functions' role", async () => {
    assert.equal(cloud.ram.evaluate('servicemesh:DescribeServiceMeshKubeconfig'), 'ImplicitDeny');
    const sts = cloud.credentials.issueStsToken();
    const client = new OpenApi(sdkConfig(cloud.servicemesh!.endpoint, sts));
    const denied = await rpcError(() =>
      callRpc(client, 'DescribeServiceMeshKubeconfig', VERSION, { ServiceMeshId: 'c-asm-test' }),
    );
    assert.equal(denied.statusCode, 403);
    cloud.ram.grant('servicemesh:DescribeServiceMeshKubeconfig');
    const ok = await callRpc(client, 'DescribeServiceMeshKubeconfig', VERSION, {
      ServiceMeshId: 'c-asm-test',
    });
    assert.equal(ok.statusCode, 200);
    cloud.ram.resetRolePolicy();
  });

  it('is opt-in: a cloud stand-in started without serviceMesh has no servicemesh listener', async () => {
    const plain = await startCloudStandIn({ world: exampleWorld(), autoTick: false });
    try {
      assert.equal(plain.servicemesh, undefined);
      assert.deepEqual(Object.keys(plain.openapi).sort(), ['adcp', 'cms', 'cs', 'mse']);
      assert.ok(!('servicemesh' in plain.endpoints));
    } finally {
      await plain.stop();
    }
  });
});
