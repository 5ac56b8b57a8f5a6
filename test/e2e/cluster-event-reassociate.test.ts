/**
 * Re-association through cluster events, end to end on the sandbox: EventBridge (s.yaml's rules) delivers the
 * zones' node events to fleet-dr-cluster-event, whose check re-associates a healthy registered cluster that
 * lost the Fleet, confirms it by reading it back, re-admits it to the gateway at weight 0, and leaves the
 * traffic to failback. A cluster an operator detached is never re-associated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, waitFor } from '../../sandbox/drill/drill-helpers';
import { nodeEvent } from '../../sandbox/eventbridge/index';
import { zoneNodeName } from '../../sandbox/zones/node-events';
import type { Policy } from '../../shared/config';
import { sendRequests } from '../sandbox/traffic-helpers';
import {
  type ClusterEvents,
  debounceWindows,
  fleetMembers,
  operatorRequest,
  startClusterEvents,
  verdictOf,
} from './cluster-event-helpers';
import { alarmForm, postCallback, remoteClusters } from './helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
/** Short enough for a test, long enough that a first check after the heal must hold. */
const STABLE_S = 3;
const fast = (p: Policy): Policy => ({
  ...p,
  timing: { ...p.timing, minStableSecondsBeforeFailback: STABLE_S },
});

/** Waits until every delivery so far was answered, and returns the answers that ran a check. */
async function settled(ce: ClusterEvents) {
  await ce.eb.bus.idle();
  assert.deepEqual(ce.failed(), [], 'no delivery failed');
  return ce.answers().filter((a) => a.check);
}

/** The node event B's exporter sends next (its kubelet reporting the node Ready again). */
const nodeOfB = (d: Drill) => zoneNodeName(B, d.policy.clusters.find((c) => c.id === B)!.zone);

describe('e2e cluster-event: a healthy registered cluster that lost the Fleet is re-associated', () => {
  let d: Drill;
  let ce: ClusterEvents;
  before(async () => {
    d = await startDrill({ policy: fast });
    ce = await startClusterEvents(d, { windowSeconds: 1 });
  });
  after(async () => {
    await ce?.stop();
    await d?.stop();
  });

  it('setup: the registered zone fails over and is fenced, then its agent loses the Fleet', async () => {
    await d.sb.zones.fault(B, 'blackhole');
    const shift = await postCallback(d.callbackUrl, alarmForm(B, 'ALERT'));
    assert.equal(shift.body.decision, 'shift', shift.body.reason);
    const fence = await postCallback(d.callbackUrl, alarmForm(B, 'ALERT', Date.now() + 1));
    assert.equal(fence.body.decision, 'fence', fence.body.reason);
    assert.deepEqual(remoteClusters(d), [A]);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 100, [B]: 0 });
    // Nothing in B's lost data centre could report its node: no event was delivered.
    await ce.eb.bus.idle();
    assert.equal(ce.answers().length, 0);
    d.sb.world.updateCluster(B, { attachedToFleet: false });
    assert.deepEqual(fleetMembers(d), [A]);
  });

  it('the node coming back prompts a check, which holds until the cluster has been stable long enough', async () => {
    await d.sb.zones.fault(B, 'heal');
    const [first] = await settled(ce);
    assert.ok(first?.check, 'the NodeReady event was delivered and checked');
    assert.deepEqual(first.check.clusters, [B]);
    assert.match(first.check.cause, new RegExp(`^${B}: node-return: node \\S+ NodeReady`));
    const [hold] = first.check.decisions;
    assert.equal(hold?.decision, 'hold', hold?.reason);
    assert.equal(hold?.rule, 'min-dwell', hold?.reason);
    assert.equal(verdictOf(hold, B), 'up');
    assert.deepEqual(fleetMembers(d), [A], 'not re-associated yet');
    assert.deepEqual(remoteClusters(d), [A]);
    // The hold says when the action becomes possible; the debounce window says when the next check may run.
    const until = Date.parse(hold?.until ?? '');
    const window = debounceWindows(d).clusters[B];
    assert.ok(Number.isFinite(until) && window, 'the hold names its time, the window is on the Fleet');
    await waitFor(
      'the stable window and the debounce window',
      () => Date.now() > Math.max(until, window.checkedAt + 1_000),
      15_000,
    );
  });

  it("its node's next event re-associates it, confirmed on the Fleet, and re-admits it to the gateway at weight 0", async () => {
    ce.eb.putKubeEvents([{ clusterId: B, event: nodeEvent(nodeOfB(d), 'NodeReady') }]);
    const checks = await settled(ce);
    const last = checks.at(-1)!.check!;
    assert.deepEqual(
      last.decisions.map((x) => x.decision),
      ['reassociate', 'readmit'],
      last.decisions.map((x) => x.reason).join(' | '),
    );
    assert.match(last.decisions[0]!.reason, new RegExp(`re-associate ${B} with the Fleet`));
    assert.ok(last.decisions[0]!.actions.includes(`asked the Fleet to re-associate ${B}`));
    assert.ok(last.decisions[1]!.actions.includes(`re-admitted ${B} to the gateway`));
    assert.deepEqual(last.reassociation, { cluster: B, onFleet: true, onGateway: true, reads: 1 });
    assert.deepEqual(fleetMembers(d).sort(), [A, B]);
    assert.deepEqual(remoteClusters(d), [A, B]);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 100, [B]: 0 }, 'back at weight 0');
  });

  it('gets no traffic until an operator fails it back, then its share of the first step', async () => {
    await d.sb.gateway.refresh();
    await waitFor('the gateway to apply the membership', () => d.sb.gateway.converged(), 10_000);
    const before = await sendRequests(d.sb.gateway.url, 40, 4);
    assert.equal(before.byCluster[B] ?? 0, 0, 'no request reaches B at weight 0');
    assert.equal(before.byCluster[A], 40);
    const step = await operatorRequest(d, {
      action: 'failback-step',
      cluster: B,
      by: 'sre-alice',
      id: 'fb-1',
    });
    assert.equal(step.decision, 'failback-step', step.reason);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 90, [B]: 10 });
    await d.sb.gateway.refresh();
    await waitFor('the gateway to apply the failback step', () => d.sb.gateway.converged(), 10_000);
    await waitFor('B to serve again', async () => {
      const t = await sendRequests(d.sb.gateway.url, 60, 4);
      return (t.byCluster[B] ?? 0) > 0 || undefined;
    });
  });
});

describe('e2e cluster-event: a cluster an operator detached is not re-associated', () => {
  let d: Drill;
  let ce: ClusterEvents;
  before(async () => {
    d = await startDrill({ policy: fast });
    ce = await startClusterEvents(d, { windowSeconds: 1 });
  });
  after(async () => {
    await ce?.stop();
    await d?.stop();
  });

  it('holds on every event of the detached cluster, and never asks the Fleet to attach it', async () => {
    const detach = await operatorRequest(d, {
      action: 'detach',
      cluster: B,
      by: 'sre-bob',
      id: 'detach-1',
      reason: 'data centre maintenance',
    });
    assert.equal(detach.decision, 'hold', detach.reason);
    assert.equal(detach.rule, 'operator-detached', detach.reason);
    d.sb.world.updateCluster(B, { attachedToFleet: false }); // the operator's DetachClusterFromHub
    const node = nodeOfB(d);
    // Two checks, the second after the stable window: the cluster is healthy, off the Fleet, and detached.
    for (let i = 0; i < 2; i++) {
      ce.eb.putKubeEvents([{ clusterId: B, event: nodeEvent(node, 'NodeReady') }]);
      const checks = await settled(ce);
      assert.equal(checks.length, i + 1, 'each event was checked');
      const decision = checks.at(-1)!.check!.decisions;
      assert.equal(decision.length, 1);
      assert.equal(decision[0]?.decision, 'hold', decision[0]?.reason);
      if (i === 0) {
        const w = debounceWindows(d).clusters[B]!;
        const stableAt = Date.now() + STABLE_S * 1000;
        await waitFor(
          'the stable window and the debounce window',
          () => Date.now() > Math.max(stableAt, w.checkedAt + 1_000),
          15_000,
        );
      }
    }
    assert.deepEqual(fleetMembers(d), [A], 'still off the Fleet');
    assert.ok(
      ce.decisions().every((x) => !x.actions.some((a) => /re-associate/.test(a))),
      'no AttachClusterToHub was asked for',
    );
  });
});
