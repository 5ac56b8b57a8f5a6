import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClusterEvent, clusterIdOfData, clusterIdOfSubject } from '../../shared/schemas/eventbridge-cs';
import { parseEvent } from '../../shared/schemas/parse-event';
import { CS_ACTIONTRAIL_CLUSTER_FIELDS } from '../../shared/schemas/unverified';
import { sample, sampleBytes } from './samples';

const clusterEvents = (input: unknown) => parseEvent(input) as ClusterEvent[];
const one = (variant: string) => clusterEvents(sampleBytes('eventbridge-cs', variant))[0]!;

describe('EventBridge acs.cs events: Kubernetes events as kube-eventer exports them', () => {
  it('reads a node event: the cluster from the subject, the reason and object from the v1.Event', () => {
    const e = one('k8s-node-not-ready');
    assert.equal(e.kind, 'cluster-event');
    assert.equal(e.category, 'k8s-event');
    assert.equal(e.clusterId, 'c-ack-az1');
    if (e.category !== 'k8s-event') return;
    assert.deepEqual(e.object, { kind: 'Node', name: 'cn-hangzhou.10.0.1.12', namespace: undefined });
    assert.equal(e.reason, 'NodeNotReady');
    assert.equal(e.eventType, 'Normal');
    assert.equal(e.component, 'node-controller');
    assert.equal(e.count, 1);
    assert.equal(e.time.toISOString(), '2025-06-01T08:16:05.000Z');
  });

  it('reads a pod event with its namespace and Warning type', () => {
    const e = one('k8s-pod-unhealthy');
    assert.equal(e.clusterId, 'c-reg-az2');
    if (e.category !== 'k8s-event') return assert.fail(e.category);
    assert.deepEqual(e.object, { kind: 'Pod', name: 'web-demo-7d9c8b6f5-x2k4q', namespace: 'web-demo' });
    assert.equal(e.reason, 'Unhealthy');
    assert.equal(e.eventType, 'Warning');
    assert.equal(e.count, 7);
  });

  it("accepts kube-eventer's UnknownTypeEvent (no involved kind) as a Kubernetes event", () => {
    const e = one('k8s-unknown-kind');
    assert.equal(e.category, 'k8s-event');
    assert.equal(e.clusterId, 'c-ack-az1');
  });

  it('takes data given as a JSON string', () => {
    const e = sample('eventbridge-cs', 'k8s-node-ready');
    e.data = JSON.stringify(e.data);
    const [parsed] = clusterEvents(e);
    assert.equal(parsed?.reason, 'NodeReady');
    assert.equal(parsed?.clusterId, 'c-reg-az2');
  });

  it('reads the cluster id from every kube-eventer subject form, and nothing else', () => {
    const cases: Array<[string, string | undefined]> = [
      ['acs:cs:cn-hangzhou:1234567890:c-ack-az1/apis/v1/namespaces//nodes/n1', 'c-ack-az1'],
      [
        'acs:cs:cn-hangzhou:1:c82e6987e2961451182edacd74faf3b5/apis/apps/v1/namespaces/web/deployments/w',
        'c82e6987e2961451182edacd74faf3b5',
      ],
      ['acs:cs:::c-reg-az2/apis/v1/namespaces/web-demo/pods/p', 'c-reg-az2'],
      ['acs:cs:cn-hangzhou:1234567890:cluster/c-ack-az1', undefined],
      ['acs:cs:cn-hangzhou:1234567890:c-ack-az1', undefined],
      ['acs:ecs:cn-hangzhou:1:c-ack-az1/apis/v1/namespaces//nodes/n1', undefined],
    ];
    for (const [subject, id] of cases) assert.equal(clusterIdOfSubject(subject), id, subject);
  });

  it('handles a batch (a JSON array) in order', () => {
    const events = clusterEvents(sampleBytes('eventbridge-cs', 'batch'));
    assert.deepEqual(
      events.map((e) => [e.clusterId, e.category, e.reason]),
      [
        ['c-ack-az1', 'k8s-event', 'NodeNotReady'],
        ['c-ack-az1', 'k8s-event', 'NodeNotReady'],
        ['c-ack-az1', 'k8s-event', 'NodeNotReady'],
        ['c-ack-az1', 'k8s-event', 'NodeNotReady'],
      ],
    );
    assert.deepEqual(
      events.map((e) => (e.category === 'k8s-event' ? e.object.kind : '')),
      ['Node', 'Node', 'Node', 'Pod'],
    );
  });
});

describe('EventBridge acs.cs events: ActionTrail API calls and other types', () => {
  it('reads an API call: its eventName and the cluster from the unverified fields', () => {
    const e = one('actiontrail-api-call');
    assert.equal(e.category, 'api-call');
    assert.equal(e.clusterId, 'c-ack-az1');
    assert.equal(e.reason, 'DeleteClusterNodepool');
    if (e.category !== 'api-call') return;
    assert.equal(e.user, 'ops');
    assert.equal(e.errorCode, undefined);
  });

  it('parses an API call that names no cluster where we look, with no cluster id', () => {
    const e = sample('eventbridge-cs', 'actiontrail-api-call');
    const data = e.data as Record<string, unknown>;
    delete data.referencedResources;
    delete data.requestParameters;
    const [parsed] = clusterEvents(e);
    assert.equal(parsed?.category, 'api-call');
    assert.equal(parsed?.clusterId, undefined);
  });

  it('tries the unverified ActionTrail fields in order, taking the first string of an array', () => {
    const paths = CS_ACTIONTRAIL_CLUSTER_FIELDS;
    assert.equal(clusterIdOfData({ referencedResources: { 'ACS::CS::Cluster': ['c-a'] } }, paths), 'c-a');
    assert.equal(clusterIdOfData({ requestParameters: { ClusterId: 'c-b' } }, paths), 'c-b');
    assert.equal(clusterIdOfData({ requestParameters: { cluster_id: 'c-c' } }, paths), 'c-c');
    assert.equal(clusterIdOfData({ requestParameters: { ClusterId: '' } }, paths), undefined);
    assert.equal(clusterIdOfData('not an object', paths), undefined);
  });

  it('parses console operations, Config notifications and unknown types with their envelope only', () => {
    assert.equal(one('console-operation').category, 'other');
    assert.equal(one('console-operation').clusterId, 'c-reg-az2');
    assert.equal(one('config-change').category, 'other');
    assert.equal(one('config-change').clusterId, 'c-reg-az2');
    for (const type of ['cs:k8s:k8s-event-via-arms', 'cs:Other:Thing', 'ecs:Instance']) {
      const e = sample('eventbridge-cs', 'k8s-node-not-ready');
      e.type = type;
      const [parsed] = clusterEvents(e);
      assert.equal(parsed?.category, 'other', type);
      assert.equal(parsed?.clusterId, 'c-ack-az1', 'an unknown type still names the subject cluster');
    }
  });

  const broken: Array<[string, string, (e: Record<string, unknown>) => void, RegExp]> = [
    [
      'a Kubernetes event whose subject has the old invented form',
      'k8s-node-not-ready',
      (e) => {
        e.subject = 'acs:cs:cn-hangzhou:1234567890:cluster/c-ack-az1';
      },
      /subject: a Kubernetes event names its cluster in the subject/,
    ],
    [
      'a Kubernetes event without a subject',
      'k8s-node-not-ready',
      (e) => {
        delete e.subject;
      },
      /subject: a Kubernetes event names its cluster/,
    ],
    [
      'a Kubernetes event whose data is not a v1.Event',
      'k8s-node-not-ready',
      (e) => {
        e.data = { level: 'Warning', reason: 'NodeNotReady' };
      },
      /data\.involvedObject: data is not a Kubernetes v1\.Event/,
    ],
    [
      'an API call without eventName',
      'actiontrail-api-call',
      (e) => {
        delete (e.data as Record<string, unknown>).eventName;
      },
      /data\.eventName: an ActionTrail API call names its eventName/,
    ],
    [
      'a bad time',
      'k8s-node-not-ready',
      (e) => {
        e.time = '01/06/2025';
      },
      /time must be an RFC 3339/,
    ],
    [
      'specversion 0.3',
      'actiontrail-api-call',
      (e) => {
        e.specversion = '0.3';
      },
      /specversion must be "1.0"/,
    ],
    [
      'no id',
      'k8s-node-not-ready',
      (e) => {
        delete e.id;
      },
      /id: required/,
    ],
    [
      'another source',
      'actiontrail-api-call',
      (e) => {
        e.source = 'acs.ecs';
      },
      /unrecognised CloudEvents event: source acs\.ecs/,
    ],
  ];
  for (const [what, variant, breakIt, reason] of broken) {
    it(`rejects ${what}`, () => {
      const e = structuredClone(sample('eventbridge-cs', variant));
      breakIt(e);
      assert.throws(() => parseEvent(e), reason);
    });
  }

  it('rejects a whole batch when one element is bad, naming its index', () => {
    const good = sample('eventbridge-cs', 'k8s-node-not-ready');
    const bad = structuredClone(good);
    bad.time = 'soon';
    assert.throws(() => parseEvent([good, bad]), /^EventParseError: \[1\]: /);
  });
});
