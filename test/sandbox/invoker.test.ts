import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as FcMod from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { SANDBOX_ACCESS_KEY, startCloudStandIn } from '../../sandbox/cloud/index';
import {
  createLocalInvoker,
  type FcCredentials,
  FunctionInvocationError,
  FunctionNotFoundError,
  type LocalInvoker,
} from '../../sandbox/invoker/index';
import { FleetWorld } from '../../sandbox/world';

const functionsDir = fileURLToPath(new URL('../fixtures/functions', import.meta.url));
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

let issued = 0;
const credentialsProvider = (): FcCredentials => {
  issued += 1;
  return {
    accessKeyId: `STS.key${issued}`,
    accessKeySecret: `secret${issued}`,
    securityToken: `token${issued}`,
  };
};

const make = (freshInstance: boolean): LocalInvoker =>
  createLocalInvoker({
    functionsDir,
    credentialsProvider,
    region: 'cn-hangzhou',
    accountId: '1234567890',
    freshInstance,
    env: { FLEET_DR_POLICY: './policy.yaml' },
    functions: {
      'context-dump': { memory: 256, timeout: 30 },
      slow: { timeout: 0.3 },
    },
  });

describe('local invoker, fresh instances', () => {
  const inv = make(true);
  after(() => inv.close());

  it('runs every invocation in a new module instance, so module memory never carries over', async () => {
    const seq = [];
    for (let i = 0; i < 3; i++) seq.push(await inv.invoke('counter', {}));
    const parallel = await Promise.all([1, 2, 3].map(() => inv.invoke('counter', {})));
    for (const r of [...seq, ...parallel]) assert.deepEqual(json(r.payload), { count: 1 });
    assert.equal(new Set([...seq, ...parallel].map((r) => r.instanceId)).size, 6);
  });

  it('passes the event as a Buffer and a context shaped like FC 3.0', async () => {
    const before = issued;
    const r = await inv.invoke('context-dump', Buffer.from([0, 1, 2, 255]));
    const out = json(r.payload);
    assert.equal(out.eventIsBuffer, true);
    assert.equal(out.eventHex, '000102ff');
    assert.equal(issued, before + 1, 'fresh role credentials for each invocation');
    assert.deepEqual(out.context, {
      requestId: r.requestId,
      credentials: {
        accessKeyId: `STS.key${issued}`,
        accessKeySecret: `secret${issued}`,
        securityToken: `token${issued}`,
      },
      function: { name: 'context-dump', handler: 'index.handler', memory: 256, timeout: 30 },
      region: 'cn-hangzhou',
      accountId: '1234567890',
    });
    assert.match(r.requestId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.deepEqual(out.loggerMethods, ['debug', 'error', 'info', 'log', 'warn']);
    assert.deepEqual(out.env, {
      FLEET_DR_POLICY: './policy.yaml',
      FC_FUNCTION_NAME: 'context-dump',
      HOME_LEAKED: null,
    });
    assert.deepEqual(
      r.logs.map((l) => [l.level, l.message, l.requestId]),
      [['info', 'dumping context', r.requestId]],
    );
  });

  it('sends a string as UTF-8 and keeps a caller-chosen request id', async () => {
    const r = await inv.invoke('context-dump', 'héllo', { requestId: 'req-fixed' });
    assert.equal(Buffer.from(json(r.payload).eventHex, 'hex').toString('utf8'), 'héllo');
    assert.equal(json(r.payload).context.requestId, 'req-fixed');
  });

  it('reports a thrown error as FC does: errorMessage, errorType, stackTrace', async () => {
    const r = await inv.invoke('throws', 'boom');
    assert.equal(r.error?.errorType, 'AlarmRejectedError');
    assert.equal(r.error?.errorMessage, 'rejected: boom');
    assert.ok(r.error && r.error.stackTrace.length > 0 && r.error.stackTrace[0]!.startsWith('at '));
    assert.deepEqual(json(r.payload), r.error);
  });

  it('stops an invocation that overruns the function timeout', async () => {
    const t = Date.now();
    const r = await inv.invoke('slow', {});
    assert.equal(r.error?.errorType, 'FunctionTimeoutError');
    assert.ok(Date.now() - t < 30_000, 'stopped, not left to run its 60 s');
  });

  it('refuses a function that has no handler, or a name that leaves the functions folder', async () => {
    await assert.rejects(inv.invoke('missing', {}), FunctionNotFoundError);
    await assert.rejects(inv.invoke('../functions/counter', {}), FunctionNotFoundError);
  });
});

describe('local invoker, warm instances', () => {
  const inv = make(false);
  after(() => inv.close());

  it('reuses an idle instance, so module memory carries over', async () => {
    const a = await inv.invoke('counter', {});
    const b = await inv.invoke('counter', {});
    const c = await inv.invoke('counter', {});
    assert.deepEqual(
      [a, b, c].map((r) => json(r.payload).count),
      [1, 2, 3],
    );
    assert.equal(new Set([a, b, c].map((r) => r.instanceId)).size, 1);
  });

  it('serves concurrent requests from separate instances (one request per instance)', async () => {
    const rs = await Promise.all([inv.invoke('counter', {}), inv.invoke('counter', {})]);
    assert.equal(new Set(rs.map((r) => r.instanceId)).size, 2);
  });
});

describe('local invoker, at its instance cap', () => {
  const inv = createLocalInvoker({
    functionsDir,
    credentialsProvider,
    region: 'cn-hangzhou',
    accountId: '1234567890',
    freshInstance: false,
    maxInstancesPerFunction: 2,
  });
  after(() => inv.close());

  it('runs at most the cap of instances at once; the rest wait for one to finish, and idle() waits for them', async () => {
    const calls = [1, 2, 3, 4, 5].map(() => inv.invoke('wait', { ms: 200 }));
    await inv.idle();
    assert.equal(inv.invocations.length, 5, 'idle() resolved only once the waiting calls had run too');
    const rs = await Promise.all(calls);
    const byInstance = new Map<string, number[]>();
    for (const r of rs)
      byInstance.set(r.instanceId, [...(byInstance.get(r.instanceId) ?? []), json(r.payload).runs]);
    assert.equal(byInstance.size, 2, 'two instances served five calls');
    // Which instance frees first decides who serves the waiting calls; each instance ran its calls one by one.
    for (const runs of byInstance.values())
      assert.deepEqual(
        runs.sort((a, b) => a - b),
        runs.map((_, k) => k + 1),
      );
    assert.equal(rs.filter((r) => r.error).length, 0);
  });
});

describe('local invoker, HTTP trigger', () => {
  const inv = make(true);
  after(() => inv.close());

  it('builds the v1 HTTP event and maps the structured result back to a response', async () => {
    const res = await inv.invokeHttp('echo-http', {
      method: 'post',
      path: '/call%20back',
      query: { token: 'abc', x: ['1', '2'], status: '201' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'alertState=ALERT',
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['x-echo'], 'yes');
    assert.equal(res.headers['x-fc-request-id'], res.requestId);
    assert.deepEqual(json(res.body), {
      method: 'POST',
      path: '/call back',
      rawPath: '/call%20back',
      query: { token: 'abc', x: '1,2', status: '201' },
      body: 'alertState=ALERT',
      isBase64Encoded: false,
      contentType: 'application/x-www-form-urlencoded',
      requestId: res.requestId,
    });
  });

  it('base64-encodes a binary body', async () => {
    const res = await inv.invokeHttp('echo-http', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from([1, 2, 3]),
    });
    const out = json(res.body);
    assert.equal(out.isBase64Encoded, true);
    assert.equal(out.body, '010203');
    assert.equal(out.path, '/');
  });

  it('answers real HTTP requests on 127.0.0.1 through the front', async () => {
    const front = await inv.listen();
    assert.match(front.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${front.urlFor('echo-http')}/callback?token=t0k&status=202`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'alertName=zone-down&alertState=ALERT',
    });
    assert.equal(res.status, 202);
    const out = (await res.json()) as { method: string; path: string; query: unknown; body: string };
    assert.deepEqual(
      { method: out.method, path: out.path, query: out.query, body: out.body },
      {
        method: 'POST',
        path: '/callback',
        query: { token: 't0k', status: '202' },
        body: 'alertName=zone-down&alertState=ALERT',
      },
    );
    const failed = await fetch(front.urlFor('throws'), { method: 'POST', body: 'x' });
    assert.equal(failed.status, 502);
    assert.equal(failed.headers.get('x-fc-error-type'), 'UnhandledInvocationError');
    assert.equal(((await failed.json()) as { errorType: string }).errorType, 'AlarmRejectedError');
    assert.equal((await fetch(front.urlFor('missing'), { method: 'POST' })).status, 404);
  });
});

describe('local invoker as the Function Compute dispatcher', () => {
  const inv = make(true);
  after(() => inv.close());
  const creds = { accessKeyId: 'STS.disp', accessKeySecret: 's', securityToken: 't' };

  it('answers a synchronous invocation with the payload, using the request id and credentials given', async () => {
    const out = await inv.dispatcher({
      functionName: 'context-dump',
      event: Buffer.from('{}'),
      async: false,
      requestId: 'req-sync',
      credentials: creds,
    });
    const body = json(Buffer.from(out));
    assert.equal(body.context.requestId, 'req-sync');
    assert.deepEqual(body.context.credentials, creds);
  });

  it('throws FunctionInvocationError with FC’s error body when the handler fails', async () => {
    await assert.rejects(
      inv.dispatcher({ functionName: 'throws', event: Buffer.from('x'), async: false, requestId: 'req-err' }),
      (err: unknown) =>
        err instanceof FunctionInvocationError &&
        err.payload.errorType === 'AlarmRejectedError' &&
        json(err.body).errorMessage === 'rejected: x',
    );
  });

  it('runs an asynchronous invocation to completion, so the stand-in’s drain waits for it', async () => {
    const out = await inv.dispatcher({
      functionName: 'counter',
      event: Buffer.from('{}'),
      async: true,
      requestId: 'req-async',
    });
    assert.deepEqual(json(Buffer.from(out)), { count: 1 });
    await inv.idle();
    assert.ok(inv.invocations.some((r) => r.requestId === 'req-async'));
  });
});

describe('local invoker behind the Function Compute stand-in (real SDK, real HTTP)', async () => {
  const world = new FleetWorld({ fleetId: 'c-fleet-demo', regionId: 'cn-hangzhou' });
  const cloud = await startCloudStandIn({ world, autoTick: false });
  const inv = createLocalInvoker({
    functionsDir,
    credentialsProvider: () => cloud.credentials.issueStsToken(),
    region: 'cn-hangzhou',
    accountId: cloud.fc.accountId,
    freshInstance: true,
  });
  after(async () => {
    await inv.close();
    await cloud.stop();
  });
  cloud.fc.setDispatcher(inv.dispatcher);
  const Fc = (FcMod.default as unknown as { default?: typeof FcMod.default }).default ?? FcMod.default;
  const client = new Fc(
    new $OpenApiUtil.Config({
      ...SANDBOX_ACCESS_KEY,
      regionId: 'cn-hangzhou',
      endpoint: cloud.fc.endpoint,
      protocol: 'http',
    }),
  );
  const call = (fn: string, body: string, async = false) =>
    client.invokeFunctionWithOptions(
      fn,
      new FcMod.InvokeFunctionRequest({ body: Readable.from(Buffer.from(body)) }),
      new FcMod.InvokeFunctionHeaders(async ? { xFcInvocationType: 'Async' } : {}),
      new $dara.RuntimeOptions({ readTimeout: 120_000, connectTimeout: 10_000 }),
    );
  const text = async (stream: unknown) => {
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8');
  };

  it('answers a synchronous InvokeFunction with the handler’s payload and the stand-in’s credentials', async () => {
    const res = await call('context-dump', '{"alarm":1}');
    const out = JSON.parse(await text(res.body));
    assert.equal(Buffer.from(out.eventHex, 'hex').toString('utf8'), '{"alarm":1}');
    assert.match(out.context.credentials.accessKeyId, /^STS\./);
    assert.equal(out.context.accountId, cloud.fc.accountId);
  });

  it('answers a handler error with FC’s error type and message', async () => {
    const res = await call('throws', 'bad');
    assert.equal(res.headers?.['x-fc-error-type'], 'UnhandledInvocationError');
    const out = JSON.parse(await text(res.body));
    assert.deepEqual(
      { errorType: out.errorType, errorMessage: out.errorMessage },
      { errorType: 'AlarmRejectedError', errorMessage: 'rejected: bad' },
    );
  });

  it('accepts an asynchronous invocation with 202 and runs it before drain() resolves', async () => {
    const before = inv.invocations.length;
    const res = await call('counter', '{}', true);
    assert.equal(res.statusCode, 202);
    await cloud.fc.drain();
    assert.equal(inv.invocations.length, before + 1);
    assert.equal(cloud.fc.invocations.at(-1)?.status, 'succeeded');
  });

  it('answers 404 FunctionNotFound for a function with no handler', async () => {
    await assert.rejects(
      call('missing', '{}'),
      (err: { statusCode?: number; code?: string }) => err.statusCode === 404,
    );
  });
});
