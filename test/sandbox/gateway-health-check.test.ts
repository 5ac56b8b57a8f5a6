// Contract of the gateway stand-in's active health check: MSE's documented model (TCP by default, HTTP with
// expected statuses, interval / timeout / healthy and unhealthy thresholds), checked against real sockets on
// 127.0.0.1. Checks are driven one round at a time (`tick`), so no test waits on a clock.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { GatewayEndpoint } from '../../sandbox/gateway/endpoints';
import { EndpointHealth } from '../../sandbox/gateway/health';
import {
  type HealthCheckSettings,
  MSE_DOCUMENTED_HEALTH_CHECK,
  runCheck,
  statusExpected,
  UNVERIFIED_PASSIVE_EJECTION,
} from '../../sandbox/gateway/index';

function endpoint(port: number, cluster = 'c-a'): GatewayEndpoint {
  return {
    cluster,
    namespace: 'web-demo',
    service: 'web-demo',
    pod: `pod-${port}`,
    address: '127.0.0.1',
    port,
    podIP: '10.0.0.1',
    labels: {},
    ready: true,
  };
}

const FAST: HealthCheckSettings = { ...MSE_DOCUMENTED_HEALTH_CHECK, intervalMs: 50, timeoutMs: 200 };

describe('sandbox gateway: active health check as MSE documents it', () => {
  let status = 200;
  let hang = false;
  let server: Server;
  let port = 0;
  let closedPort = 0;
  before(async () => {
    server = createServer((req, res) => {
      if (hang) return; // accepted, never answered
      res.writeHead(req.url === '/healthz' ? status : 200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    closedPort = (tmp.address() as AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('defaults to TCP with the documented example values, and no passive ejection', () => {
    assert.deepEqual(MSE_DOCUMENTED_HEALTH_CHECK, {
      protocol: 'TCP',
      httpPath: '/healthz',
      expectedStatuses: [200],
      intervalMs: 2000,
      timeoutMs: 5000,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    });
    // Passive ejection is opt-in: the health map ignores ejections unless given the (unverified) settings.
    const h = new EndpointHealth(FAST, undefined);
    h.eject(endpoint(port));
    assert.equal(h.healthy(endpoint(port)), true, 'no passive ejection by default');
    const p = new EndpointHealth(FAST, UNVERIFIED_PASSIVE_EJECTION);
    p.eject(endpoint(port));
    assert.equal(p.healthy(endpoint(port)), false, 'passive ejection only when turned on');
  });

  it('TCP passes an endpoint that accepts connections, whatever it answers; fails a refused one', async () => {
    status = 503;
    hang = true;
    try {
      assert.equal(await runCheck(endpoint(port), FAST), true, 'a 5xx / hanging server still accepts');
      assert.equal(await runCheck(endpoint(closedPort), FAST), false, 'refused');
    } finally {
      status = 200;
      hang = false;
    }
  });

  it('HTTP passes only the expected statuses, and fails an answer later than the timeout', async () => {
    const http: HealthCheckSettings = { ...FAST, protocol: 'HTTP' };
    assert.equal(await runCheck(endpoint(port), http), true);
    status = 503;
    try {
      assert.equal(await runCheck(endpoint(port), http), false, '503 is not in [200]');
      assert.equal(await runCheck(endpoint(port), { ...http, expectedStatuses: [200, 500] }), true);
      assert.equal(await runCheck(endpoint(port), { ...http, expectedStatuses: [503] }), true, 'exact');
      status = 204;
      assert.equal(await runCheck(endpoint(port), http), true, '200 stands for every 2xx');
      assert.equal(await runCheck(endpoint(port), { ...http, expectedStatuses: [300] }), false);
      status = 200;
      hang = true;
      const started = Date.now();
      assert.equal(await runCheck(endpoint(port), http), false, 'no answer within the timeout');
      assert.ok(Date.now() - started >= FAST.timeoutMs - 10, 'waited the whole timeout');
    } finally {
      status = 200;
      hang = false;
    }
    assert.equal(statusExpected(404, [400]), true);
    assert.equal(statusExpected(404, [200, 300]), false);
  });

  it('turns unhealthy after unhealthyThreshold failed checks in a row, healthy after healthyThreshold passes', async () => {
    const settings: HealthCheckSettings = {
      ...FAST,
      protocol: 'HTTP',
      unhealthyThreshold: 3,
      healthyThreshold: 2,
    };
    const h = new EndpointHealth(settings, undefined);
    const ep = endpoint(port);
    const changes: string[] = [];
    h.onCheck((e) => e.changed && changes.push(`${e.changed}@${h.verdicts()[0]!.checks}`));
    await h.tick([ep]);
    assert.equal(h.healthy(ep), true);
    status = 503;
    try {
      await h.tick([ep]);
      await h.tick([ep]);
      assert.equal(h.healthy(ep), true, 'two failures are below the threshold of 3');
      status = 200;
      await h.tick([ep]);
      status = 503;
      await h.tick([ep]);
      await h.tick([ep]);
      assert.equal(h.healthy(ep), true, 'a pass resets the failure count');
      await h.tick([ep]);
      assert.equal(h.healthy(ep), false, 'the third failure in a row');
      assert.equal(h.verdicts()[0]!.consecutiveFailures, 3);
      status = 200;
      await h.tick([ep]);
      assert.equal(h.healthy(ep), false, 'one pass is below the healthy threshold of 2');
      await h.tick([ep]);
      assert.equal(h.healthy(ep), true);
    } finally {
      status = 200;
    }
    assert.deepEqual(changes, ['unhealthy@7', 'healthy@9']);
  });

  it('with the default thresholds (2 and 2) a refused endpoint needs two checks each way', async () => {
    const h = new EndpointHealth(FAST, undefined);
    const ep = endpoint(closedPort);
    await h.tick([ep]);
    assert.equal(h.healthy(ep), true, 'one failed check is not enough');
    await h.tick([ep]);
    assert.equal(h.healthy(ep), false);
    // An endpoint that disappears is forgotten; when it comes back it starts healthy.
    await h.tick([]);
    assert.deepEqual(h.verdicts(), []);
  });

  it('does not start a second check of an endpoint while one is in flight (timeout longer than interval)', async () => {
    hang = true;
    try {
      const h = new EndpointHealth({ ...FAST, protocol: 'HTTP', timeoutMs: 150 }, undefined);
      const ep = endpoint(port);
      const first = h.tick([ep]);
      const second = h.tick([ep]); // the next interval arrives while the first check still waits
      await Promise.all([first, second]);
      assert.equal(h.verdicts()[0]!.checks, 1);
    } finally {
      hang = false;
    }
  });
});
