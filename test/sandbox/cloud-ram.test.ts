import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import CmsModule, { PutCustomEventRequest, PutCustomEventRequestEventInfo } from '@alicloud/cms20190101';
import CsModule, {
  DescribeClustersV1Request,
  DescribeClusterUserKubeconfigRequest,
} from '@alicloud/cs20151215';
import {
  type CloudStandIn,
  readRamPolicy,
  SANDBOX_ACCESS_KEY,
  type StsCredentials,
  startCloudStandIn,
  wildcardMatch,
} from '../../sandbox/cloud/index';
import { callRpc, esmDefault, exampleWorld, OpenApi, sdkConfig, sdkError } from './cloud-helpers';

const Cs = esmDefault(CsModule);
const Cms = esmDefault(CmsModule);

type SdkErr = { code?: string; statusCode?: number; message: string; data?: Record<string, unknown> };

describe('cloud stand-ins: RAM authorisation of the functions role (deploy/ram-policy.json)', () => {
  let cloud: CloudStandIn;
  let sts: StsCredentials;
  const fleet = 'c-fleet-demo';

  before(async () => {
    cloud = await startCloudStandIn({ world: exampleWorld(), autoTick: false });
    sts = cloud.credentials.issueStsToken();
    cloud.fc.setDispatcher(async () => 'ok');
  });
  after(() => cloud.stop());
  afterEach(() => cloud.ram.resetRolePolicy());

  const cs = (c: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = sts) =>
    new Cs(sdkConfig(cloud.openapi.cs.endpoint, c));
  /** An RPC client on the endpoint of the product whose API `version` it calls. */
  const rpcClient = (
    version: string,
    c: { accessKeyId: string; accessKeySecret: string; securityToken?: string },
  ) => new OpenApi(sdkConfig(cloud.openapi[version === '2019-05-31' ? 'mse' : 'adcp'].endpoint, c));
  const fc3 = async (fn: string, c: StsCredentials | typeof SANDBOX_ACCESS_KEY = sts) => {
    const client = new OpenApi(sdkConfig(cloud.fc.endpoint, c));
    const { $OpenApiUtil } = await import('@alicloud/openapi-core');
    const dara = await import('@darabonba/typescript');
    return client.callApi(
      new $OpenApiUtil.Params({
        action: 'InvokeFunction',
        version: '2023-03-30',
        protocol: 'HTTPS',
        pathname: `/2023-03-30/functions/${fn}/invocations`,
        method: 'POST',
        authType: 'AK',
        style: 'ROA',
        reqBodyType: 'json',
        bodyType: 'binary',
      }),
      new $OpenApiUtil.OpenApiRequest({ body: Buffer.from('{}') }),
      new dara.RuntimeOptions({}),
    );
  };
  const kubeconfig = () =>
    cs().describeClusterUserKubeconfig('c-ack-az1', new DescribeClusterUserKubeconfigRequest({}));

  it('the default role policy is deploy/ram-policy.json, and every granted call passes', async () => {
    assert.deepEqual(cloud.ram.rolePolicy(), readRamPolicy());
    assert.equal((await cs().describeClusterDetail('c-ack-az1')).body?.state, 'running');
    assert.ok((await kubeconfig()).body?.config);
    const m = await callRpc(rpcClient('2022-01-01', sts), 'DescribeManagedClusters', '2022-01-01', {
      ClusterId: fleet,
    });
    assert.equal(m.statusCode, 200);
    const k = await callRpc(rpcClient('2022-01-01', sts), 'DescribeHubClusterKubeconfig', '2022-01-01', {
      ClusterId: fleet,
    });
    assert.ok(k.body.Kubeconfig);
    const s = await callRpc(rpcClient('2019-05-31', sts), 'ListGatewayService', '2019-05-31', {
      FilterParams: '{}',
    });
    assert.equal(s.statusCode, 200);
    const ev = await new Cms(sdkConfig(cloud.openapi.cms.endpoint, sts)).putCustomEvent(
      new PutCustomEventRequest({
        eventInfo: [new PutCustomEventRequestEventInfo({ eventName: 'e', content: 'c', groupId: '0' })],
      }),
    );
    assert.equal(ev.statusCode, 200);
    assert.equal((await fc3('fleet-dr-notify')).statusCode, 200);
  });

  it('an action the policy does not grant is denied (cs ROA: 403 StatusForbidden with accessDeniedDetail)', async () => {
    const e = (await sdkError(cs().describeClustersV1(new DescribeClustersV1Request({})))) as SdkErr;
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, 'StatusForbidden');
    assert.match(e.message, /STSToken policy Forbidden for action cs:DescribeClustersV1/);
    const detail = e.data?.accessDeniedDetail as Record<string, string>;
    assert.equal(detail.AuthAction, 'cs:DescribeClustersV1');
    assert.equal(detail.AuthPrincipalType, 'AssumedRoleUser');
    assert.equal(detail.NoPermissionType, 'ImplicitDeny');
    assert.match(detail.AuthPrincipalDisplayName ?? '', /^fleet-dr:/);
  });

  it('the administrator key keeps full access', async () => {
    const admin = SANDBOX_ACCESS_KEY;
    assert.ok((await cs(admin).describeClustersV1(new DescribeClustersV1Request({}))).body?.clusters);
    const d = await callRpc(rpcClient('2022-01-01', admin), 'DescribeHubClusterDetails', '2022-01-01', {
      ClusterId: fleet,
    });
    assert.equal(d.statusCode, 200);
    assert.equal((await fc3('anything', admin)).statusCode, 200);
  });

  it('revoking one action denies exactly that action, the others still pass', async () => {
    cloud.ram.revoke('cs:DescribeClusterUserKubeconfig');
    const e = (await sdkError(kubeconfig())) as SdkErr;
    assert.equal(e.code, 'StatusForbidden');
    assert.match(e.message, /cs:DescribeClusterUserKubeconfig/);
    assert.equal((await cs().describeClusterDetail('c-ack-az1')).body?.state, 'running');
    assert.equal(
      (
        await callRpc(rpcClient('2022-01-01', sts), 'DescribeManagedClusters', '2022-01-01', {
          ClusterId: fleet,
        })
      ).statusCode,
      200,
    );

    cloud.ram.resetRolePolicy();
    cloud.ram.revoke('adcp:DescribeHubClusterKubeconfig');
    const r = (await sdkError(
      callRpc(rpcClient('2022-01-01', sts), 'DescribeHubClusterKubeconfig', '2022-01-01', {
        ClusterId: fleet,
      }),
    )) as SdkErr;
    assert.equal(r.statusCode, 403);
    assert.equal(r.code, 'Forbidden.RAM');
    assert.match(r.message, /User not authorized to operate on the specified resource/);
    assert.equal(
      ((r.data?.AccessDeniedDetail ?? {}) as Record<string, string>).AuthAction,
      'adcp:DescribeHubClusterKubeconfig',
    );
    assert.equal(
      (
        await callRpc(rpcClient('2022-01-01', sts), 'DescribeManagedClusters', '2022-01-01', {
          ClusterId: fleet,
        })
      ).statusCode,
      200,
    );
    assert.ok((await kubeconfig()).body?.config);
  });

  it('fc:InvokeFunction is limited to functions/fleet-dr-*; revoking it gives FC 403 AccessDenied', async () => {
    let e = (await sdkError(fc3('other-function'))) as SdkErr;
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, 'AccessDenied');
    assert.match(
      e.message,
      /the caller is not authorized to perform 'fc:InvokeFunction' on resource 'acs:fc:cn-hangzhou:\d+:functions\/other-function'/,
    );
    cloud.ram.revoke('fc:InvokeFunction');
    e = (await sdkError(fc3('fleet-dr-notify'))) as SdkErr;
    assert.equal(e.code, 'AccessDenied');
  });

  it('Deny beats Allow; Action and Resource wildcards', async () => {
    cloud.ram.setRolePolicy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'cs:Describe*', Resource: 'acs:cs:*:*:cluster/*' },
        { Effect: 'Allow', Action: 'adcp:*', Resource: '*' },
        { Effect: 'Deny', Action: 'cs:DescribeClusterDetail', Resource: 'acs:cs:*:*:cluster/c-reg-*' },
        { Effect: 'Deny', Action: 'adcp:Detach*', Resource: '*' },
      ],
    });
    assert.equal((await cs().describeClusterDetail('c-ack-az1')).body?.state, 'running');
    assert.ok((await kubeconfig()).body?.config);
    const e = (await sdkError(cs().describeClusterDetail('c-reg-az2'))) as SdkErr;
    assert.equal(e.code, 'StatusForbidden');
    assert.equal(
      ((e.data?.accessDeniedDetail ?? {}) as Record<string, string>).NoPermissionType,
      'ExplicitDeny',
    );
    const d = (await sdkError(
      callRpc(
        rpcClient('2022-01-01', sts),
        'DetachClusterFromHub',
        '2022-01-01',
        { ClusterId: fleet },
        { ClusterIds: '["c-reg-az2"]' },
      ),
    )) as SdkErr;
    assert.equal(d.code, 'Forbidden.RAM');
    assert.equal(
      (
        await callRpc(rpcClient('2022-01-01', sts), 'DescribeHubClusterDetails', '2022-01-01', {
          ClusterId: fleet,
        })
      ).statusCode,
      200,
    );
    const m = (await sdkError(
      callRpc(rpcClient('2019-05-31', sts), 'ListGatewayService', '2019-05-31', {}),
    )) as SdkErr;
    assert.equal(m.code, 'Forbidden.RAM');
    // revoke under a wildcard grant adds a Deny for exactly that action
    cloud.ram.revoke('adcp:DescribeManagedClusters');
    assert.equal(cloud.ram.evaluate('adcp:DescribeManagedClusters'), 'ExplicitDeny');
    assert.equal(cloud.ram.evaluate('adcp:DescribeHubClusterKubeconfig'), 'Allow');
  });

  it('the MSE resource is the gateway instance ARN; wildcard matching', async () => {
    cloud.ram.setRolePolicy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'mse:ListGatewayService', Resource: 'acs:mse:*:*:instance/gw-other' },
      ],
    });
    const e = (await sdkError(
      callRpc(rpcClient('2019-05-31', sts), 'ListGatewayService', '2019-05-31', {}),
    )) as SdkErr;
    assert.equal(e.code, 'Forbidden.RAM');
    assert.ok(
      wildcardMatch('acs:fc:*:*:functions/fleet-dr-*', 'acs:fc:cn-hangzhou:1:functions/fleet-dr-notify'),
    );
    assert.ok(!wildcardMatch('acs:fc:*:*:functions/fleet-dr-*', 'acs:fc:cn-hangzhou:1:functions/other'));
    assert.ok(wildcardMatch('cs:Describe*', 'cs:describeclusterdetail', true));
  });

  it('enforcement can be switched off', async () => {
    cloud.ram.enforce = false;
    try {
      assert.ok((await cs().describeClustersV1(new DescribeClustersV1Request({}))).body);
    } finally {
      cloud.ram.enforce = true;
    }
  });
});
