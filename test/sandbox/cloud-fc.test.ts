import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import FCModule from '@alicloud/fc2';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import {
  type CloudStandIn,
  type FcInvocation,
  SANDBOX_ACCESS_KEY,
  startCloudStandIn,
} from '../../sandbox/cloud/index';
import { esmDefault, exampleWorld, OpenApi, sdkConfig, sdkError } from './cloud-helpers';

const FC = esmDefault(FCModule);

describe('Function Compute stand-in: FC 2.0 through @alicloud/fc2 and FC 3.0 through openapi-core', () => {
  let cloud: CloudStandIn;
  const seen: FcInvocation[] = [];
  before(async () => {
    cloud = await startCloudStandIn({ world: exampleWorld(), autoTick: false });
    cloud.fc.setDispatcher(async (inv) => {
      seen.push(inv);
      if (inv.functionName === 'boom') throw new Error('handler exploded');
      return JSON.stringify({ ok: true, got: inv.event.toString() });
    });
  });
  after(() => cloud.stop());
  const client = (
    cred: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = SANDBOX_ACCESS_KEY,
  ) =>
    new FC(cloud.fc.accountId, {
      accessKeyID: cred.accessKeyId,
      accessKeySecret: cred.accessKeySecret,
      securityToken: cred.securityToken,
      region: 'cn-hangzhou',
      endpoint: cloud.fc.url,
      timeout: 60_000,
    });

  it('a sync FC 2.0 invocation reaches the dispatcher with event, qualifier and STS credentials', async () => {
    const r = await client().invokeFunction('fleet-dr', 'observe', '{"x":1}', {}, 'LATEST');
    assert.deepEqual(JSON.parse(String(r.data)), { ok: true, got: '{"x":1}' });
    assert.ok(r.headers['x-fc-request-id']);
    const inv = seen.at(-1);
    assert.equal(inv?.serviceName, 'fleet-dr');
    assert.equal(inv?.qualifier, 'LATEST');
    assert.equal(inv?.async, false);
    assert.match(inv?.credentials.accessKeyId ?? '', /^STS\./);
  });

  it('Async answers 202 with x-fc-request-id and runs the function in the background', async () => {
    const r = await client().invokeFunction('fleet-dr', 'observe', 'async-event', {
      'X-Fc-Invocation-Type': 'Async',
    });
    const id = r.headers['x-fc-request-id'];
    assert.ok(id);
    await cloud.fc.drain();
    const rec = cloud.fc.invocations.find((i) => i.requestId === id);
    assert.equal(rec?.async, true);
    assert.equal(rec?.status, 'succeeded');
    assert.equal(rec?.event.toString(), 'async-event');
  });

  it('STS credentials sign FC 2.0 calls; a wrong secret or unknown key is refused', async () => {
    const sts = cloud.credentials.issueStsToken();
    // STS credentials are the functions' role: deploy/ram-policy.json grants FC 3.0 functions/fleet-dr-* only,
    // so the FC 2.0 service/function ARN needs its own grant (cloud-ram.test.ts covers the denial).
    cloud.ram.grant('fc:InvokeFunction', 'acs:fc:*:*:services/fleet-dr.*/functions/*');
    await client(sts).invokeFunction('fleet-dr', 'observe', 'x');
    let e = await sdkError(
      client({ accessKeyId: SANDBOX_ACCESS_KEY.accessKeyId, accessKeySecret: 'wrong' }).invokeFunction(
        'fleet-dr',
        'observe',
        'x',
      ),
    );
    assert.equal(e.code, 'SignatureNotMatch');
    assert.equal(e.name, 'FCSignatureNotMatchError');
    e = await sdkError(
      client({ accessKeyId: 'LTAI5tNobody', accessKeySecret: 'x' }).invokeFunction(
        'fleet-dr',
        'observe',
        'x',
      ),
    );
    assert.equal(e.code, 'InvalidAccessKeyID');
  });

  it('a function error comes back as 200 with x-fc-error-type', async () => {
    const r = await client().invokeFunction('fleet-dr', 'boom', 'x');
    assert.equal(r.headers['x-fc-error-type'], 'UnhandledInvocationError');
    assert.equal((r.data as { errorMessage: string }).errorMessage, 'handler exploded');
  });

  it('FC 3.0 invoke path checks the ACS3 signature and supports Async', async () => {
    const invoke3 = (
      cred: { accessKeyId: string; accessKeySecret: string },
      headers: Record<string, string> = {},
    ) =>
      new OpenApi(sdkConfig(cloud.fc.endpoint, cred)).callApi(
        new $OpenApiUtil.Params({
          action: 'InvokeFunction',
          version: '2023-03-30',
          protocol: 'HTTPS',
          pathname: '/2023-03-30/functions/failover/invocations',
          method: 'POST',
          authType: 'AK',
          style: 'ROA',
          reqBodyType: 'byte',
          bodyType: 'string',
        }),
        new $OpenApiUtil.OpenApiRequest({
          headers,
          query: { qualifier: 'LATEST' },
          body: Buffer.from('{"v":3}'),
        }),
        new $dara.RuntimeOptions({}),
      ) as Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    const r = await invoke3(SANDBOX_ACCESS_KEY);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(JSON.parse(r.body), { ok: true, got: '{"v":3}' });
    assert.equal(seen.at(-1)?.api, '2023-03-30');
    assert.equal(seen.at(-1)?.qualifier, 'LATEST');
    const a = await invoke3(SANDBOX_ACCESS_KEY, { 'x-fc-invocation-type': 'Async' });
    assert.equal(a.statusCode, 202);
    assert.ok(a.headers['x-fc-request-id']);
    const e = await sdkError(
      invoke3({ accessKeyId: SANDBOX_ACCESS_KEY.accessKeyId, accessKeySecret: 'wrong' }),
    );
    assert.equal(e.code, 'SignatureDoesNotMatch');
    await cloud.fc.drain();
  });
});
