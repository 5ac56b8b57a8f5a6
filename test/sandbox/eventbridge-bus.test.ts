/**
 * The EventBridge stand-in's bus, delivering through the local FC invoker to fixture functions: batches of
 * at most `batchSize`, each event once, a partial batch after the window, bounded concurrency, RawData,
 * retries of a failed invocation, and `idle()` as the signal that everything was delivered.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EventBus, type EventRule, nodeEvent, toCloudEvent } from '../../sandbox/eventbridge/index';
import { createLocalInvoker } from '../../sandbox/invoker/index';
import { FleetWorld } from '../../sandbox/world';
import { emitNodeEvents, K8S_EVENT, zoneNodeName } from '../../sandbox/zones/node-events';
import { appObjects } from '../../sandbox/zones/zone-objects';

const invoker = createLocalInvoker({
  functionsDir: fileURLToPath(new URL('../fixtures/functions', import.meta.url)),
  credentialsProvider: () => ({ accessKeyId: 'STS.k', accessKeySecret: 's', securityToken: 't' }),
  region: 'cn-hangzhou',
  accountId: '1234567890',
  freshInstance: false,
});
after(() => invoker.close());

const site = { region: 'cn-hangzhou', accountId: '1234567890' };
const rule = (
  name: string,
  functionName: string,
  pattern: unknown,
  eventSchema = 'CloudEvents',
): EventRule => ({
  name,
  functionName,
  pattern,
  enabled: true,
  eventSchema,
});
const nodes = (n: number, cluster = 'c-ack-az1', reason = 'NodeNotReady') =>
  Array.from({ length: n }, (_, i) =>
    toCloudEvent(site, { clusterId: cluster, event: nodeEvent(`n${i}`, reason) }),
  );
/** The event the fixture `context-dump` received, decoded. */
const received = (answer: unknown): unknown =>
  JSON.parse(Buffer.from((answer as { eventHex: string }).eventHex, 'hex').toString('utf8'));

describe('EventBridge stand-in: delivery through the local invoker', () => {
  it('delivers matching events once each, in batches of at most batchSize, as a JSON array of CloudEvents', async () => {
    const bus = new EventBus({
      rules: [rule('dump', 'context-dump', { source: ['acs.cs'], data: { reason: ['NodeNotReady'] } })],
      invoke: invoker.invoke,
      batchSize: 10,
      concurrency: 2,
    });
    const events = [...nodes(25), ...nodes(5, 'c-ack-az1', 'NodeReady')];
    assert.deepEqual(
      bus.putEvents(events).reduce((a, b) => a + b, 0),
      25,
    );
    await bus.idle();
    assert.equal(bus.counts.unmatched, 5);
    const sizes = bus.deliveries.map((d) => d.eventIds.length).sort((a, b) => b - a);
    assert.deepEqual(sizes, [10, 10, 5]);
    const ids = bus.deliveries.flatMap((d) => d.eventIds).sort();
    assert.deepEqual(
      ids,
      events
        .slice(0, 25)
        .map((e) => String(e.id))
        .sort(),
      'each matching event once',
    );
    for (const d of bus.deliveries) {
      assert.equal(d.attempts, 1);
      const batch = received(d.answer) as Array<Record<string, unknown>>;
      assert.ok(Array.isArray(batch));
      assert.deepEqual(
        batch.map((e) => e.id),
        d.eventIds,
      );
      assert.equal(batch[0]?.source, 'acs.cs');
      assert.equal(batch[0]?.type, 'cs:k8s:NodeRelatedEvent');
    }
  });

  it('sends a partial batch once its window passes, and only data for RawData', async () => {
    const bus = new EventBus({
      rules: [rule('raw', 'context-dump', { source: ['acs.cs'] }, 'RawData')],
      invoke: invoker.invoke,
      batchSize: 10,
      batchWindowMs: 30,
    });
    bus.putEvents(nodes(3));
    await bus.idle();
    assert.equal(bus.deliveries.length, 1);
    const batch = received(bus.deliveries[0]!.answer) as Array<Record<string, unknown>>;
    assert.equal(batch.length, 3);
    assert.equal((batch[0]?.involvedObject as { kind?: string } | undefined)?.kind, 'Node', 'the v1.Event');
    assert.equal(batch[0]?.specversion, undefined, 'without its envelope');
  });

  it('retries a delivery whose invocation failed, then records the error', async () => {
    const bus = new EventBus({
      rules: [rule('fails', 'throws', { source: ['acs.cs'] })],
      invoke: invoker.invoke,
      retries: 2,
      retryDelayMs: 5,
    });
    bus.putEvents(nodes(1));
    await bus.idle();
    const [d] = bus.deliveries;
    assert.equal(d?.attempts, 3);
    assert.match(d?.error ?? '', /AlarmRejectedError: rejected: \[/);
    assert.equal(d?.answer, undefined);
  });

  it('keeps at most `concurrency` deliveries of a rule in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const bus = new EventBus({
      rules: [rule('count', 'counter', { source: ['acs.cs'] })],
      invoke: async (fn, ev) => {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          return await invoker.invoke(fn, ev);
        } finally {
          inFlight--;
        }
      },
      batchSize: 2,
      concurrency: 3,
    });
    bus.putEvents(nodes(20));
    await bus.idle();
    assert.equal(bus.deliveries.length, 10);
    assert.ok(most <= 3 && most >= 2, `at most 3 in flight (saw ${most})`);
  });
});

describe('sandbox zones: the node events of a fault, on the world', () => {
  it('emits NodeNotReady (node and pods) after the lag only while a control plane sees it, NodeReady on heal', () => {
    const world = new FleetWorld({ fleetId: 'f', regionId: 'cn-hangzhou' });
    const seen: Array<{ clusterId: string; event: { reason: string; involvedObject: { kind: string } } }> =
      [];
    world.on(K8S_EVENT, (e) => seen.push(e));
    const lagged: Array<() => void> = [];
    const z = {
      world,
      clusterId: 'c-ack-az1',
      node: 'c-ack-az1-node-z',
      namespace: 'web-demo',
      pods: ['p0', 'p1'],
    };
    emitNodeEvents(z, { before: 'none', after: 'blackhole', state: 'running' }, (fn) => lagged.push(fn));
    assert.equal(seen.length, 0, 'nothing before the node grace period');
    for (const fn of lagged) fn();
    assert.deepEqual(
      seen.map((e) => `${e.event.involvedObject.kind} ${e.event.reason}`),
      ['Node NodeNotReady', 'Pod NodeNotReady', 'Pod NodeNotReady'],
    );
    seen.length = 0;
    emitNodeEvents(z, { before: 'blackhole', after: 'none', state: 'running' }, (fn) => lagged.push(fn));
    assert.deepEqual(
      seen.map((e) => e.event.reason),
      ['NodeReady'],
    );
    seen.length = 0;
    lagged.length = 0;
    emitNodeEvents(z, { before: 'none', after: 'dead', state: 'disconnected' }, (fn) => lagged.push(fn));
    emitNodeEvents(z, { before: 'none', after: 'agent-partition', state: 'disconnected' }, (fn) =>
      lagged.push(fn),
    );
    emitNodeEvents(z, { before: 'none', after: 'slow', state: 'running' }, (fn) => lagged.push(fn));
    assert.equal(lagged.length + seen.length, 0, 'a lost control plane, a partition or a slow zone: nothing');
  });

  it("names the node the zone's pods run on", () => {
    const objs = appObjects(
      {
        namespace: 'web-demo',
        name: 'web-demo',
        servicePort: 80,
        clusterId: 'c-ack-az1',
        zone: 'cn-hangzhou-h',
        podLabel: { key: 'k', value: 'v' },
      },
      [{ name: 'p0', port: 1, podIP: '10.0.0.1', ready: true }],
    );
    const pod = objs.find((o) => o.kind === 'Pod') as { spec: { nodeName: string } } | undefined;
    assert.equal(pod?.spec.nodeName, zoneNodeName('c-ack-az1', 'cn-hangzhou-h'));
  });
});
