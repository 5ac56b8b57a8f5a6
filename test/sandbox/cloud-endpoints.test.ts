// Products by endpoint (issue 17): the real cloud has one host per product (cs.<region>.aliyuncs.com,
// metrics.<region>.aliyuncs.com for cms, adcp…, mse…), so a client configured with another product's endpoint
// fails. The stand-in has one 127.0.0.1 listener per product and answers a call for another product as the
// gateway answers an API it does not have: 404 InvalidAction.NotFound. ROA routes check the action too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import CmsModule, { PutCustomEventRequest, PutCustomEventRequestEventInfo } from '@alicloud/cms20190101';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { type CloudStandIn, SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import type { FleetWorld } from '../../sandbox/world';
import { createCmsClient } from '../../shared/clients/cms-client';
import { CloudApiError } from '../../shared/clients/errors';
import { callRpc, esmDefault, exampleWorld, OpenApi, sdkConfig, sdkError } from './cloud-helpers';

const Cms = esmDefault(CmsModule);

const putEvent = (endpoint: string) =>
  new Cms(sdkConfig(endpoint, SANDBOX_ACCESS_KEY)).putCustomEvent(
    new PutCustomEventRequest({
      eventInfo: [
        new PutCustomEventRequestEventInfo({ eventName: 'wrong-host', content: 'c', groupId: '0' }),
      ],
    }),
  );

/** A ROA call of cs with an explicit action (x-acs-action) and path. */
const roa = (endpoint: string, action: string, pathname: string) =>
  new OpenApi(sdkConfig(endpoint, SANDBOX_ACCESS_KEY)).callApi(
    new $OpenApiUtil.Params({
      action,
      version: '2015-12-15',
      protocol: 'HTTPS',
      pathname,
      method: 'GET',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json',
    }),
    new $OpenApiUtil.OpenApiRequest({}),
    new $dara.RuntimeOptions({}),
  );

describe('cloud OpenAPI stand-in: one endpoint per product', () => {
  let world: FleetWorld;
  let cloud: CloudStandIn;
  before(async () => {
    world = exampleWorld();
    cloud = await startCloudStandIn({ world, autoTick: false });
  });
  after(async () => {
    await cloud.stop();
  });

  it('each product has its own 127.0.0.1 listener, and the endpoint map hands out exactly those', () => {
    const ports = new Set(Object.values(cloud.openapi).map((l) => l.port));
    assert.equal(ports.size, 4, 'cs, adcp, mse and cms listen on four different ports');
    for (const [product, l] of Object.entries(cloud.openapi)) {
      assert.match(l.endpoint, /^127\.0\.0\.1:\d+$/, product);
      assert.equal(cloud.endpoints[product as keyof typeof cloud.endpoints], l.endpoint, product);
    }
    assert.equal(cloud.endpoints.fc, cloud.fc.url);
    assert.equal(cloud.endpoints.dingtalk, cloud.dingtalk.url);
  });

  it('a cms call sent to the cs endpoint is refused with 404 InvalidAction.NotFound and does nothing', async () => {
    const e = await sdkError(putEvent(cloud.openapi.cs.endpoint));
    assert.equal(e.code, 'InvalidAction.NotFound');
    assert.equal(e.statusCode, 404);
    assert.match(e.message, /Specified api is not found/);
    assert.equal(cloud.cms.customEvents().length, 0, 'no event was recorded');
    const ok = await putEvent(cloud.openapi.cms.endpoint);
    assert.equal(ok.statusCode, 200, 'the same call on the cms endpoint succeeds');
    assert.equal(cloud.cms.customEvents().length, 1);
  });

  it('every RPC product refuses the others: adcp on the mse endpoint, mse on the adcp endpoint', async () => {
    const detach = await sdkError(
      callRpc(
        new OpenApi(sdkConfig(cloud.openapi.mse.endpoint, SANDBOX_ACCESS_KEY)),
        'DetachClusterFromHub',
        '2022-01-01',
        { ClusterId: 'c-fleet-demo' },
        { ClusterIds: '["c-reg-az2"]' },
      ),
    );
    assert.equal(detach.code, 'InvalidAction.NotFound');
    assert.equal(world.cluster('c-reg-az2')?.attachedToFleet, true, 'the misrouted detach changed nothing');
    const list = await sdkError(
      callRpc(
        new OpenApi(sdkConfig(cloud.openapi.adcp.endpoint, SANDBOX_ACCESS_KEY)),
        'ListGatewayService',
        '2019-05-31',
        { FilterParams: '{}' },
      ),
    );
    assert.equal(list.code, 'InvalidAction.NotFound');
    assert.equal(list.statusCode, 404);
  });

  it('a cs (ROA) path sent to another product, or under another action, is not found', async () => {
    const ok = (await roa(cloud.openapi.cs.endpoint, 'DescribeClusterDetail', '/clusters/c-ack-az1')) as {
      statusCode: number;
    };
    assert.equal(ok.statusCode, 200);
    const elsewhere = await sdkError(
      roa(cloud.openapi.cms.endpoint, 'DescribeClusterDetail', '/clusters/c-ack-az1'),
    );
    assert.equal(elsewhere.code, 'InvalidAction.NotFound');
    const wrongAction = await sdkError(
      roa(cloud.openapi.cs.endpoint, 'DescribeClusterUserKubeconfig', '/clusters/c-ack-az1'),
    );
    assert.equal(wrongAction.code, 'InvalidAction.NotFound');
    assert.equal(wrongAction.statusCode, 404);
  });

  it("fleet-dr's CloudMonitor client wired to the cs endpoint fails with that error; wired to cms it writes", async () => {
    const client = (endpoint: string) =>
      createCmsClient({
        region: 'cn-hangzhou',
        credentials: async () => ({ ...SANDBOX_ACCESS_KEY }),
        overrides: { cms: endpoint },
      });
    const before = cloud.cms.customEvents().length;
    const ev = { eventName: 'fleet-dr-decision', content: { decision: 'hold' } };
    await assert.rejects(
      client(cloud.endpoints.cs).putAuditEvent(ev),
      (e) => e instanceof CloudApiError && e.code === 'InvalidAction.NotFound',
    );
    assert.equal(cloud.cms.customEvents().length, before);
    await client(cloud.endpoints.cms).putAuditEvent(ev);
    assert.equal(cloud.cms.customEvents().length, before + 1);
  });
});
