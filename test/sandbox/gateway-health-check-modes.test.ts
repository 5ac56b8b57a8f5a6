// Which zone faults each health-check mode of the gateway stand-in catches, through a started sandbox with the
// fallback on and passive ejection off (MSE's documented model), with fast check settings. Every wait is on
// the gateway's own signal: a finished check or a verdict change (`onHealthCheck`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway, HealthCheckEvent } from '../../sandbox/gateway/index';
import { type Sandbox, startSandbox } from '../../sandbox/start-sandbox';
import { sendRequests } from './traffic-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const INTERVAL = 100;

/** Resolves once `pred` has held for the events seen since the call (rejects after `timeoutMs`). */
function waitChecks(
  gw: Gateway,
  pred: (seen: HealthCheckEvent[]) => boolean,
  what: string,
  timeoutMs = 8000,
) {
  return new Promise<HealthCheckEvent[]>((resolve, reject) => {
    const seen: HealthCheckEvent[] = [];
    const t = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const off = gw.onHealthCheck((e) => {
      seen.push(e);
      if (pred(seen)) {
        clearTimeout(t);
        off();
        resolve(seen);
      }
    });
  });
}

/** True once every endpoint of `cluster` has a verdict of `healthy`. */
const allVerdicts = (gw: Gateway, cluster: string, healthy: boolean) => {
  const v = gw.healthVerdicts().filter((x) => x.cluster === cluster);
  return v.length === 3 && v.every((x) => x.healthy === healthy);
};
/** Every endpoint of `cluster` finished `n` checks among `seen`. */
const checkedTimes = (seen: HealthCheckEvent[], cluster: string, n: number) => {
  const per = new Map<string, number>();
  for (const e of seen) if (e.cluster === cluster) per.set(e.key, (per.get(e.key) ?? 0) + 1);
  return per.size === 3 && [...per.values()].every((c) => c >= n);
};

async function healAndSettle(sb: Sandbox) {
  await sb.zones.fault(A, 'heal');
  await sb.zones.fault(B, 'heal');
  if (!allVerdicts(sb.gateway, A, true)) {
    await waitChecks(sb.gateway, () => allVerdicts(sb.gateway, A, true), 'A healthy again');
  }
  sb.gateway.resetStats();
}

describe('sandbox gateway: TCP health check (the default mode)', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({
      propagationDelayMs: 100,
      readinessLagMs: 60_000, // the endpoints stay ready: only the gateway's own check can move traffic
      upstreamTimeoutMs: 1000,
      // A generous timeout: a busy 2-core machine must not fail a healthy endpoint's check.
      gatewayHealthCheck: { intervalMs: INTERVAL, timeoutMs: 1500 },
      autoTick: false,
    });
    assert.equal(sb.gateway.healthFallback(), true);
    assert.equal(sb.gateway.healthCheckSettings().protocol, 'TCP');
  });
  after(async () => {
    await sb?.stop();
  });

  it('checks each endpoint every interval', async () => {
    const seen = await waitChecks(sb.gateway, (s) => checkedTimes(s, A, 4), 'four checks of each A endpoint');
    const key = seen.find((e) => e.cluster === A)!.key;
    const at = seen.filter((e) => e.key === key).map((e) => e.startedAt);
    for (let i = 1; i < at.length; i++) {
      assert.ok(at[i]! - at[i - 1]! >= INTERVAL - 15, `checks ${at[i]! - at[i - 1]!} ms apart`);
    }
  });

  it('catches a dead zone after two failed checks and routes around it with no failed request', async () => {
    await healAndSettle(sb);
    const verdict = waitChecks(sb.gateway, () => allVerdicts(sb.gateway, A, false), 'A unhealthy');
    await sb.zones.fault(A, 'dead');
    const seen = await verdict;
    const flipped = seen.filter((e) => e.changed === 'unhealthy');
    assert.equal(flipped.length, 3);
    for (const f of flipped) {
      const firstFail = seen.find((e) => e.key === f.key && !e.passed)!;
      assert.notEqual(firstFail, f, 'one failed check is not enough');
      assert.ok(f.startedAt - firstFail.startedAt >= INTERVAL - 15, "the next interval's check flips it");
    }
    const t = await sendRequests(sb.gateway.url, 300);
    assert.equal(t.byStatus[200], 300, JSON.stringify(t.byStatus));
    assert.deepEqual(Object.keys(t.byCluster), [B]);
    assert.equal(sb.world.serviceHealthProvider!()[0]!.healthStatus, 'Unhealthy');
  });

  it('lets a zone answering 5xx keep its share: TCP connects succeed', async () => {
    await healAndSettle(sb);
    await sb.zones.fault(A, 'errors', { errorRate: 0.5 });
    await waitChecks(sb.gateway, (s) => checkedTimes(s, A, 3), 'three checks of each A endpoint');
    assert.ok(allVerdicts(sb.gateway, A, true), 'still healthy');
    const t = await sendRequests(sb.gateway.url, 400);
    const errors = t.byStatus[503] ?? 0;
    assert.ok(errors > 50 && errors < 150, `about a quarter fails: ${JSON.stringify(t.byStatus)}`);
  });

  it('lets a slow zone keep its share', async () => {
    await healAndSettle(sb);
    await sb.zones.fault(A, 'slow', { slowMs: 400 });
    await waitChecks(sb.gateway, (s) => checkedTimes(s, A, 3), 'three checks of each A endpoint');
    assert.ok(allVerdicts(sb.gateway, A, true));
    const t = await sendRequests(sb.gateway.url, 60, 20);
    assert.ok((t.byCluster[A] ?? 0) > 10, JSON.stringify(t.byCluster));
    assert.ok(t.minLatency[A]! >= 390);
  });

  it('catches a blackholed zone: its handshakes never complete, so the TCP checks time out', async () => {
    await healAndSettle(sb);
    const verdict = waitChecks(sb.gateway, () => allVerdicts(sb.gateway, A, false), 'A unhealthy');
    await sb.zones.fault(A, 'blackhole');
    await verdict;
    const t = await sendRequests(sb.gateway.url, 200);
    assert.deepEqual(Object.keys(t.byCluster), [B]);
    await sb.zones.fault(A, 'heal');
  });
});

describe('sandbox gateway: HTTP health check with expected statuses', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({
      propagationDelayMs: 100,
      readinessLagMs: 60_000,
      upstreamTimeoutMs: 1000,
      gatewayHealthCheck: {
        protocol: 'HTTP',
        expectedStatuses: [200],
        intervalMs: INTERVAL,
        timeoutMs: 1000,
      },
      autoTick: false,
    });
  });
  after(async () => {
    await sb?.stop();
  });

  for (const [kind, opts] of [
    ['slow', { slowMs: 3000 }],
    ['blackhole', {}],
  ] as const) {
    it(`catches a ${kind} zone (no answer within the timeout) and routes around it`, async () => {
      await healAndSettle(sb);
      const verdict = waitChecks(sb.gateway, () => allVerdicts(sb.gateway, A, false), 'A unhealthy');
      await sb.zones.fault(A, kind, opts);
      await verdict;
      const t = await sendRequests(sb.gateway.url, 200);
      assert.equal(t.byStatus[200], 200, JSON.stringify(t.byStatus));
      assert.deepEqual(Object.keys(t.byCluster), [B]);
      // Healed: back after healthyThreshold passes, with no dwell (the gateway's own failback).
      const back = waitChecks(sb.gateway, () => allVerdicts(sb.gateway, A, true), 'A healthy');
      await sb.zones.fault(A, 'heal');
      await back;
      const u = await sendRequests(sb.gateway.url, 300);
      assert.ok((u.byCluster[A] ?? 0) > 90, JSON.stringify(u.byCluster));
    });
  }

  it('catches a zone answering every check with 503', async () => {
    await healAndSettle(sb);
    const verdict = waitChecks(sb.gateway, () => allVerdicts(sb.gateway, A, false), 'A unhealthy');
    await sb.zones.fault(A, 'errors', { errorRate: 1 });
    await verdict;
    const t = await sendRequests(sb.gateway.url, 200);
    assert.equal(t.byStatus[200], 200, JSON.stringify(t.byStatus));
  });
});
