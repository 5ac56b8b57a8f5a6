import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { PodServer } from '../../sandbox/zones/pod-server';

/** One GET with a deadline: the status, or what went wrong. */
function get(
  port: number,
  timeoutMs = 300,
  agent: Agent | false = false,
): Promise<number | 'refused' | 'timeout' | 'reset'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/x', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    const t = setTimeout(() => {
      resolve('timeout');
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : 'reset');
    });
    req.on('close', () => clearTimeout(t));
    req.end();
  });
}

/** Whether a TCP connection to the port completes within `ms` (a blackholed port never does). */
function connects(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, ms);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** Resolves once `pred` holds (checked every few ms), rejects after 5 s. */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('sandbox pod backends', () => {
  const pods: PodServer[] = [];
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
  });
  const start = async (seed = 1) => {
    const p = await PodServer.start({ cluster: 'c-x', zone: 'z1', name: 'web-demo-c-x-0', seed });
    pods.push(p);
    return p;
  };

  it('answers with its cluster and pod name', async () => {
    const p = await start();
    const res = await fetch(`http://127.0.0.1:${p.port}/hello`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.cluster, 'c-x');
    assert.equal(body.pod, 'web-demo-c-x-0');
    assert.equal(body.path, '/hello');
    assert.equal(res.headers.get('x-sandbox-cluster'), 'c-x');
  });

  it('dead refuses connections, and healing re-opens the same port', async () => {
    const p = await start();
    const port = p.port;
    await p.setFault('dead');
    assert.equal(p.listening, false);
    assert.equal(await get(port), 'refused');
    await p.setFault('none');
    assert.equal(p.port, port);
    assert.equal(await get(port), 200);
  });

  it('blackhole: new connections hang (no handshake), open ones are held unanswered; healing drops them', async () => {
    const p = await start();
    const port = p.port;
    // A kept-alive connection opened before the fault.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal(await get(port, 2000, agent), 200);
      await p.setFault('blackhole');
      assert.equal(await connects(port, 500), false, 'a new TCP connection never completes');
      const held = get(port, 5000, agent);
      await until(() => p.heldRequests === 1, 'the pod to hold the request');
      await p.setFault('none');
      assert.equal(await held, 'reset', 'the held request is dropped at the heal');
      assert.equal(p.port, port, 'the same port again');
      assert.equal(await get(port), 200);
      assert.equal(await connects(port, 2000), true);
    } finally {
      agent.destroy();
    }
  });

  it('slow answers after the delay', async () => {
    const p = await start();
    await p.setFault('slow', { slowMs: 200 });
    const t0 = Date.now();
    assert.equal(await get(p.port, 1000), 200);
    assert.ok(Date.now() - t0 >= 190);
  });

  it('errors answers a seeded share with 503', async () => {
    const p = await start(5);
    await p.setFault('errors', { errorRate: 0.3 });
    let bad = 0;
    for (let i = 0; i < 200; i++) if ((await get(p.port)) === 503) bad++;
    assert.ok(Math.abs(bad / 200 - 0.3) < 0.1, `${bad} of 200`);
  });
});
