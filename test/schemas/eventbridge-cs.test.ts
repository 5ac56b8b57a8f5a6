import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClusterEvent, csClusterId } from '../../shared/schemas/eventbridge-cs';
import { parseEvent } from '../../shared/schemas/parse-event';
import { sample, sampleBytes } from './samples';

const clusterEvents = (input: unknown) => parseEvent(input) as ClusterEvent[];

describe('EventBridge acs.cs events', () => {
  it('takes the cluster id from the subject of an ActionTrail API call', () => {
    const [e] = clusterEvents(sampleBytes('eventbridge-cs', 'actiontrail-api-call'));
    assert.equal(e?.kind, 'cluster-event');
    assert.equal(e?.clusterId, 'c-ack-az1');
    assert.equal(e?.category, 'api-call');
    assert.equal(e?.reason, 'ScaleClusterNodePool');
    assert.equal(e?.time.toISOString(), '2025-06-01T08:15:02.000Z');
  });

  it('takes the cluster id from the data when the subject has none', () => {
    const [change] = clusterEvents(sampleBytes('eventbridge-cs', 'config-change'));
    assert.equal(change?.clusterId, 'c-reg-az2');
    assert.equal(change?.category, 'config-change');
    const [k8s] = clusterEvents(sampleBytes('eventbridge-cs', 'k8s-node-event'));
    assert.equal(k8s?.clusterId, 'c-ack-az1');
    assert.equal(k8s?.reason, 'NodeNotReady');
    assert.equal(k8s?.level, 'Warning');
  });

  it('handles a batch (a JSON array) in order', () => {
    const events = clusterEvents(sampleBytes('eventbridge-cs', 'batch'));
    assert.deepEqual(
      events.map((e) => [e.id, e.clusterId, e.category]),
      [
        ['b1', 'c-ack-az1', 'console-operation'],
        ['b2', 'c-reg-az2', 'k8s-event'],
      ],
    );
  });

  it('prefers the subject over the data', () => {
    assert.equal(csClusterId('acs:cs:cn-hangzhou:1:cluster/c-a', { clusterId: 'c-b' }), 'c-a');
    assert.equal(csClusterId(undefined, { requestParameters: { ClusterId: 'c-c' } }), 'c-c');
    assert.equal(csClusterId('acs:cs:cn-hangzhou:1:nodepool/np-1', {}), undefined);
  });

  const broken: Array<[string, (e: Record<string, unknown>) => void, RegExp]> = [
    [
      'no cluster id',
      (e) => {
        delete e.subject;
        e.data = {};
      },
      /no cluster id in subject or data/,
    ],
    [
      'an unknown cs type',
      (e) => {
        e.type = 'cs:Other:Thing';
      },
      /unknown acs\.cs event type/,
    ],
    [
      'a type outside cs:',
      (e) => {
        e.type = 'ecs:Instance';
      },
      /type must start with "cs:"/,
    ],
    [
      'a bad time',
      (e) => {
        e.time = '01/06/2025';
      },
      /time must be an RFC 3339/,
    ],
    [
      'specversion 0.3',
      (e) => {
        e.specversion = '0.3';
      },
      /specversion must be "1.0"/,
    ],
    [
      'no id',
      (e) => {
        delete e.id;
      },
      /id: required/,
    ],
    [
      'another source',
      (e) => {
        e.source = 'acs.ecs';
      },
      /unrecognised CloudEvents event: source acs\.ecs/,
    ],
  ];
  for (const [what, breakIt, reason] of broken) {
    it(`rejects ${what}`, () => {
      const e = structuredClone(sample('eventbridge-cs', 'actiontrail-api-call'));
      breakIt(e);
      assert.throws(() => parseEvent(e), reason);
    });
  }

  it('rejects a whole batch when one element is bad, naming its index', () => {
    const good = sample('eventbridge-cs', 'actiontrail-api-call');
    const bad = structuredClone(good);
    bad.time = 'soon';
    assert.throws(() => parseEvent([good, bad]), /^EventParseError: \[1\]: /);
  });
});
