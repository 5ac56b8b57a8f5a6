/**
 * The routing state is persisted on the Fleet (shared/decision/routing-state.ts): a document an earlier
 * fleet-dr wrote must still load through the store's parse path (RoutingStore.read → ConfigMapDocument →
 * RoutingStateSchema), with the fields added since filled with their defaults; a document of a `version`
 * this fleet-dr does not know is refused, never half read. The fixtures (test/fixtures/state/) are written
 * by hand from the schema: one as the first version wrote it, before the defaulted fields existed, and one
 * with every field of today. A change that breaks them needs a new `version` and a migration in the store.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../../shared/clients/kube-client';
import { StateCorruptError } from '../../shared/state/errors';
import { RoutingStore, STATE_CONFIGMAPS } from '../../shared/state/routing-store';
import { examplePolicy } from '../decision/fixtures';

const policy = examplePolicy();

/** A Fleet holding one routing state document, as a ConfigMap with `data["state.json"]`. */
function fleetWith(document: unknown): KubeClient {
  const cm: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      namespace: policy.fleet.stateNamespace,
      name: STATE_CONFIGMAPS.routing,
      resourceVersion: '7',
    },
    data: { 'state.json': typeof document === 'string' ? document : JSON.stringify(document) },
  };
  return {
    name: 'fleet',
    getConfigMap: async (ns: string, name: string) =>
      ns === cm.metadata?.namespace && name === cm.metadata?.name ? structuredClone(cm) : undefined,
  } as unknown as KubeClient;
}

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/state/${name}`, import.meta.url), 'utf8'));
const load = (document: unknown) => new RoutingStore(fleetWith(document), policy).read();

describe('the persisted routing state', () => {
  it('loads a document written before the defaulted fields existed, with their defaults', async () => {
    const old = fixture('routing-state-v1-before-defaults.json');
    for (const field of ['revision', 'governsSplit', 'alarmsSeen', 'holdAlert', 'outbox', 'plannedShifts'])
      assert.ok(!(field in old), `the fixture predates ${field}`);
    const { value, resourceVersion } = await load(old);
    assert.equal(resourceVersion, '7');
    assert.equal(value.revision, 0);
    assert.equal(value.governsSplit, false);
    assert.deepEqual(value.alarmsSeen, {});
    assert.equal(value.holdAlert, null);
    assert.deepEqual(value.outbox, []);
    assert.equal(value.plannedShifts, undefined);
    assert.equal(value.failback?.auto, undefined, 'a failback without an automatic ramp');
    assert.equal(value.incident?.recoveryAnnounced, undefined);
    assert.equal(value.verdicts['c-ack-az1']?.probeRound, undefined);
    // Everything the old document said is kept as it was.
    assert.equal(value.mode, 'failing-back');
    assert.deepEqual(value.weights, old.weights);
    assert.deepEqual(value.failback, old.failback);
    assert.deepEqual(value.verdicts, old.verdicts);
    assert.deepEqual(value.handledAlarmKeys, old.handledAlarmKeys, 'alarm keys and op:<id> request ids');
  });

  it('loads a document with every field of today unchanged (outbox records default their retry fields)', async () => {
    const current = fixture('routing-state-v1-current.json');
    const { value } = await load(current);
    const outbox = current.outbox as Array<Record<string, unknown>>;
    assert.deepEqual(value.outbox[0], outbox[0]);
    assert.deepEqual(value.outbox[1], { ...outbox[1], attempts: 0, lastError: null, notBefore: null });
    assert.deepEqual(value.outbox[2], { ...outbox[2], attempts: 0, lastError: null, notBefore: null });
    const { outbox: _o, ...rest } = value;
    const { outbox: _c, ...expected } = current;
    assert.deepEqual(rest, expected);
  });

  it('loads a failback an operator authorised to ramp automatically', async () => {
    const old = fixture('routing-state-v1-before-defaults.json');
    const auto = { by: 'alice', at: '2025-06-01T09:00:00Z', reason: 'failback --auto' };
    const { value } = await load({ ...old, failback: { ...(old.failback as object), auto } });
    assert.deepEqual(value.failback?.auto, auto);
  });

  it('loads the example states of events/state/', async () => {
    const dir = new URL('../../events/state/', import.meta.url);
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    assert.ok(names.length > 0);
    for (const name of names) {
      const { value } = await load(readFileSync(new URL(name, dir), 'utf8'));
      assert.equal(value.version, 1, name);
    }
  });

  it('refuses a document of a future version, naming the field', async () => {
    const old = fixture('routing-state-v1-before-defaults.json');
    await assert.rejects(load({ ...old, version: 2 }), (err: unknown) => {
      assert.ok(err instanceof StateCorruptError, String(err));
      assert.match(err.message, /configmap fleet-dr[^ ]*\/fleet-dr-routing-state/);
      assert.match(err.message, /\bversion: /);
      return true;
    });
  });

  it('refuses a document without a version', async () => {
    const { version: _v, ...unversioned } = fixture('routing-state-v1-before-defaults.json');
    await assert.rejects(load(unversioned), StateCorruptError);
  });

  it('refuses a field it does not know (a newer writer), instead of dropping it on the next write', async () => {
    const old = fixture('routing-state-v1-before-defaults.json');
    await assert.rejects(load({ ...old, addedLater: true }), (err: unknown) => {
      assert.ok(err instanceof StateCorruptError);
      assert.match(err.message, /addedLater/);
      return true;
    });
  });
});
