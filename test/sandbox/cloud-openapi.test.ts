import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import CsModule, {
  DescribeClustersV1Request,
  DescribeClusterUserKubeconfigRequest,
} from '@alicloud/cs20151215';
import { type CloudStandIn, SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import type { FleetWorld } from '../../sandbox/world';
import {
  callRpc,
  esmDefault,
  exampleWorld,
  OpenApi,
  sdkConfig,
  sdkError,
  startTamperProxy,
} from './cloud-helpers';

const Cs = esmDefault(CsModule);

describe('cloud OpenAPI stand-in: ACS3 signature, cs and adcp through the real SDKs', () => {
  let world: FleetWorld;
  let cloud: CloudStandIn;
  let proxy: Awaited<ReturnType<typeof startTamperProxy>>;
  let adcpProxy: Awaited<ReturnType<typeof startTamperProxy>>;
  let skewMs = 0;

  before(async () => {
    world = exampleWorld();
    cloud = await startCloudStandIn({ world, autoTick: false, now: () => Date.now() + skewMs });
    proxy = await startTamperProxy(cloud.openapi.cs.port);
    adcpProxy = await startTamperProxy(cloud.openapi.adcp.port);
  });
  after(async () => {
    await proxy.stop();
    await adcpProxy.stop();
    await cloud.stop();
  });
  const viaProxy = (
    cred: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = SANDBOX_ACCESS_KEY,
  ) => new Cs(sdkConfig(proxy.endpoint, cred));
  const tampered = async (
    tamper: Parameters<NonNullable<typeof proxy.tamper>>[0] extends infer R ? (r: R) => void : never,
    call: () => Promise<unknown>,
  ) => {
    proxy.tamper = tamper;
    try {
      return await sdkError(call());
    } finally {
      proxy.tamper = undefined;
    }
  };

  it('DescribeClusterDetail reports the world cluster state and follows its changes', async () => {
    const cs = new Cs(sdkConfig(cloud.openapi.cs.endpoint, SANDBOX_ACCESS_KEY));
    const r = await cs.describeClusterDetail('c-reg-az2');
    assert.equal(r.statusCode, 200);
    assert.equal(r.body?.state, 'running');
    assert.equal(r.body?.clusterType, 'ExternalKubernetes');
    assert.equal(r.body?.zoneId, 'cn-hangzhou-i');
    world.updateCluster('c-reg-az2', { state: 'disconnected' });
    assert.equal((await cs.describeClusterDetail('c-reg-az2')).body?.state, 'disconnected');
    world.updateCluster('c-reg-az2', { state: 'running' });
    const missing = await sdkError(cs.describeClusterDetail('c-nope'));
    assert.equal(missing.statusCode, 404);
  });

  it('DescribeClustersV1 filters by type and DescribeClusterUserKubeconfig returns the member kubeconfig', async () => {
    const cs = new Cs(sdkConfig(cloud.openapi.cs.endpoint, SANDBOX_ACCESS_KEY));
    const l = await cs.describeClustersV1(
      new DescribeClustersV1Request({ clusterType: 'ManagedKubernetes', pageSize: 10 }),
    );
    assert.deepEqual(
      l.body?.clusters?.map((c) => c.clusterId),
      ['c-ack-az1'],
    );
    assert.equal(l.body?.pageInfo?.totalCount, 1);
    const k = await cs.describeClusterUserKubeconfig(
      'c-ack-az1',
      new DescribeClusterUserKubeconfigRequest({ privateIpAddress: true }),
    );
    assert.equal(k.body?.config, world.cluster('c-ack-az1')?.kubeconfig);
    assert.ok(k.body?.expiration);
  });

  it('adcp attach/detach change Fleet membership and DescribeManagedClusters reflects membership and state', async () => {
    const adcp = new OpenApi(sdkConfig(cloud.openapi.adcp.endpoint, SANDBOX_ACCESS_KEY));
    const d = await callRpc(
      adcp,
      'DetachClusterFromHub',
      '2022-01-01',
      { ClusterId: 'c-fleet-demo' },
      { ClusterIds: '["c-reg-az2"]' },
    );
    assert.deepEqual(d.body.ManagedClusterIds, ['c-reg-az2']);
    assert.equal(world.cluster('c-reg-az2')?.attachedToFleet, false);
    let m = await callRpc(adcp, 'DescribeManagedClusters', '2022-01-01', { ClusterId: 'c-fleet-demo' });
    const ids = (b: Record<string, unknown>) =>
      (b.Clusters as Array<{ Cluster: { ClusterID: string } }>).map((c) => c.Cluster.ClusterID);
    assert.deepEqual(ids(m.body), ['c-ack-az1']);
    await callRpc(
      adcp,
      'AttachClusterToHub',
      '2022-01-01',
      { ClusterId: 'c-fleet-demo' },
      { ClusterIds: '["c-reg-az2"]' },
    );
    world.updateCluster('c-ack-az1', { state: 'unavailable' });
    m = await callRpc(adcp, 'DescribeManagedClusters', '2022-01-01', { ClusterId: 'c-fleet-demo' });
    assert.deepEqual(ids(m.body).sort(), ['c-ack-az1', 'c-reg-az2']);
    const ack = (
      m.body.Clusters as Array<{ Cluster: { ClusterID: string; State: string }; Status: { State: string } }>
    ).find((c) => c.Cluster.ClusterID === 'c-ack-az1');
    assert.equal(ack?.Cluster.State, 'unavailable');
    world.updateCluster('c-ack-az1', { state: 'running' });
    const kc = await callRpc(adcp, 'DescribeHubClusterKubeconfig', '2022-01-01', {
      ClusterId: 'c-fleet-demo',
    });
    assert.equal(kc.body.Kubeconfig, world.fleetKubeconfig);
    const det = await callRpc(adcp, 'DescribeHubClusterDetails', '2022-01-01', { ClusterId: 'c-fleet-demo' });
    assert.equal(
      (det.body.Cluster as { ClusterInfo: { ClusterId: string } }).ClusterInfo.ClusterId,
      'c-fleet-demo',
    );
  });

  it('an untampered call through the proxy succeeds (the proxy itself changes nothing)', async () => {
    assert.equal((await viaProxy().describeClusterDetail('c-ack-az1')).body?.state, 'running');
  });

  it('a changed signature, a wrong secret, a tampered signed header or query give SignatureDoesNotMatch', async () => {
    const flip = (s: string) =>
      s.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`);
    let e = await tampered(
      (r) => {
        r.headers.authorization = flip(String(r.headers.authorization));
      },
      () => viaProxy().describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    e = await sdkError(
      viaProxy({
        accessKeyId: SANDBOX_ACCESS_KEY.accessKeyId,
        accessKeySecret: 'wrong',
      }).describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'SignatureDoesNotMatch');
    e = await tampered(
      (r) => {
        r.headers['x-acs-signature-nonce'] = `${String(r.headers['x-acs-signature-nonce'])}x`;
      },
      () => viaProxy().describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'SignatureDoesNotMatch');
    e = await tampered(
      (r) => {
        r.url = r.url.replace('page_size=10', 'page_size=11');
      },
      () => viaProxy().describeClustersV1(new DescribeClustersV1Request({ pageSize: 10 })),
    );
    assert.equal(e.code, 'SignatureDoesNotMatch');
    e = await tampered(
      (r) => {
        r.url = r.url.replace('c-ack-az1', 'c-reg-az2');
      },
      () => viaProxy().describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'SignatureDoesNotMatch');
  });

  it('a tampered body gives SignatureDoesNotMatch and changes nothing', async () => {
    const adcp = new OpenApi(sdkConfig(adcpProxy.endpoint, SANDBOX_ACCESS_KEY));
    adcpProxy.tamper = (r) => {
      r.body = Buffer.from(r.body.toString().replace('c-reg-az2', 'c-ack-az1'));
    };
    try {
      const e = await sdkError(
        callRpc(
          adcp,
          'DetachClusterFromHub',
          '2022-01-01',
          { ClusterId: 'c-fleet-demo' },
          { ClusterIds: '["c-reg-az2"]' },
        ),
      );
      assert.equal(e.code, 'SignatureDoesNotMatch');
    } finally {
      adcpProxy.tamper = undefined;
    }
    assert.equal(world.cluster('c-ack-az1')?.attachedToFleet, true);
  });

  it('an unsigned x-acs header or a missing Authorization gives IncompleteSignature', async () => {
    let e = await tampered(
      (r) => {
        r.headers['x-acs-extra'] = 'sneaked-in';
      },
      () => viaProxy().describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'IncompleteSignature');
    e = await tampered(
      (r) => {
        delete r.headers.authorization;
      },
      () => viaProxy().describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'IncompleteSignature');
  });

  it('an unknown access key gives InvalidAccessKeyId.NotFound', async () => {
    const e = await sdkError(
      viaProxy({ accessKeyId: 'LTAI5tUnknown', accessKeySecret: 'x' }).describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(e.statusCode, 404);
  });

  it('STS credentials work; a missing, wrong or expired token gives its code', async () => {
    const sts = cloud.credentials.issueStsToken({ ttlMs: 60_000 });
    assert.equal((await viaProxy(sts).describeClusterDetail('c-ack-az1')).body?.state, 'running');
    let e = await tampered(
      (r) => {
        delete r.headers['x-acs-security-token'];
      },
      () => viaProxy(sts).describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'MissingSecurityToken');
    e = await sdkError(
      viaProxy({ ...sts, securityToken: `${sts.securityToken}x` }).describeClusterDetail('c-ack-az1'),
    );
    assert.equal(e.code, 'InvalidSecurityToken.Malformed');
    skewMs = 2 * 60_000; // past the token's 60 s, still within the 15-minute clock window
    try {
      e = await sdkError(viaProxy(sts).describeClusterDetail('c-ack-az1'));
    } finally {
      skewMs = 0;
    }
    assert.equal(e.code, 'InvalidSecurityToken.Expired');
  });

  it('a date more than 15 minutes off gives InvalidTimeStamp.Expired', async () => {
    skewMs = 16 * 60_000;
    try {
      const e = await sdkError(viaProxy().describeClusterDetail('c-ack-az1'));
      assert.equal(e.code, 'InvalidTimeStamp.Expired');
      assert.equal(e.statusCode, 400);
    } finally {
      skewMs = 0;
    }
  });

  it('a replayed request gives SignatureNonceUsed', async () => {
    proxy.replay = true;
    try {
      const e = await sdkError(viaProxy().describeClusterDetail('c-ack-az1'));
      assert.equal(e.code, 'SignatureNonceUsed');
    } finally {
      proxy.replay = false;
    }
  });

  it('an unknown action gives InvalidAction.NotFound and an unknown version InvalidVersion', async () => {
    const c = new OpenApi(sdkConfig(cloud.openapi.mse.endpoint, SANDBOX_ACCESS_KEY));
    let e = await sdkError(callRpc(c, 'DeleteEverything', '2019-05-31', {}));
    assert.equal(e.code, 'InvalidAction.NotFound');
    assert.equal(e.statusCode, 404);
    e = await sdkError(callRpc(c, 'ListGateway', '2099-01-01', {}));
    assert.equal(e.code, 'InvalidVersion');
  });
});
