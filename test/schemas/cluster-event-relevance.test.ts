/** Which parsed acs.cs events prompt a check of which policy cluster (functions/cluster-event/relevance.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEBOUNCE_ENV, debounceWindowMs } from '../../functions/cluster-event/handler';
import { relevanceOf, sortEvents } from '../../functions/cluster-event/relevance';
import { loadPolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { parseEvent } from '../../shared/schemas/parse-event';
import { sample, sampleBytes } from './samples';

const policy = loadPolicy(new URL('../../deploy/policy.yaml', import.meta.url).pathname);
const parsed = (variant: string) => parseEvent(sampleBytes('eventbridge-cs', variant))[0]!;

describe('cluster-event relevance', () => {
  it('a node in trouble or back, on a policy cluster, prompts a check of that cluster', () => {
    assert.deepEqual(relevanceOf(policy, parsed('k8s-node-not-ready')), {
      relevant: true,
      clusterId: 'c-ack-az1',
      cause: 'node-trouble: node cn-hangzhou.10.0.1.12 NodeNotReady',
    });
    assert.deepEqual(relevanceOf(policy, parsed('k8s-node-ready')), {
      relevant: true,
      clusterId: 'c-reg-az2',
      cause: 'node-return: node idc-az2-worker-03 NodeReady',
    });
  });

  it('a failing pod counts only in a route namespace', () => {
    assert.equal(relevanceOf(policy, parsed('k8s-pod-unhealthy')).relevant, true);
    const other = sample('eventbridge-cs', 'k8s-pod-unhealthy');
    other.subject = String(other.subject).replace('/namespaces/web-demo/', '/namespaces/kube-system/');
    (other.data as { involvedObject: { namespace: string } }).involvedObject.namespace = 'kube-system';
    assert.deepEqual(relevanceOf(policy, parseEvent(other)[0]!), {
      relevant: false,
      why: 'pod-failure outside the route namespaces: kube-system',
    });
  });

  it('an API call that deletes a node pool prompts a check; one on another cluster does not', () => {
    const r = relevanceOf(policy, parsed('actiontrail-api-call'));
    assert.deepEqual(r, {
      relevant: true,
      clusterId: 'c-ack-az1',
      cause: 'capacity-deleted: API call DeleteClusterNodepool by ops',
    });
    const other = sample('eventbridge-cs', 'actiontrail-api-call');
    const data = other.data as {
      referencedResources: Record<string, string[]>;
      requestParameters: { ClusterId: string };
    };
    data.referencedResources['ACS::CS::Cluster'] = ['c-elsewhere'];
    data.requestParameters.ClusterId = 'c-elsewhere';
    assert.equal(relevanceOf(policy, parseEvent(other)[0]!).relevant, false);
  });

  it('anything else is acknowledged under a reason, and a batch is grouped per cluster in policy order', () => {
    const batch = [
      ...parseEvent(sampleBytes('eventbridge-cs', 'k8s-node-ready')),
      ...parseEvent(sampleBytes('eventbridge-cs', 'batch')),
      parsed('config-change'),
      parsed('console-operation'),
      ...parseEvent(sampleBytes('fc-timer', 'every-minute')),
    ];
    const s = sortEvents(policy, batch);
    assert.deepEqual([...s.clusters.keys()], ['c-ack-az1', 'c-reg-az2']);
    assert.deepEqual(s.clusters.get('c-ack-az1'), {
      cause: 'node-trouble: node cn-hangzhou.10.0.1.12 NodeNotReady',
      events: 4,
    });
    assert.equal(s.relevant, 5);
    assert.deepEqual(s.ignored, {
      'no signal: cs:Config:ConfigurationItemChangeNotification': 1,
      'no signal: cs:ActionTrail:ConsoleOperation': 1,
      'not an acs.cs event: timer': 1,
    });
  });

  it(`reads the debounce window from ${DEBOUNCE_ENV}, 60 s by default, and refuses nonsense`, () => {
    assert.equal(debounceWindowMs({}), 60_000);
    assert.equal(debounceWindowMs({ [DEBOUNCE_ENV]: '1.5' }), 1_500);
    for (const bad of ['0', '-1', 'soon', '3601', 'NaN'])
      assert.throws(() => debounceWindowMs({ [DEBOUNCE_ENV]: bad }), ConfigError, bad);
  });
});
