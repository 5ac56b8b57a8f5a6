/**
 * What operators leave to time, on the sandbox with load: a planned shift expires by itself and the traffic
 * returns along the ramp; `failback --auto` answers 202 at once and each next step is a later invocation (the
 * operator function's timer, which FC fires every minute and this test fires when the dwell is over), never a
 * function that sleeps; a regression at 50% aborts the ramp to 0 and says why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canaryWeightsNow, waitFor } from '../../sandbox/drill/drill-helpers';
import { type Load, startLoad } from '../../sandbox/drill/load';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import type { Policy } from '../../shared/config';
import { alarmForm, auditRecords, postCallback } from './helpers';
import {
  ALICE,
  atTime,
  BOB,
  cli,
  cliLive,
  gatewaySettled,
  type LiveCli,
  type OperatorDrill,
  routingState,
  startOperatorDrill,
  tick,
  trafficShare,
} from './operator-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const STABLE_S = 6;

const policy = (p: Policy): Policy => ({
  ...p,
  routes: p.routes.map((r) => ({ ...r, baselineWeights: { [A]: 100, [B]: 0 } })),
  // No cooldown: the failover right after the shift's ramp completes must not wait 5 minutes.
  timing: { ...p.timing, minStableSecondsBeforeFailback: STABLE_S, cooldownSeconds: 0 },
});

type Ran = Array<{ why: string; decision: string; rule?: string; reason: string; until?: string }>;

describe('e2e: planned shifts that expire, automatic ramps, and a regression at 50%', () => {
  let o: OperatorDrill;
  let load: Load;
  let follower: LiveCli | undefined;
  const op = (args: string[], key = ALICE.id) =>
    cli([...args, '--url', o.url, '--key-file', o.keyFile[key]!]);
  /** The next step is due when the current one has dwelt the stable window. */
  const stepDue = () => {
    const fb = routingState(o.d).failback;
    assert.ok(fb, 'a ramp is in progress');
    return new Date(Date.parse(fb.stepStartedAt) + STABLE_S * 1000).toISOString();
  };
  const share = async (n = 300) => {
    await gatewaySettled(o.d);
    return trafficShare(o.d, A, n);
  };

  before(async () => {
    o = await startOperatorDrill({ policy });
    load = startLoad(o.d.sb.gateway.url, { concurrency: 2, timeoutMs: 2_000 });
  });
  after(async () => {
    await load?.stop();
    await o?.stop();
  });

  it('a planned shift moves the traffic off a healthy AZ1 and can be extended', async () => {
    const r = await op(['shift', '--cluster', A, '--expires', '6s', '--reason', 'kernel upgrade']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^traffic shifted off c-ack-az1 until .*: web-demo: c-ack-az1 0%, c-reg-az2 100%/);
    assert.equal((await share(100)).share, 0);
    const extended = await op(
      ['shift', '--cluster', A, '--expires', '10s', '--reason', 'one more reboot'],
      BOB.id,
    );
    assert.equal(extended.code, 0, extended.stderr);
    assert.match(extended.stdout, /^planned shift off c-ack-az1 extended until /);
    const shift = routingState(o.d).plannedShifts?.[A];
    assert.equal(shift?.by, 'bob');
    assert.equal(routingState(o.d).incident?.failedCluster, A);
    const early = (await tick(o)).ran as Ran;
    assert.deepEqual(early, [], 'nothing is due before the expiry');
  });

  it('the shift expires by itself: the timer walks the traffic back 10 → 50 → 100', async () => {
    const until = routingState(o.d).plannedShifts?.[A]?.until;
    assert.ok(until);
    await atTime(until);
    const first = (await tick(o)).ran as Ran;
    assert.equal(first[0]?.decision, 'failback-step', JSON.stringify(first));
    assert.match(first[0]!.why, /planned shift off c-ack-az1 expired/);
    assert.deepEqual(routingState(o.d).plannedShifts, {}, 'the shift is over');
    assert.equal(
      routingState(o.d).failback?.auto?.by,
      'bob',
      'the ramp runs on the authority of who set the shift',
    );
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 10, [B]: 90 });
    const notYet = (await tick(o)).ran as Ran;
    assert.deepEqual(notYet, [], 'the next step waits out the dwell');
    const s1 = await share();
    assert.ok(s1.share >= 3 && s1.share <= 20, `AZ1 ${s1.share}%: ${s1.tally}`);
    await atTime(stepDue());
    const second = (await tick(o)).ran as Ran;
    assert.equal(second[0]?.decision, 'failback-step', JSON.stringify(second));
    const s2 = await share();
    assert.ok(s2.share >= 36 && s2.share <= 64, `AZ1 ${s2.share}%: ${s2.tally}`);
    await atTime(stepDue());
    const third = (await tick(o)).ran as Ran;
    assert.equal(third[0]?.decision, 'failback-step', JSON.stringify(third));
    assert.equal(routingState(o.d).mode, 'normal');
    assert.equal(routingState(o.d).incident, null);
    assert.equal((await share(200)).share, 100);
  });

  it('failback --auto answers at once, and the timer takes each next step after the dwell', async () => {
    await o.d.sb.zones.fault(A, 'blackhole');
    const shift = await postCallback(o.d.callbackUrl, alarmForm(A, 'ALERT'));
    assert.equal(shift.body.decision, 'shift', shift.body.reason);
    await o.d.sb.zones.fault(A, 'heal');
    const refusal = await waitFor('AZ1 to read up again', async () => {
      const r = await op(['failback', '--cluster', A, '--auto', '--reason', 'night shift', '--json']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const a = JSON.parse(r.stdout) as Record<string, unknown>;
      return a.rule === 'min-dwell' ? a : undefined;
    });
    await atTime(String(refusal.until));
    // The operator follows the ramp with the CLI: 202 at once, then plain progress lines until it ends.
    follower = cliLive([
      ...['failback', '--cluster', A, '--auto', '--reason', 'night shift', '--poll', '1'],
      ...['--url', o.url, '--key-file', o.keyFile[ALICE.id]!],
    ]);
    await waitFor(
      'the first automatic step on the Fleet',
      // The step is committed first and its canaries written after: wait for the canaries themselves.
      () => canaryWeightsNow(o.d)[A] === 10 || undefined,
      60_000,
    );
    assert.equal(routingState(o.d).failback?.auto?.by, 'alice');
    const s1 = await share();
    assert.ok(s1.share >= 3 && s1.share <= 20, `AZ1 ${s1.share}%: ${s1.tally}`);
    await atTime(stepDue());
    const second = (await tick(o)).ran as Ran;
    assert.equal(second[0]?.decision, 'failback-step', JSON.stringify(second));
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 50, [B]: 50 });
    const s2 = await share();
    assert.ok(s2.share >= 36 && s2.share <= 64, `AZ1 ${s2.share}%: ${s2.tally}`);
    await waitFor('the follower to show step 2', () => /step 2 of 3: 50%/.test(follower!.stdout()), 60_000);
  });

  it('a regression at 50% aborts the ramp to 0 and says why', async () => {
    await o.d.sb.zones.fault(A, 'blackhole');
    const r = await postCallback(o.d.callbackUrl, alarmForm(A, 'ALERT'));
    assert.equal(r.body.decision, 'failback-abort', r.body.reason);
    assert.match(r.body.reason, /failback of c-ack-az1 regressed at step 2: c-ack-az1: down/);
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 0, [B]: 100 });
    assert.equal(routingState(o.d).mode, 'failed-over');
    assert.equal(routingState(o.d).failback, null);
    assert.equal((await share(100)).share, 0);
    assert.equal(auditRecords(o.d).at(-1)?.decision, 'failback-abort');
    await waitFor(
      'the abort message',
      () =>
        o.d.sb.cloud.dingtalk
          .messages(SANDBOX_DINGTALK.accessToken)
          .some((m) => /failback-abort c-ack-az1/.test(JSON.stringify(m.body))),
      60_000,
    );
    assert.deepEqual((await tick(o)).ran, [], 'nothing left for the timer');
    const f = await follower!.done;
    assert.equal(f.code, 1, f.stdout + f.stderr);
    assert.match(f.stdout, /automatic failback started at step 1 of 3 \(10%\)/);
    // Plain lines off a terminal: the step, the traffic share and the error rate of the newest probe round.
    assert.match(
      f.stdout,
      /^step 2 of 3: 50% on web-demo\/web-demo; error rate \d+% \(\d+ of \d+ probes failed, at \S+\)$/m,
    );
    assert.match(f.stderr, /failback aborted: failback of c-ack-az1 regressed at step 2/);
  });
});
