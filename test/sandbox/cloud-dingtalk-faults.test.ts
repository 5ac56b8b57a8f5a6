import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import CsModule from '@alicloud/cs20151215';
import {
  type CloudStandIn,
  dingTalkSign,
  SANDBOX_ACCESS_KEY,
  startCloudStandIn,
} from '../../sandbox/cloud/index';
import { esmDefault, exampleWorld, sdkConfig, sdkError } from './cloud-helpers';

const Cs = esmDefault(CsModule);

describe('DingTalk robot stand-in and per-product faults', () => {
  let cloud: CloudStandIn;
  let now = 1_700_000_000_000;
  before(async () => {
    cloud = await startCloudStandIn({ world: exampleWorld(), autoTick: false, random: () => 0 });
    cloud.dingtalk.setNow(() => now);
    cloud.dingtalk.addRobot({ accessToken: 'signed', secret: 'SECsandbox' });
    cloud.dingtalk.addRobot({ accessToken: 'kw', keywords: ['fleet-dr'] });
  });
  after(() => cloud.stop());

  const send = async (token: string, body: unknown, ts: number | undefined = now, secret = 'SECsandbox') => {
    const q = new URLSearchParams({ access_token: token });
    if (ts !== undefined) {
      q.set('timestamp', String(ts));
      q.set('sign', dingTalkSign(secret, ts));
    }
    const res = await fetch(`${cloud.dingtalk.url}?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { errcode: number; errmsg: string };
  };
  const text = (content: string) => ({ msgtype: 'text', text: { content } });

  it('accepts a signed message and keeps it readable', async () => {
    assert.equal((await send('signed', text('zone AZ1 failed over'))).errcode, 0);
    assert.deepEqual(cloud.dingtalk.messages('signed').at(-1)?.body, text('zone AZ1 failed over'));
  });

  it('answers 300001, 310000 (sign, stale timestamp, keyword) and 460101', async () => {
    assert.equal((await send('nope', text('x'))).errcode, 300001);
    assert.equal((await send('signed', text('x'), now, 'SECwrong')).errcode, 310000);
    assert.equal((await send('signed', text('x'), now - 61 * 60_000)).errcode, 310000);
    assert.equal((await send('kw', text('no keyword here'))).errcode, 310000);
    assert.equal((await send('kw', text('fleet-dr: ok'))).errcode, 0);
    assert.equal((await send('signed', text('y'.repeat(20_001)))).errcode, 460101);
  });

  it('refuses the 21st message in a minute with 130101 and keeps refusing for 10 minutes', async () => {
    cloud.dingtalk.addRobot({ accessToken: 'busy' });
    for (let i = 0; i < 20; i++) assert.equal((await send('busy', text(`m${i}`), undefined)).errcode, 0);
    assert.equal((await send('busy', text('m20'), undefined)).errcode, 130101);
    now += 5 * 60_000;
    assert.equal((await send('busy', text('later'), undefined)).errcode, 130101);
    now += 5 * 60_000 + 1;
    assert.equal((await send('busy', text('after the block'), undefined)).errcode, 0);
    assert.equal(cloud.dingtalk.messages('busy').length, 21);
  });

  it('OpenAPI faults: throttling, 5xx, latency, hang and refuse, per product', async () => {
    const cs = new Cs(sdkConfig(cloud.openapi.cs.endpoint, SANDBOX_ACCESS_KEY, 300));
    cloud.faults.set('cs', { throttle: true });
    let e = await sdkError(cs.describeClusterDetail('c-ack-az1'));
    assert.equal(e.code, 'Throttling.User');
    assert.equal(e.name, 'ThrottlingError');
    cloud.faults.set('cs', { errorRate: 1 });
    e = await sdkError(cs.describeClusterDetail('c-ack-az1'));
    assert.equal(e.statusCode, 503);
    assert.equal(e.code, 'ServiceUnavailable');
    cloud.faults.set('cs', { hang: true });
    e = await sdkError(cs.describeClusterDetail('c-ack-az1'));
    assert.match(`${e.name} ${e.message}`, /timeout/i);
    cloud.faults.set('cs', { refuse: true });
    e = await sdkError(cs.describeClusterDetail('c-ack-az1'));
    assert.match(`${e.code} ${e.message}`, /ECONNRESET|socket hang up/i);
    cloud.faults.set('cs', { latencyMs: 120 });
    const t0 = Date.now();
    await cs.describeClusterDetail('c-ack-az1');
    assert.ok(Date.now() - t0 >= 100);
    cloud.faults.set('mse', { throttle: true }); // another product's fault leaves cs alone
    cloud.faults.clear('cs');
    assert.equal((await cs.describeClusterDetail('c-ack-az1')).body?.state, 'running');
    cloud.faults.clear();
  });

  it('refuse on DingTalk stops listening (ECONNREFUSED) until cleared', async () => {
    cloud.faults.set('dingtalk', { refuse: true });
    await cloud.faults.settled();
    // A new connection (fetch's pool could hand out a socket the server just closed: a reset, not a refusal).
    const err = await new Promise<string | undefined>((resolve) => {
      const req = request(cloud.dingtalk.url, { method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(undefined);
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code));
      req.end('{}');
    });
    assert.equal(err, 'ECONNREFUSED');
    cloud.faults.clear('dingtalk');
    await cloud.faults.settled();
    now += 60 * 60_000;
    assert.equal((await send('signed', text('back'))).errcode, 0);
  });
});
