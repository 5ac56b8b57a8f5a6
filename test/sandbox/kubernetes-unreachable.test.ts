/** Contract: setUnreachable refuses or hangs both ports for client-node, restores them, and stop still closes all. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { memberSeedYaml } from '../../sandbox/kubernetes/seed';
import { KubeApiError, TimeoutError } from '../../shared/clients/errors';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';

// Long enough that "fails at once" (a refused connection) is told from the timeout on a busy machine.
const TIMEOUT_MS = 2_000;
const LIMITS = { timeoutMs: TIMEOUT_MS, retries: 0, minBackoffMs: 10, maxBackoffMs: 10 };

/** Resolves with how a raw TCP connection ends: 'refused' (error), 'open' (connected, no answer in ms). */
function rawOutcome(port: number, ms: number): Promise<'refused' | 'open' | 'answered'> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (v: 'refused' | 'open' | 'answered') => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done('open'), ms);
    s.once('connect', () => s.write('GET /version HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.once('data', () => done('answered'));
    s.once('error', () => done('refused'));
    s.once('close', () => done('refused'));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const t0 = performance.now();
  try {
    await fn();
    return { ms: performance.now() - t0, err: undefined };
  } catch (err) {
    return { ms: performance.now() - t0, err };
  }
}

describe('kubernetes stand-in: setUnreachable', () => {
  let server: KubeApiServer;
  let clients: KubeClient[];
  /**
   * Every client's list while the server serves. The clients' 400 ms timeout is for the `hang` case; on a busy
   * machine a first TLS handshake can take longer, which is not what these cases test, so a timeout here is
   * tried again (at most 5 times) instead of failing the run.
   */
  const deployments = () =>
    clients.map(async (c) => {
      for (let i = 1; ; i++) {
        try {
          return await c.listDeployments('web-demo');
        } catch (e) {
          if (!(e instanceof TimeoutError) || i >= 5) throw e;
        }
      }
    });
  before(async () => {
    server = await startKubeApiServer({
      name: 'c-reg-az2',
      seedYaml: memberSeedYaml({ clusterId: 'c-reg-az2' }),
    });
    assert.ok(server.tlsUrl, 'the TLS port is part of the contract here');
    clients = [
      kubeClientFromKubeconfig('http', server.kubeconfig(), LIMITS),
      kubeClientFromKubeconfig('tls', server.kubeconfig(undefined, { tls: true }), LIMITS),
    ];
  });
  after(async () => {
    await server?.stop();
  });

  it('serves both ports normally at first (and leaves kept-alive connections behind)', async () => {
    for (const list of await Promise.all(deployments())) assert.equal(list.length, 1);
    assert.equal(server.unreachable, false);
  });

  it("'refuse': client-node calls on both ports fail at once with a network error", async () => {
    server.setUnreachable('refuse');
    assert.equal(server.unreachable, 'refuse');
    for (const call of clients) {
      const r = await timed(() => call.listDeployments('web-demo'));
      assert.ok(r.err instanceof KubeApiError, `${call.name}: ${String(r.err)}`);
      assert.equal(r.err.status, 0, 'a connection failure, not an HTTP answer');
      assert.ok(r.ms < TIMEOUT_MS / 2, `${call.name} failed fast: ${Math.round(r.ms)} ms`);
    }
    assert.equal(await rawOutcome(server.port, 300), 'refused');
    assert.equal(await rawOutcome(Number(new URL(server.tlsUrl!).port), 300), 'refused');
  });

  it("'hang': connections are accepted but unanswered, so the client's own timeout fires", async () => {
    server.setUnreachable('hang');
    const results = await Promise.all(clients.map((c) => timed(() => c.listDeployments('web-demo'))));
    for (const r of results) {
      assert.ok(r.err instanceof TimeoutError, String(r.err));
      assert.ok(r.ms >= TIMEOUT_MS - 20, `waited for the timeout: ${Math.round(r.ms)} ms`);
    }
    assert.equal(await rawOutcome(server.port, 300), 'open');
    assert.equal(await rawOutcome(Number(new URL(server.tlsUrl!).port), 300), 'open');
  });

  it('the in-process store keeps working during the fault; false restores the same ports', async () => {
    const d = server.store.list('apps/v1', 'Deployment', 'web-demo')[0]!;
    server.store.upsert({
      ...d,
      metadata: { ...d.metadata, labels: { ...d.metadata.labels, during: 'fault' } },
    });
    const { port, tlsUrl } = server;
    server.setUnreachable(false);
    assert.equal(server.unreachable, false);
    assert.equal(server.port, port);
    assert.equal(server.tlsUrl, tlsUrl);
    for (const list of await Promise.all(deployments()))
      assert.equal(list[0]?.metadata?.labels?.during, 'fault', 'sees what was written during the fault');
  });

  it('stop() leaves no port open, even with connections held by a hang', async () => {
    const s = await startKubeApiServer({ name: 'held' });
    const tlsPort = Number(new URL(s.tlsUrl!).port);
    s.setUnreachable('hang');
    const held = rawOutcome(s.port, 5_000);
    await new Promise((r) => setTimeout(r, 100));
    await s.stop();
    assert.equal(await held, 'refused', 'the held connection is closed by stop');
    assert.equal(await rawOutcome(s.port, 300), 'refused');
    assert.equal(await rawOutcome(tlsPort, 300), 'refused');
  });
});
