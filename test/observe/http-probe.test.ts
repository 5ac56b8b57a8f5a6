import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpProbe } from '../../shared/observe/http-probe';
import { probeOnce } from '../../shared/observe/probe';
import { closedPort, startTargets, type Targets } from './targets';

describe('httpProbe: one probe request, bounded in every phase', () => {
  let s: Targets;
  before(async () => {
    s = await startTargets();
  });
  after(() => s.close());

  it('is ok on the expected status, with its latency', async () => {
    const a = await httpProbe({ url: s.url('/ok'), expectedStatus: 200, timeoutMs: 2_000 });
    assert.equal(a.ok, true);
    assert.equal(a.status, 200);
    assert.equal(a.failure, undefined);
    assert.ok(a.latencyMs >= 0 && a.latencyMs < 2_000);
  });

  it('fails on any other status (a 5xx), saying which', async () => {
    const a = await httpProbe({ url: s.url('/503'), expectedStatus: 200, timeoutMs: 2_000 });
    assert.deepEqual([a.ok, a.status, a.failure, a.error], [false, 503, 'status', 'HTTP 503']);
  });

  it('gives up on an answer that does not come within the timeout, and closes its connection', async () => {
    const started = Date.now();
    const a = await httpProbe({ url: s.url('/hang'), expectedStatus: 200, timeoutMs: 300 });
    const took = Date.now() - started;
    assert.deepEqual([a.ok, a.failure, a.error], [false, 'timeout', 'timeout after 300 ms']);
    assert.ok(took >= 290 && took < 1_500, `ended after ${took} ms`);
    await s.drained();
  });

  it('counts a body that never ends as too slow, and closes its connection', async () => {
    const a = await httpProbe({ url: s.url('/slow-body'), expectedStatus: 200, timeoutMs: 300 });
    assert.deepEqual([a.ok, a.failure], [false, 'timeout']);
    await s.drained();
  });

  it('reads at most maxBodyBytes of a body, then drops the connection: only the status matters', async () => {
    const a = await httpProbe({
      url: s.url('/big'),
      expectedStatus: 200,
      timeoutMs: 2_000,
      maxBodyBytes: 1024,
    });
    assert.deepEqual([a.ok, a.status], [true, 200]);
    await s.drained();
  });

  it('fails fast on a refused connection', async () => {
    const port = await closedPort();
    const a = await httpProbe({ url: `http://127.0.0.1:${port}/`, expectedStatus: 200, timeoutMs: 2_000 });
    assert.deepEqual([a.ok, a.failure, a.error], [false, 'refused', 'unreachable (ECONNREFUSED)']);
    assert.ok(a.latencyMs < 1_000);
  });

  it('sends the probe headers, on a connection of its own that it closes', async () => {
    await httpProbe({
      url: s.url('/ok'),
      headers: { 'x-probe': 'fleet-dr' },
      expectedStatus: 200,
      timeoutMs: 2_000,
    });
    assert.equal(s.lastHeaders['x-probe'], 'fleet-dr');
    assert.equal(s.lastHeaders.connection, 'close');
    await s.drained();
  });

  it('probeOnce (the alarm path) uses the same request and says what failed', async () => {
    const probe = {
      url: s.url('/hang'),
      headers: {},
      secretHeadersEnv: {},
      expectedStatus: 200,
      timeoutMs: 200,
    };
    const r = await probeOnce(probe, {});
    assert.equal(r.ok, false);
    assert.equal(r.error, 'timeout after 200 ms');
    assert.ok(!Number.isNaN(Date.parse(r.at)));
    await s.drained();
  });
});
