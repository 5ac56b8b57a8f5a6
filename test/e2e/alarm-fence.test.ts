import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, sleep, waitFor } from '../../sandbox/drill/drill-helpers';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import type { Policy } from '../../shared/config';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { sendRequests } from '../sandbox/traffic-helpers';
import { alarmForm, auditRecords, invokeCallback, postCallback, remoteClusters } from './helpers';

type Card = { msgtype: string; markdown?: { title: string; text: string }; actionCard?: { title: string } };

// One sandbox, cases in order: INSUFFICIENT_DATA read as an alert fails AZ1 over; the next alarm for the
// still-dead zone fences it off the gateway; once healed it is re-admitted at weight 0 only after
// minStableSecondsBeforeFailback, and never failed back automatically.
describe('e2e: after a failover, fence the dead zone and re-admit it only when stable', () => {
  let d: Drill;
  const A = 'c-ack-az1';
  const B = 'c-reg-az2';
  const failedOver = { [A]: 0, [B]: 100 };
  const messages = () =>
    d.sb.cloud.dingtalk.messages(SANDBOX_DINGTALK.accessToken).map((m) => m.body as Card);
  const titleOf = (m: Card | undefined) => m?.markdown?.title ?? m?.actionCard?.title ?? '';
  /** Waits until notify delivered everything queued so far. */
  const settle = async () => {
    await d.sb.cloud.fc.drain();
    await d.invoker.idle();
  };
  const allToB = () =>
    waitFor('the gateway to send everything to AZ2', async () => {
      const t = await sendRequests(d.sb.gateway.url, 20, 4);
      return t.byCluster[B] === 20 || undefined;
    });
  before(async () => {
    d = await startDrill();
    await d.sb.zones.fault(A, 'blackhole');
  });
  after(async () => {
    await d?.stop();
  });

  it('with insufficientData: alert, an INSUFFICIENT_DATA alarm with failing probes fails the zone over', async () => {
    const alert = d.invokerWith({
      policy: (p): Policy => ({ ...p, detection: { ...p.detection, insufficientData: 'alert' } }),
    });
    const r = await invokeCallback(alert, DRILL_TOKEN, alarmForm(A, 'INSUFFICIENT_DATA'));
    assert.equal(r.body.decision, 'shift', r.body.reason);
    assert.match(r.body.reason, /down \(an alarm, confirmed by probe/);
    assert.deepEqual(canaryWeightsNow(d), failedOver);
    assert.deepEqual(remoteClusters(d), [A, B], 'the shift itself fences nothing');
    await waitFor('the failover message', () => messages()[0]);
    await settle();
    assert.equal(messages()[0]?.msgtype, 'actionCard');
  });

  it('the next alarm for the still-dead zone fences it off the gateway and says so', async () => {
    assert.equal(gatewayKeys(d.policy.gateway).remoteClusters, 'mse.alibabacloud.com/remote-clusters');
    const r = await postCallback(d.callbackUrl, alarmForm(A, 'ALERT', Date.now()));
    assert.equal(r.body.decision, 'fence', r.body.reason);
    assert.equal(r.body.plan?.cluster, A);
    assert.deepEqual(remoteClusters(d), [B], 'AZ1 is off the gateway');
    assert.deepEqual(canaryWeightsNow(d), failedOver, 'weights unchanged');
    assert.equal(auditRecords(d).at(-1)?.decision, 'fence', 'the fence is audited');
    const msg = await waitFor('the fence message', () => messages()[1]);
    assert.equal(titleOf(msg), `fleet-dr: fence ${A}`);
    assert.match(msg.markdown?.text ?? '', new RegExp(`fence ${A} off the gateway while it is down`));
    await allToB();
  });

  it('a healed zone is not re-admitted before minStableSecondsBeforeFailback', async () => {
    await d.sb.zones.fault(A, 'heal');
    for (let i = 0; i < 2; i++) {
      const r = await postCallback(d.callbackUrl, alarmForm(A, 'OK', Date.now()));
      assert.equal(r.body.decision, 'hold', r.body.reason);
      assert.equal(r.body.rule, 'min-dwell', r.body.reason);
      assert.match(r.body.reason, /re-admitted after 600 s of stability/);
      await sleep(1_200);
    }
    assert.deepEqual(remoteClusters(d), [B], 'still fenced');
    assert.deepEqual(canaryWeightsNow(d), failedOver);
  });

  it('with a short minStableSecondsBeforeFailback it is re-admitted at weight 0, and never failed back', async () => {
    const short = d.invokerWith({
      policy: (p): Policy => ({ ...p, timing: { ...p.timing, minStableSecondsBeforeFailback: 1 } }),
    });
    assert.equal(d.policy.failback.automatic, false);
    const r = await invokeCallback(short, DRILL_TOKEN, alarmForm(A, 'OK', Date.now()));
    assert.equal(r.body.decision, 'readmit', r.body.reason);
    assert.deepEqual(remoteClusters(d).sort(), [A, B], 'AZ1 is back on the gateway');
    assert.deepEqual(canaryWeightsNow(d), failedOver, 'at weight 0');
    await waitFor('the re-admit message', () =>
      messages().find((m) => titleOf(m) === `fleet-dr: readmit ${A}`),
    );

    const next = await invokeCallback(short, DRILL_TOKEN, alarmForm(A, 'OK', Date.now()));
    assert.equal(next.body.decision, 'hold', next.body.reason);
    assert.equal(next.body.rule, 'awaiting-operator', next.body.reason);
    assert.deepEqual(canaryWeightsNow(d), failedOver, 'no automatic failback');
    await allToB();
  });
});
