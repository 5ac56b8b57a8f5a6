/** `fleet-dr explain-event` on the real acs.cs shapes: the normalised event, its signal and what it prompts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inProcess } from '../cli/run-cli';

const explain = async (variant: string) => {
  const r = await inProcess(['explain-event', `events/eventbridge-cs/${variant}.json`]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('fleet-dr explain-event on acs.cs events', () => {
  it('explains a kube-eventer node event: cluster from the subject, the node, the reason, what it prompts', async () => {
    const e = await explain('k8s-node-not-ready');
    assert.equal(e.kind, 'cluster-event');
    assert.equal(e.category, 'k8s-event');
    assert.equal(e.clusterId, 'c-ack-az1');
    assert.deepEqual(e.object, { kind: 'Node', name: 'cn-hangzhou.10.0.1.12' });
    assert.equal(e.reason, 'NodeNotReady');
    assert.equal(e.signal, 'node-trouble');
    assert.match(e.effect, /^node-trouble: prompts a check of c-ack-az1 if the policy lists it/);
    assert.equal(e.raw, undefined);
  });

  it('explains an ActionTrail API call and a batch', async () => {
    const call = await explain('actiontrail-api-call');
    assert.equal(call.category, 'api-call');
    assert.equal(call.reason, 'DeleteClusterNodepool');
    assert.equal(call.signal, 'capacity-deleted');
    const batch = await explain('batch');
    assert.equal(batch.length, 4);
    assert.match(batch[3].effect, /pod-failure: .* and the pod is in a route namespace/);
  });

  it('says an event without a signal is acknowledged and ignored', async () => {
    const e = await explain('config-change');
    assert.equal(e.signal, null);
    assert.equal(
      e.effect,
      'no signal (other cs:Config:ConfigurationItemChangeNotification): acknowledged and ignored',
    );
  });

  it('refuses the old invented shape in one line, naming why', async () => {
    const r = await inProcess(['explain-event', 'events/eventbridge-cs/invalid-k8s-invented-subject.json']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'events/eventbridge-cs/invalid-k8s-invented-subject.json: acs.cs event: subject: a Kubernetes event names its cluster in the subject (acs:cs:…:<clusterId>/apis/…)\n',
    );
  });
});
