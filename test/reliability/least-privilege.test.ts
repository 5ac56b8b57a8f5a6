/**
 * Least privilege, derived from what the functions did: a representative scenario (a failover, a cluster
 * event, a forced drift check, a health-check run, the zone healed and a failback step, the notify timer) with
 * the stand-ins' authorisation decisions recorded (sandbox/authz-log.ts: the RAM authorizer records every call
 * of the functions' STS role, the Kubernetes stand-ins every request of the role's RBAC user). Then, by the
 * comparison in test/least-privilege/derive.ts (the one test/run-tests.mjs applies to the whole e2e suite):
 * - called ⊆ granted, strictly: every action and verb the role used is granted by deploy/ram-policy.json or
 *   deploy/fleet-rbac.yaml, and nothing was denied;
 * - granted ⊆ called, as far as one scenario goes: the grants it never exercised are printed, and must be
 *   exactly the allow-list below, each with the reason it is not exercised here and where it is.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SANDBOX_FUNCTION_ROLE } from '../../sandbox/cloud/ram';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { alarmForm, invokeCallback } from '../e2e/helpers';
import { comparePrivileges, privilegeProblems, readDeployGrants } from '../least-privilege/derive';
import { captureAuthz, FN, fromEvent, operatorRequest, timer, verdictsUp } from './reliability-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';

/**
 * Grants the scenario does not exercise, each with the reason. A grant that starts being used, or a new grant
 * nobody uses, changes this list on purpose.
 */
const UNEXERCISED: Record<string, string> = {
  'adcp:AttachClusterToHub':
    're-association of a healthy cluster found off the Fleet; covered by test/e2e/cluster-event-reassociate.test.ts',
  'cms:PutCustomMetric':
    'probe metrics, published after a health-check round that outlasts this short run; covered by test/e2e/health-check-holds.test.ts',
  'fleet: update mse.alibabacloud.com/mseingressconfigs':
    'a change of the gateway membership (remote-clusters); covered by test/e2e/cluster-event-reassociate.test.ts and drift-membership.test.ts',
  'fleet: update networking.k8s.io/ingresses in web-demo':
    'rewriting an existing canary (a failback step once the healed zone reads up); covered by test/e2e/operator-failback.test.ts',
  'member: list core/nodes':
    'the pin check of a `gateway.pin: zone` policy and the ASM locality check (the sandbox policy pins otherwise and routes through MSE); covered by test/gateway/pin-settings.test.ts and test/e2e/asm-alarm-failover.test.ts',
  'servicemesh:DescribeServiceMeshKubeconfig':
    'deploy/ram-policy-asm.json: only routes with `router: asm` (the sandbox policy routes through MSE); covered by test/e2e/asm-alarm-failover.test.ts',
};

describe('reliability: least privilege, derived from the calls', () => {
  let d: Drill;
  before(async () => {
    d = await startDrill();
  });
  after(async () => {
    await d?.stop();
  });

  it('every call is granted; the grants left unused are exactly the documented ones', async () => {
    const authz = captureAuthz();
    try {
      // Failover: verdicts up, the zone blackholed, an alarm.
      await waitFor('both clusters to read up', async () => {
        const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(B, 'OK'));
        assert.equal(r.body.decision, 'hold', r.body.reason);
        return verdictsUp(d, [A, B]) || undefined;
      });
      await d.sb.zones.fault(A, 'blackhole');
      const failover = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT'));
      assert.equal(failover.body.decision, 'shift', failover.body.reason);
      await waitFor('the failover message', () =>
        d.sb.cloud.dingtalk.messages().some((m) => JSON.stringify(m.body).includes(A)),
      );
      // A cluster event about the failed zone's node.
      const event = JSON.parse(
        readFileSync(
          fileURLToPath(new URL('../../events/eventbridge-cs/k8s-node-not-ready.json', import.meta.url)),
          'utf8',
        ),
      ) as Record<string, unknown>;
      const ce = fromEvent(
        await d.invoker.invoke(FN.clusterEvent, { ...event, id: 'lp-1', time: new Date().toISOString() }),
      );
      assert.equal(ce.fcError, undefined, ce.text);
      // A forced drift check and a short health-check run (probe metrics).
      const drift = fromEvent(await d.invoker.invoke(FN.drift, { force: true }));
      assert.equal(drift.fcError, undefined, drift.text);
      const health = fromEvent(
        await d.invoker.invoke(FN.health, timer('health-check', JSON.stringify({ maxRunSeconds: 3 }))),
      );
      assert.equal(health.fcError, undefined, health.text);
      // The zone heals; an operator's status, a failback dry run and a step; the notify timer.
      await d.sb.zones.fault(A, 'heal');
      const status = await operatorRequest(d, 'GET', '/status', '');
      assert.equal(status.status, 200, status.text);
      const dry = await operatorRequest(
        d,
        'POST',
        '/failback',
        JSON.stringify({ cluster: A, mode: 'dryRun' }),
      );
      assert.ok((dry.status ?? 500) < 500, dry.text);
      const step = await operatorRequest(
        d,
        'POST',
        '/failback',
        JSON.stringify({ cluster: A, mode: 'step', reason: 'least-privilege scenario', step: 1 }),
      );
      assert.ok((step.status ?? 500) < 500, step.text);
      const notify = fromEvent(await d.invoker.invoke(FN.notify, timer('drain-outbox')));
      assert.equal(notify.fcError, undefined, notify.text);
      await d.invoker.idle();
      await d.sb.cloud.fc.drain();
      await d.invoker.idle();
    } finally {
      authz.stop();
    }

    // Nothing was denied, and the functions act as their role only.
    assert.deepEqual(d.sb.cloud.ram.denials(), [], 'RAM denied nothing');
    assert.deepEqual(
      authz.ram.filter((c) => c.decision !== 'Allow'),
      [],
      'every RAM call of the role was allowed',
    );
    const users = new Set(authz.rbac.map((c) => c.user));
    assert.deepEqual([...users], [SANDBOX_FUNCTION_ROLE.id], 'the functions act as their role only');
    assert.deepEqual(
      authz.rbac.filter((c) => !c.allowed),
      [],
      'every Kubernetes request was allowed',
    );
    // Both directions against deploy/, by the comparison the whole-suite check uses (test/run-tests.mjs).
    const cmp = comparePrivileges(authz, readDeployGrants());
    console.log(`called (${cmp.called.length}):\n  ${cmp.called.join('\n  ')}`);
    console.log(
      `granted but not exercised (${cmp.unexercised.length}):\n  ${cmp.unexercised.join('\n  ') || '(none)'}`,
    );
    assert.deepEqual(privilegeProblems(cmp, UNEXERCISED), []);
  });
});
