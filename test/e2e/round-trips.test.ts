/**
 * The failover path at the protocol's bound, counted request by request through the sandbox's request ledger
 * (not timed): what fleet-dr's functions send to the Fleet's and the members' Kubernetes APIs, the OpenAPI
 * endpoint, Function Compute, DingTalk and the zones. One sandbox, cases in order: the healthy fleet first
 * (notify with nothing to do, an OK alarm), then AZ1 is blackholed and fails over, then the same alarm again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DRILL_TOKEN, type Drill, NOTIFY_FUNCTION, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, waitFor } from '../../sandbox/drill/drill-helpers';
import { describeLevels, type LedgerEntry, requestLedger, sequentialLevels } from '../../sandbox/ledger';
import { routingState as committedState } from './health-check-helpers';
import { alarmForm, invokeCallback } from './helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const KUBE_CLIENT = /kubernetes-client-javascript/;

describe('e2e: round trips of the failover path', () => {
  let d: Drill;
  const failover = { at: Date.now() };
  before(async () => {
    // A round trip takes 20 ms, as across a VPC: requests sent side by side overlap on the servers' clock.
    requestLedger.latencyMs = 20;
    d = await startDrill();
  });
  after(async () => {
    await d?.stop();
    requestLedger.latencyMs = 0;
  });

  /** fleet-dr's requests since `mark`: its Kubernetes clients (not the gateway's polls) and everything else. */
  const since = (mark: number) =>
    requestLedger.since(mark, (e) => e.system !== 'kubernetes' || KUBE_CLIENT.test(e.userAgent));
  const fleet = (e: LedgerEntry) => e.system === 'kubernetes' && e.server === d.sb.fleet.name;
  const isWrite = (e: LedgerEntry) => e.system === 'kubernetes' && e.method !== 'GET';
  const canary = (e: LedgerEntry) =>
    /\/ingresses$/.test(e.what) || /\/ingresses\/[^/]+-fleet-dr-[^/]+$/.test(e.what);
  const show = (es: LedgerEntry[]) =>
    es.map((e) => `${e.method} ${e.system}:${e.server} ${e.what}`).join('\n');

  it('notify with an empty outbox writes nothing', async () => {
    const mark = requestLedger.mark();
    const r = await d.invoker.invoke(
      NOTIFY_FUNCTION,
      Buffer.from(JSON.stringify({ triggerTime: new Date().toISOString(), triggerName: 'drain-outbox' })),
    );
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    const seen = since(mark);
    assert.ok(seen.some(fleet), 'notify read the Fleet');
    assert.deepEqual(
      seen.filter(isWrite).map((e) => `${e.method} ${e.what}`),
      [],
      show(seen),
    );
    assert.equal(seen.filter((e) => e.system === 'dingtalk').length, 0, 'nothing sent to DingTalk');
  });

  it('an OK alarm on a healthy fleet writes nothing to the Fleet, once its verdicts are settled', async () => {
    // The first OK alarms record the clusters' verdicts (hysteresis: successesToUp readings each).
    const upAll = () => [A, B].every((c) => committedState(d)?.verdicts[c]?.verdict === 'up');
    await waitFor('both clusters to read up', async () => {
      const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(B, 'OK'));
      assert.equal(r.body.decision, 'hold', r.body.reason);
      return upAll() || undefined;
    });
    const mark = requestLedger.mark();
    const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(B, 'OK'));
    assert.equal(r.body.decision, 'hold', r.body.reason);
    const writes = since(mark).filter((e) => fleet(e) && isWrite(e));
    assert.deepEqual(
      writes.map((e) => `${e.method} ${e.what}`),
      [],
      'no routing state, Ingress, MseIngressConfig or outbox write',
    );
    assert.deepEqual(canaryWeightsNow(d), {}, 'no canary written');
  });

  it('fails a blackholed zone over in 3 sequential Fleet round trips plus the probes, on reused connections', async () => {
    await d.sb.zones.fault(A, 'blackhole');
    const mark = requestLedger.mark();
    failover.at = Date.now();
    const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT', failover.at));
    assert.equal(r.body.decision, 'shift', r.body.reason);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 });
    const seen = since(mark);
    const canaryWrites = seen.filter((e) => fleet(e) && isWrite(e) && canary(e));
    assert.ok(canaryWrites.length >= 2, show(seen));
    const written = Math.max(...canaryWrites.map((e) => e.end ?? Number.POSITIVE_INFINITY));
    const path = seen.filter((e) => e.start <= written);
    const zone = (e: LedgerEntry) => e.system === 'zone';
    const levels = sequentialLevels(path);
    const samples = Math.max(d.policy.detection.failuresToDown, d.policy.detection.successesToUp);
    const why = describeLevels(levels);
    console.log(`failover, alarm to canaries written, ${levels.length} sequential levels:\n${why}`);
    assert.ok(levels.length <= 3 + samples, `${levels.length} sequential levels:\n${why}`);
    // ACK, MSE, the Fleet's membership, the member APIs and the pin checks all end before the last probe:
    // they run beside the gathering and add no round trip.
    const probesEnd = Math.max(...path.filter(zone).map((e) => e.end ?? Number.POSITIVE_INFINITY));
    const late = path.filter((e) => !fleet(e) && !zone(e) && (e.end ?? Number.POSITIVE_INFINITY) > probesEnd);
    assert.deepEqual(
      late.map((e) => `${e.method} ${e.system}:${e.server} ${e.what}`),
      [],
      why,
    );
    // The levels without a probe in flight are the Fleet's own round trips: read, conditional write, canaries.
    const fleetOnly = levels.filter((l) => l.some(fleet) && !l.some((e) => e.system === 'zone'));
    assert.ok(fleetOnly.length <= 3, `${fleetOnly.length} Fleet levels:\n${why}`);
    assert.equal(
      path.filter((e) => fleet(e) && isWrite(e) && /configmaps/.test(e.what)).length,
      1,
      'one conditional write of the routing state before the canaries',
    );
    assert.equal(
      path.filter((e) => fleet(e) && /configmaps\/fleet-dr-routing-state/.test(e.what) && !isWrite(e)).length,
      1,
      'the routing state is read once',
    );
    const kube = seen.filter((e) => e.system === 'kubernetes');
    assert.deepEqual(
      kube.filter((e) => !e.reused).map((e) => `${e.method} ${e.server} ${e.what}`),
      [],
      'every Kubernetes request of a warm instance rides a kept-alive connection',
    );
    assert.equal(
      seen.filter((e) => e.system === 'openapi' && /Kubeconfig/.test(e.what)).length,
      0,
      'kubeconfigs are cached per warm instance',
    );
    await waitFor('the failover message', () =>
      d.sb.cloud.dingtalk.messages().some((m) => JSON.stringify(m.body).includes(A)),
    );
  });

  it('a repeated alarm ends after one read of the routing state: no probe, nothing to the zones', async () => {
    await d.invoker.idle();
    const mark = requestLedger.mark();
    const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT', failover.at));
    assert.equal(r.body.decision, 'hold');
    assert.equal(r.body.rule, 'duplicate-alarm', r.body.reason);
    const seen = since(mark);
    assert.ok(seen.filter(fleet).length <= 2, show(seen));
    assert.deepEqual(
      seen.filter((e) => e.system === 'zone'),
      [],
      'no probe',
    );
    assert.deepEqual(
      seen.filter((e) => e.system === 'kubernetes' && !fleet(e)),
      [],
      'no member API',
    );
  });
});
