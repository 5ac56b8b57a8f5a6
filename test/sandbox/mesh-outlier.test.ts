/**
 * Contract: outlier detection as Envoy does it for an Istio DestinationRule: an endpoint answering 5xx is
 * ejected after exactly `consecutive5xxErrors` consecutive 5xx, gets no traffic while ejected, and comes back
 * at the first interval sweep after `baseEjectionTime` × ejections; Envoy's defaults when fields are left out.
 * Waits on the detector's own events, never on a fixed sleep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MeshRequestRecord } from '../../sandbox/mesh/mesh-proxy';
import {
  ENVOY_OUTLIER_DEFAULTS,
  OutlierDetector,
  type OutlierEvent,
  outlierSettingsOf,
  parseDuration,
} from '../../sandbox/mesh/outlier';
import { AZ1, sendAs, startMesh, startPods, type TestPod } from './mesh-helpers';

describe('mesh outlier detection through the proxy (real HTTP)', () => {
  let pods: TestPod[];
  let mesh: Awaited<ReturnType<typeof startMesh>>;

  before(async () => {
    pods = await startPods('az1', AZ1, 3);
    mesh = await startMesh(pods);
    await mesh.applyRule({
      trafficPolicy: {
        outlierDetection: {
          consecutive5xxErrors: 3,
          interval: '50ms',
          baseEjectionTime: '400ms',
          maxEjectionPercent: 100,
        },
      },
    });
  });
  after(() => mesh?.stop());

  it('ejects a 5xx endpoint after exactly 3 consecutive 5xx and takes it back after the ejection time', async () => {
    const bad = pods[0]!;
    bad.status = 503;
    const seen: MeshRequestRecord[] = [];
    const events: OutlierEvent[] = [];
    const unsubscribe = mesh.proxy.onRequest((r) => seen.push(r));
    const ejected = new Promise<OutlierEvent>((resolve) =>
      mesh.proxy.outlier.on((e) => {
        events.push(e);
        if (e.type === 'eject') resolve(e);
      }),
    );
    // Send until the detector ejects it (each request is counted before the answer is sent).
    while (!events.some((e) => e.type === 'eject')) await sendAs(mesh.proxy, AZ1, 1, 1);
    const eject = await ejected;
    assert.equal(eject.id, bad.endpoint.id);
    assert.equal(eject.consecutive5xx, 3);
    const toBad = seen.filter((r) => r.endpoint === bad.endpoint.id);
    assert.equal(toBad.length, 3, 'ejected at the third 5xx, not before and not after');
    assert.ok(toBad.every((r) => r.status === 503));

    // One ordered log of requests and detector events: nothing reaches the endpoint between its ejection
    // and its return, which comes at a sweep at least baseEjectionTime after the ejection.
    const log: Array<string> = [];
    const stopLog = mesh.proxy.onRequest((r) => log.push(`request ${r.endpoint}`));
    let returned: OutlierEvent | undefined;
    const stopEvents = mesh.proxy.outlier.on((e) => {
      log.push(`${e.type} ${e.id}`);
      if (e.type === 'uneject' && e.id === bad.endpoint.id) returned = e;
    });
    while (!returned) await sendAs(mesh.proxy, AZ1, 1, 1);
    stopLog();
    stopEvents();
    const back = log.indexOf(`uneject ${bad.endpoint.id}`);
    assert.ok(!log.slice(0, back).includes(`request ${bad.endpoint.id}`), 'no traffic while ejected');
    assert.ok(log.slice(0, back).filter((l) => l.startsWith('request')).length > 0);
    assert.ok(returned.at - eject.at >= 400, `back after ${returned.at - eject.at} ms`);
    bad.status = 200;
    let afterReturn: string[] = [];
    while (!afterReturn.includes(bad.endpoint.id)) afterReturn = await sendAs(mesh.proxy, AZ1, 10, 1);
    unsubscribe();
  });
});

describe('mesh outlier detector (pure, fake clock)', () => {
  it("takes Envoy's defaults and Istio durations", () => {
    assert.deepEqual(outlierSettingsOf(undefined), ENVOY_OUTLIER_DEFAULTS);
    assert.deepEqual(ENVOY_OUTLIER_DEFAULTS, {
      consecutive5xxErrors: 5,
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionPercent: 10,
      maxEjectionTimeMs: 300_000,
    });
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('100ms'), 100);
    assert.throws(() => parseDuration('ten seconds'));
  });

  it('ejects at the 5th consecutive 5xx by default, resets on success, returns after 30 s × ejections', () => {
    let now = 0;
    const d = new OutlierDetector(ENVOY_OUTLIER_DEFAULTS, () => now);
    d.setHosts(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    for (let i = 0; i < 4; i++) d.record('a', 500);
    d.record('a', 200);
    for (let i = 0; i < 4; i++) d.record('a', 502);
    assert.equal(d.state('a')?.ejected, false, '4 in a row after a success: not yet');
    d.record('a', 'error');
    assert.equal(d.state('a')?.ejected, true);
    now = 29_999;
    d.sweep();
    assert.equal(d.state('a')?.ejected, true);
    now = 30_000;
    d.sweep();
    assert.equal(d.state('a')?.ejected, false);
    for (let i = 0; i < 5; i++) d.record('a', 500);
    assert.equal(d.state('a')?.ejections, 2);
    now = 89_999;
    d.sweep();
    assert.equal(d.state('a')?.ejected, true, 'the second ejection lasts 60 s');
    now = 90_000;
    d.sweep();
    assert.equal(d.state('a')?.ejected, false);
  });

  it('ejects at most maxEjectionPercent of the hosts (10 % by default), but at least one', () => {
    const d = new OutlierDetector(ENVOY_OUTLIER_DEFAULTS, () => 0);
    const hosts = Array.from({ length: 20 }, (_, i) => `h${i}`);
    d.setHosts(hosts);
    for (const h of hosts) for (let i = 0; i < 5; i++) d.record(h, 503);
    assert.equal(d.ejected().size, 2);
    const small = new OutlierDetector(ENVOY_OUTLIER_DEFAULTS, () => 0);
    small.setHosts(['x', 'y', 'z']);
    for (const h of ['x', 'y', 'z']) for (let i = 0; i < 5; i++) small.record(h, 503);
    assert.deepEqual([...small.ejected()], ['x']);
  });
});
