/**
 * s.yaml's EventBridge rules, through the EventBridge stand-in's matcher: the cluster-event rules deliver
 * exactly the acs.cs events the function acts on (the ones whose normalised `signal` is set), and the alarm
 * rule only alarms. A corpus of real-shaped events covers every listed reason and API call, and neighbours
 * that must not be delivered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type EventRule,
  matchesPattern,
  nodeEvent,
  podEvent,
  rulesFromSYaml,
  toCloudEvent,
} from '../../sandbox/eventbridge/index';
import { deployedName } from '../../shared/runtime/handler-shell';
import {
  CAPACITY_DELETING_CALLS,
  type ClusterEvent,
  NODE_RETURN_REASONS,
  NODE_TROUBLE_REASONS,
  POD_FAILURE_REASONS,
} from '../../shared/schemas/eventbridge-cs';
import { parseEvent } from '../../shared/schemas/parse-event';
import { CS_MEMBERSHIP_CALLS } from '../../shared/schemas/unverified';
import { sample } from '../schemas/samples';

const site = { region: 'cn-hangzhou', accountId: '1234567890' };
const CLUSTER_EVENT = deployedName('cluster-event');

/** Real-shaped acs.cs events: every listed value, and neighbours of each. */
function corpus(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const k8s = (event: ReturnType<typeof nodeEvent>) =>
    out.push(toCloudEvent(site, { clusterId: 'c-ack-az1', event }));
  const nodeReasons = [
    ...NODE_TROUBLE_REASONS,
    ...NODE_RETURN_REASONS,
    'Starting',
    'NodeHasSufficientMemory',
    'nodenotready',
  ];
  for (const r of nodeReasons) k8s(nodeEvent('n1', r));
  for (const r of [...POD_FAILURE_REASONS, 'Scheduled', 'Pulled', 'Killing'])
    for (const type of ['Warning', 'Normal'] as const) k8s(podEvent('web-demo', 'p1', r, 'm', { type }));
  // A node reason on a pod, a pod reason on a node, and an event with no involved kind.
  k8s({ ...nodeEvent('n1', 'BackOff') });
  k8s(podEvent('web-demo', 'p1', 'NodeReady', 'm', { type: 'Warning' }));
  const noKind = nodeEvent('n1', 'NodeNotReady');
  noKind.involvedObject = { ...noKind.involvedObject, kind: '' };
  k8s(noKind);
  const call = sample('eventbridge-cs', 'actiontrail-api-call');
  const calls = [
    ...CAPACITY_DELETING_CALLS,
    ...CS_MEMBERSHIP_CALLS,
    'ScaleClusterNodePool',
    'CreateCluster',
    'DescribeClusters',
  ];
  for (const eventName of calls)
    for (const errorCode of [undefined, '', 'Forbidden.RAM']) {
      const e = structuredClone(call);
      const data = e.data as Record<string, unknown>;
      data.eventName = eventName;
      if (errorCode !== undefined) data.errorCode = errorCode;
      out.push(e);
    }
  for (const variant of ['console-operation', 'config-change', 'k8s-unknown-kind'])
    out.push(sample('eventbridge-cs', variant));
  const console = structuredClone(call);
  console.type = 'cs:ActionTrail:ConsoleOperation';
  out.push(console);
  return out;
}

const deliveredTo = (rules: EventRule[], e: unknown) =>
  rules.filter((r) => r.enabled && matchesPattern(r.pattern, e)).map((r) => r.functionName);

describe("s.yaml's EventBridge rules through the stand-in's matcher", () => {
  const rules = rulesFromSYaml();

  it('has three cluster-event rules for CloudEvents and the alarm rule', () => {
    assert.deepEqual(
      rules.map((r) => [r.name, r.functionName, r.eventSchema]),
      [
        ['alarm-failover/alarm-eventbridge', deployedName('alarm-failover'), 'CloudEvents'],
        ['cluster-event/cs-node-events', CLUSTER_EVENT, 'CloudEvents'],
        ['cluster-event/cs-pod-failures', CLUSTER_EVENT, 'CloudEvents'],
        ['cluster-event/cs-api-calls', CLUSTER_EVENT, 'CloudEvents'],
      ],
    );
  });

  it('delivers to cluster-event exactly the acs.cs events that carry a signal', () => {
    const events = corpus();
    let delivered = 0;
    for (const e of events) {
      const [parsed] = parseEvent(e) as ClusterEvent[];
      const to = deliveredTo(rules, e);
      const what = `${String(e.type)} ${parsed?.reason ?? ''} ${JSON.stringify((e.data as Record<string, unknown>).errorCode ?? (e.data as Record<string, unknown>).type ?? '')}`;
      assert.equal(to.includes(CLUSTER_EVENT), parsed?.signal !== undefined, what);
      assert.ok(to.length <= 1, `${what} is delivered once, not by two rules`);
      assert.ok(!to.includes(deployedName('alarm-failover')), `${what} is not an alarm`);
      if (to.length) delivered++;
    }
    const listed =
      NODE_TROUBLE_REASONS.length +
      NODE_RETURN_REASONS.length +
      POD_FAILURE_REASONS.length +
      (CAPACITY_DELETING_CALLS.length + CS_MEMBERSHIP_CALLS.length) * 2;
    assert.equal(
      delivered,
      listed,
      'every listed reason and call (ok, or with an empty errorCode) is delivered',
    );
  });

  it('delivers CloudMonitor alert callbacks to alarm-failover only', () => {
    const alert = sample('cloudmonitor-alarm', 'cloudevents-alert');
    for (const source of ['acs.cms', 'acs.cloudmonitor'])
      assert.deepEqual(deliveredTo(rules, { ...alert, source, type: 'cms:CloudMonitor:AlertWebHook' }), [
        deployedName('alarm-failover'),
      ]);
    assert.deepEqual(
      deliveredTo(rules, { ...alert, source: 'acs.cms', type: 'cms:ActionTrail:ApiCall' }),
      [],
    );
  });
});
