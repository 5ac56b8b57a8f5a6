/**
 * The drift ledger on the Fleet stand-in (real REST, resourceVersion conflicts): the interval is claimed once
 * however many timer runs race; a difference is reported once when it appears, again only when what differs
 * changes, and once when it is gone; the run's message is committed with it and handed over exactly once even
 * when the hand-over fails first. And the drift check's event: FC's timer event or `{"force": true}`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDriftEvent } from '../../functions/drift-check/handler';
import { type KubeApiServer, startKubeApiServer } from '../../sandbox/kubernetes/index';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { DriftLedger } from '../../shared/drift/ledger';
import type { Difference } from '../../shared/drift/types';
import type { Notification } from '../../shared/notify/dingtalk';
import { FAST, kubeconfigOf } from '../clients/fixture';

const diff = (object: string, actual = 'weight 60'): Difference => ({
  kind: 'canary-weight',
  object,
  expected: 'weight 100',
  actual,
  safeToRepair: true,
  repair: 'weights',
});
const compose = (r: { appeared: string[]; resolved: Array<{ key: string }> }): Notification | undefined =>
  r.appeared.length || r.resolved.length
    ? { title: 'drift', text: [...r.appeared, ...r.resolved.map((x) => `resolved ${x.key}`)].join('\n') }
    : undefined;

describe('the drift ledger on the Fleet', () => {
  let server: KubeApiServer;
  let kube: KubeClient;
  before(async () => {
    server = await startKubeApiServer({
      name: 'fleet',
      seedYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: fleet-dr }\n',
    });
    kube = kubeClientFromKubeconfig('fleet', kubeconfigOf(server), FAST);
  });
  after(async () => server?.stop());

  it('claims each interval once, however many runs race for it; force runs anyway', async () => {
    const ledger = new DriftLedger(kube, 'fleet-dr', 'drift-claims');
    const t0 = 1_000_000;
    const claims = await Promise.all(Array.from({ length: 5 }, () => ledger.claim(t0, 300_000)));
    assert.equal(claims.filter((c) => c.due).length, 1);
    assert.equal((await ledger.claim(t0 + 60_000, 300_000)).due, false, 'a minute later: not due');
    assert.equal((await ledger.claim(t0 + 60_000, 300_000, true)).due, true, 'forced');
    assert.equal((await ledger.claim(t0 + 60_000 + 297_000, 300_000)).due, true, 'due, timer a little early');
  });

  it('reports a difference once, again when it changes, and once when it is gone', async () => {
    const ledger = new DriftLedger(kube, 'fleet-dr', 'drift-record');
    const a = diff('ingress web-demo/a');
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await ledger.record([a], 10 + i, compose));
    assert.deepEqual(
      runs.map((r) => r.appeared),
      [['canary-weight: ingress web-demo/a'], [], []],
    );
    assert.ok(runs[0]!.messageId && !runs[1]!.messageId && !runs[2]!.messageId);
    const changed = await ledger.record([diff('ingress web-demo/a', 'weight 40')], 20, compose);
    assert.deepEqual(changed.appeared, ['canary-weight: ingress web-demo/a'], 'what differs changed');
    const gone = [await ledger.record([], 30, compose), await ledger.record([], 31, compose)];
    assert.deepEqual(
      gone.map((r) => r.resolved.map((x) => [x.key, x.actual])),
      [[['canary-weight: ingress web-demo/a', 'weight 40']], []],
    );
    const { value } = await ledger.doc.read();
    assert.deepEqual(value.reported, {});
    assert.equal(value.pending.length, 3, 'three messages owed: appeared, changed, resolved');
  });

  it('resolves nothing a run could not judge (a source it could not read)', async () => {
    const ledger = new DriftLedger(kube, 'fleet-dr', 'drift-unjudged');
    await ledger.record([diff('ingress web-demo/d')], 1, compose);
    const blind = await ledger.record([], 2, compose, (key) => key.startsWith('canary-weight:'));
    assert.deepEqual(blind.resolved, []);
    assert.equal(blind.messageId, undefined);
    const seeing = await ledger.record([], 3, compose);
    assert.deepEqual(
      seeing.resolved.map((x) => x.key),
      ['canary-weight: ingress web-demo/d'],
    );
  });

  it('hands every owed message over once, keeping it when the hand-over fails', async () => {
    const ledger = new DriftLedger(kube, 'fleet-dr', 'drift-pending');
    await ledger.record([diff('ingress web-demo/b')], 1, compose);
    const handed: string[] = [];
    await assert.rejects(
      ledger.finishPending(async () => {
        throw new Error('outbox write 500');
      }),
      /outbox write 500/,
    );
    assert.equal((await ledger.doc.read()).value.pending.length, 1, 'still owed');
    assert.equal(
      await ledger.finishPending(async (_n, id) => {
        handed.push(id);
      }),
      1,
    );
    assert.equal(await ledger.finishPending(async () => assert.fail('nothing left')), 0);
    assert.deepEqual(handed, ['drift-1']);
  });

  it('keeps the reported keys where the operator status reads them (`reported`)', async () => {
    const ledger = new DriftLedger(kube, 'fleet-dr', 'drift-status');
    await ledger.record([diff('ingress web-demo/c')], 1, compose);
    const cm = await kube.getConfigMap('fleet-dr', 'drift-status');
    const doc = JSON.parse(cm!.data!['state.json']!) as { reported: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.reported), ['canary-weight: ingress web-demo/c']);
  });
});

describe('the drift check event', () => {
  const sample = (name: string) =>
    readFileSync(fileURLToPath(new URL(`../../events/drift-check/${name}.json`, import.meta.url)));

  it('reads FC’s timer event (not forced) and a direct `{"force": true}`', () => {
    assert.deepEqual(parseDriftEvent(sample('timer')), { force: false });
    assert.deepEqual(parseDriftEvent(sample('force')), { force: true });
    assert.deepEqual(parseDriftEvent(Buffer.from('')), { force: false });
    const timer = JSON.parse(sample('timer').toString('utf8'));
    timer.payload = JSON.stringify({ force: true });
    assert.deepEqual(parseDriftEvent(Buffer.from(JSON.stringify(timer))), { force: true });
  });

  it('refuses an event that does not parse', () => {
    assert.ok('error' in parseDriftEvent(sample('invalid-force-not-boolean')));
    assert.ok('error' in parseDriftEvent(Buffer.from('{not json')));
  });
});
