/**
 * Cluster events in bulk, end to end on the sandbox through the EventBridge stand-in (s.yaml's rules) and
 * fleet-dr-cluster-event: unknown and irrelevant events are acknowledged and ignored; a burst of 500 node
 * events gives at most one check per cluster per debounce window, the windows shared through the Fleet; a
 * NotReady storm never fails a zone over by itself, nor with failing probes while the policy's quorum (an alarm
 * and a confirmation) is not met; the alarm then fails it over.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, stateVersion, waitFor } from '../../sandbox/drill/drill-helpers';
import { K8S_EVENT, nodeEvent, podEvent, toCloudEvent } from '../../sandbox/eventbridge/index';
import { EVENTS_DIR } from '../schemas/samples';
import {
  CLUSTER_EVENT,
  type ClusterEvents,
  debounceWindows,
  startClusterEvents,
  verdictOf,
} from './cluster-event-helpers';
import { alarmForm, postCallback } from './helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const sampleEvent = (variant: string) =>
  JSON.parse(readFileSync(`${EVENTS_DIR}/eventbridge-cs/${variant}.json`, 'utf8')) as Record<string, unknown>;
const storm = (cluster: string, n: number, reason = 'NodeNotReady') =>
  Array.from({ length: n }, (_, i) => ({
    clusterId: cluster,
    event: nodeEvent(`${cluster}-node-${i}`, reason),
  }));

describe('e2e cluster-event: storms, bursts and unknown events', () => {
  let d: Drill;
  let ce: ClusterEvents;
  before(async () => {
    d = await startDrill();
    ce = await startClusterEvents(d, { windowSeconds: 20 });
  });
  after(async () => {
    await ce?.stop();
    await d?.stop();
  });

  it('acknowledges and ignores unknown and irrelevant event types: counted, no check, no error', async () => {
    const site = { region: d.policy.region, accountId: d.sb.cloud.fc.accountId };
    const unknown = sampleEvent('k8s-node-not-ready');
    unknown.type = 'cs:Brand:NewThing';
    const failedCall = sampleEvent('actiontrail-api-call');
    (failedCall.data as Record<string, unknown>).errorCode = 'Forbidden.RAM';
    const batch = [
      unknown,
      sampleEvent('k8s-unknown-kind'),
      sampleEvent('console-operation'),
      sampleEvent('config-change'),
      failedCall,
      toCloudEvent(site, { clusterId: A, event: nodeEvent('n1', 'Starting') }),
      toCloudEvent(site, { clusterId: 'c-not-in-policy', event: nodeEvent('n1', 'NodeNotReady') }),
      toCloudEvent(site, {
        clusterId: A,
        event: podEvent('kube-system', 'coredns-1', 'BackOff', 'Back-off'),
      }),
    ];
    const rev = stateVersion(d);
    const r = await ce.invoker.invoke(CLUSTER_EVENT, Buffer.from(JSON.stringify(batch)));
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    const answer = JSON.parse(r.payload.toString('utf8'));
    assert.equal(answer.received, batch.length);
    assert.equal(answer.relevant, 0);
    assert.equal(answer.check, undefined);
    assert.deepEqual(answer.ignored, {
      'no signal: cs:Brand:NewThing': 1,
      'no signal: cs:k8s:UnknownTypeEvent Custom': 1,
      'no signal: cs:ActionTrail:ConsoleOperation': 1,
      'no signal: cs:Config:ConfigurationItemChangeNotification': 1,
      'no signal: cs:ActionTrail:ApiCall DeleteClusterNodepool': 1,
      'no signal: cs:k8s:NodeRelatedEvent Starting': 1,
      'node-trouble on a cluster not in the policy: c-not-in-policy': 1,
      'pod-failure outside the route namespaces: kube-system': 1,
    });
    assert.equal(stateVersion(d), rev, 'nothing was decided or written');
    assert.deepEqual(debounceWindows(d), { clusters: {} }, 'no window was claimed');
    // Through the bus, s.yaml's rules do not even deliver those with no signal.
    ce.eb.bus.putEvents(batch.slice(0, 6));
    await ce.eb.bus.idle();
    assert.equal(ce.eb.bus.deliveries.length, 0);
  });

  it('a burst of 500 node events gives at most one check per cluster per debounce window', async () => {
    const events = storm(A, 250).flatMap((e, i) => [e, storm(B, 250, 'NodeReady')[i]!]);
    ce.eb.putKubeEvents(events);
    await ce.eb.bus.idle();
    assert.deepEqual(ce.failed(), [], 'every delivery was answered');
    const answers = ce.answers();
    assert.equal(
      answers.reduce((n, a) => n + a.received, 0),
      500,
    );
    assert.ok(answers.length >= 50, `delivered in batches of at most 10 (${answers.length} deliveries)`);
    const checked = answers.reduce((n, a) => n + (a.check?.events ?? 0), 0);
    const debounced = answers.reduce((n, a) => n + a.debounced.reduce((m, x) => m + x.events, 0), 0);
    assert.equal(checked + debounced, 500, 'every event either prompted a check or fell in a window');
    const windows = debounceWindows(d).clusters;
    for (const id of [A, B]) {
      const at = answers
        .filter((a) => a.check?.clusters.includes(id))
        .map((a) => Date.parse(a.check!.at))
        .sort((x, y) => x - y);
      assert.ok(at.length >= 1, `${id} was checked`);
      for (let i = 1; i < at.length; i++)
        assert.ok(at[i]! - at[i - 1]! >= 20_000, `${id}: checks ${at[i]! - at[i - 1]!} ms apart`);
      const span = Math.max(...ce.eb.bus.deliveries.map((x) => x.endedAt)) - at[0]!;
      assert.ok(at.length <= 1 + Math.floor(span / 20_000), `${id}: ${at.length} checks in ${span} ms`);
      assert.equal(windows[id]?.checks, at.length, `${id}: the Fleet counted the same checks`);
    }
    const decisions = ce.decisions();
    assert.ok(
      decisions.every((x) => x.decision === 'hold'),
      decisions.map((x) => x.reason).join(' | '),
    );
  });

  it('a NotReady storm alone never fails a zone over', async () => {
    await ce.stop();
    ce = await startClusterEvents(d, { windowSeconds: 1 });
    ce.eb.putKubeEvents(storm(A, 100));
    await ce.eb.bus.idle();
    const decisions = ce.decisions();
    assert.ok(decisions.length >= 1, 'the storm was checked');
    for (const x of decisions) {
      assert.equal(x.decision, 'hold', x.reason);
      assert.equal(verdictOf(x, A), 'up', 'probes and replicas still say up');
    }
    assert.deepEqual(canaryWeightsNow(d), {}, 'the gateway split is untouched');
  });

  it('with failing probes, the storm still only holds until the quorum is met; the alarm then fails it over', async () => {
    const emitted = once(d.sb.world, K8S_EVENT);
    await d.sb.zones.fault(A, 'blackhole', { readinessLagMs: 300 });
    await emitted; // the node lifecycle controller saw the node go NotReady
    await ce.eb.bus.idle();
    const w = debounceWindows(d).clusters[A]!;
    // The zone's own events may fall in the window of the storm's check: send the rest of the storm after it.
    await waitFor('the debounce window of the last check', () => Date.now() > w.checkedAt + 1_000, 5_000);
    ce.eb.putKubeEvents(storm(A, 100));
    await ce.eb.bus.idle();
    assert.deepEqual(ce.failed(), []);
    const last = ce
      .answers()
      .filter((a) => a.check)
      .at(-1)!.check!.decisions[0]!;
    assert.equal(last.decision, 'hold', last.reason);
    assert.equal(last.rule, 'unconfirmed', last.reason);
    assert.equal(verdictOf(last, A), 'suspect', last.reason);
    assert.match(last.reason, /no alarm, nothing moves/);
    assert.deepEqual(canaryWeightsNow(d), {}, 'no failover on events and probes alone');
    const alarm = await postCallback(d.callbackUrl, alarmForm(A, 'ALERT'));
    assert.equal(alarm.body.decision, 'shift', alarm.body.reason);
    assert.match(alarm.body.reason, /down \(an alarm, confirmed by probe/);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 });
  });
});
