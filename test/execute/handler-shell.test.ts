/**
 * The handler shell every function runs in: the policy cached per instance, a logger with the request id,
 * the wiring, and errors mapped to answers that never carry a stack trace (HTTP and other triggers).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildHttpTriggerEvent } from '../../sandbox/invoker/http-event';
import { createLocalInvoker, type LocalInvoker } from '../../sandbox/invoker/index';
import { ConfigError } from '../../shared/errors';
import { createHandler, InvocationFailedError, ok } from '../../shared/runtime/handler-shell';
import { type Capture, captureLogs } from '../clients/log-capture';
import { handler as fixture } from './fixtures/shell-fixture/handler';

const POLICY_FILE = fileURLToPath(new URL('../../deploy/policy.yaml', import.meta.url));
process.env.FLEET_DR_POLICY = POLICY_FILE;
const context = { requestId: 'req-shell-1', accountId: '1234567890' };

const httpEvent = (what: string) =>
  Buffer.from(
    JSON.stringify(
      buildHttpTriggerEvent(
        { method: 'POST', query: { do: what } },
        { requestId: 'req-shell-1', accountId: '1234567890', region: 'cn-hangzhou', functionName: 'x' },
      ),
    ),
  );
const plainEvent = (what: string) => Buffer.from(JSON.stringify({ do: what }));

interface HttpAnswer {
  statusCode: number;
  body: string;
}

const assertNoStack = (text: string) =>
  assert.doesNotMatch(text, /\n\s+at |\bat [\w.<>]+ \(|stackTrace|\.ts:\d+|\.m?js:\d+/, text);

describe('handler shell', () => {
  let logs: Capture;
  before(() => {
    logs = captureLogs();
  });
  after(() => logs.restore());

  it('answers a run over HTTP as JSON, and as the value itself for other triggers', async () => {
    const a = (await fixture(httpEvent('ok'), context)) as HttpAnswer;
    assert.equal(a.statusCode, 200);
    assert.deepEqual(JSON.parse(a.body), { region: 'cn-hangzhou', sameWiring: true });
    assert.deepEqual(await fixture(plainEvent('ok'), context), { region: 'cn-hangzhou', sameWiring: true });
  });

  it('logs with the request id and the function', () => {
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'fixture ran');
    assert.equal(line?.requestId, 'req-shell-1');
    assert.equal(line?.fn, 'shell-fixture');
  });

  it('maps a refusal to its status with the request id', async () => {
    const a = (await fixture(httpEvent('refuse'), context)) as HttpAnswer;
    assert.equal(a.statusCode, 409);
    assert.deepEqual(JSON.parse(a.body), {
      error: 'refused: the fixture was asked to',
      requestId: 'req-shell-1',
    });
    assert.deepEqual(await fixture(plainEvent('refuse'), context), {
      error: 'refused: the fixture was asked to',
      status: 409,
      requestId: 'req-shell-1',
    });
  });

  it('HTTP: a bug is a 500 naming only the error type; the stack is in the log, not the answer', async () => {
    const a = (await fixture(httpEvent('type-error'), context)) as HttpAnswer;
    assert.equal(a.statusCode, 500);
    assertNoStack(a.body);
    assert.deepEqual(JSON.parse(a.body), {
      error: 'TypeError: internal error; the function log has the details',
      requestId: 'req-shell-1',
    });
    const logged = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'invocation failed');
    assert.match(String(logged?.stack), /\n\s+at /, 'the log keeps the stack');
  });

  it("HTTP: fleet-dr's own error is a 500 with its message on one line, redacted", async () => {
    const a = (await fixture(httpEvent('fleet-error'), context)) as HttpAnswer;
    assert.equal(a.statusCode, 500);
    assertNoStack(a.body);
    const { error } = JSON.parse(a.body) as { error: string };
    assert.equal(error, 'FixtureStoreError: configmap fleet-dr/x: bad second line with token=[REDACTED]');
  });

  it('an event that does not parse is a 400 (HTTP) or a returned refusal (other triggers), never thrown', async () => {
    const a = (await fixture(httpEvent('parse'), context)) as HttpAnswer;
    assert.equal(a.statusCode, 400);
    assert.match(JSON.parse(a.body).error, /^EventParseError: not JSON and not a form body/);
    const r = (await fixture(plainEvent('parse'), context)) as Record<string, unknown>;
    assert.equal(r.status, 400);
    assert.match(String(r.error), /^not JSON and not a form body/);
  });

  it('other triggers: a failure is thrown as one clean line whose stack is only that line', async () => {
    for (const [what, name] of [
      ['type-error', 'TypeError'],
      ['fleet-error', 'FixtureStoreError'],
    ] as const) {
      const err = await fixture(plainEvent(what), context).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InvocationFailedError);
      assert.equal(err.name, name);
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /\(request req-shell-1\)$/);
      assert.equal(err.stack, `${name}: ${err.message}`);
      assert.equal(err.cause, undefined, 'nothing of ours hangs off it');
    }
  });

  it('loads the policy once per instance', async () => {
    let runs = 0;
    const h = createHandler({
      fn: 'cache-test',
      moduleUrl: import.meta.url,
      run: async (inv) => {
        runs++;
        return ok(inv.policy.fleet.id);
      },
    });
    assert.equal(await h(plainEvent('ok'), context), 'c-fleet-demo');
    process.env.FLEET_DR_POLICY = '/nonexistent/policy.yaml';
    try {
      assert.equal(await h(plainEvent('ok'), context), 'c-fleet-demo', 'the warm instance keeps its policy');
      const cold = createHandler({ fn: 'cold', moduleUrl: import.meta.url, run: async () => ok(1) });
      const a = (await cold(httpEvent('ok'), context)) as HttpAnswer;
      assert.equal(a.statusCode, 500, 'a new instance reads the policy again');
      assert.match(JSON.parse(a.body).error, /^ConfigError: /);
      await assert.rejects(cold(plainEvent('ok'), context), (e: unknown) => {
        assert.ok(e instanceof InvocationFailedError && e.name === ConfigError.name);
        return true;
      });
    } finally {
      process.env.FLEET_DR_POLICY = POLICY_FILE;
    }
    assert.equal(runs, 2);
  });
});

describe('handler shell under the local Function Compute invoker (FC reports thrown errors)', () => {
  let inv: LocalInvoker;
  before(() => {
    inv = createLocalInvoker({
      functionsDir: fileURLToPath(new URL('./fixtures', import.meta.url)),
      credentialsProvider: () => ({ accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'st' }),
      region: 'cn-hangzhou',
      accountId: '1234567890',
      freshInstance: false,
      env: { FLEET_DR_POLICY: POLICY_FILE, FLEET_DR_LOG: 'off' },
    });
  });
  after(async () => inv?.close());

  it('an event invocation that fails reports an empty stackTrace and a one-line message', async () => {
    const r = await inv.invoke('shell-fixture', { do: 'type-error' });
    assert.ok(r.error, 'the invocation failed');
    assert.equal(r.error.errorType, 'TypeError');
    assert.deepEqual(r.error.stackTrace, []);
    assert.match(r.error.errorMessage, /^internal error; the function log has the details \(request .+\)$/);
  });

  it('an HTTP invocation that fails is a JSON 500, not an FC error', async () => {
    const r = await inv.invokeHttp('shell-fixture', { method: 'POST', query: { do: 'fleet-error' } });
    assert.equal(r.error, undefined);
    assert.equal(r.statusCode, 500);
    assertNoStack(r.body.toString('utf8'));
    assert.equal(JSON.parse(r.body.toString('utf8')).requestId, r.requestId);
  });
});
