// The drill's client load (sandbox/drill/load.ts): what it counts as a failed request.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { startLoad } from '../../sandbox/drill/load';

/**
 * A server that answers the first request of each connection, then closes the connection as the next request
 * arrives on it: the moment an idle kept-alive connection is closed by the server just as the client reuses it.
 */
function closingServer(): Server {
  const served = new WeakMap<object, number>();
  return createServer((req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (n > 1) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"cluster":"c-1"}');
  });
}

describe('drill load', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = closingServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends a GET once more when the server closed the reused connection under it, and counts one request', async () => {
    const load = startLoad(url, { concurrency: 1, timeoutMs: 2_000 });
    await waitFor('twenty requests', () => load.samples.length >= 20, 30_000);
    const samples = await load.stop();
    assert.deepEqual(
      samples.filter((s) => !s.ok).map((s) => s.error),
      [],
      'a reset of a reused connection is not a failed request',
    );
    assert.ok(samples.every((s) => s.cluster === 'c-1'));
  });

  it('counts a reset of a fresh connection as a failure, naming it', async () => {
    const resetting = createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => resetting.listen(0, '127.0.0.1', r));
    try {
      const port = (resetting.address() as AddressInfo).port;
      const load = startLoad(`http://127.0.0.1:${port}/`, { concurrency: 1, timeoutMs: 2_000 });
      await waitFor('five requests', () => load.samples.length >= 5, 30_000);
      const samples = await load.stop();
      assert.ok(
        samples.every((s) => !s.ok && s.error === 'ECONNRESET'),
        JSON.stringify(samples.slice(0, 3)),
      );
    } finally {
      await new Promise<void>((r) => resetting.close(() => r()));
    }
  });
});
