import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main as createAlarmRules } from '../../deploy/create-alarm-rules';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { ALARM_FUNCTION, DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, waitFor, warmUp } from '../../sandbox/drill/drill-helpers';
import type { AlarmAnswer } from '../../shared/pipeline/answer';
import { sendRequests } from '../sandbox/traffic-helpers';
import { auditRecords } from './helpers';

/** The answer of an alarm-failover invocation through the HTTP front (an HTTP response around the JSON). */
function answerOf(payload: Buffer): AlarmAnswer | undefined {
  try {
    const http = JSON.parse(payload.toString('utf8')) as { body?: string };
    return JSON.parse(http.body ?? '{}') as AlarmAnswer;
  } catch {
    return undefined;
  }
}

// Issue 20. The alarm is CloudMonitor's rule on fleet-dr's own probe metric, created by
// deploy/create-alarm-rules.ts, so the probes are the alarm's own source and cannot confirm it. What confirms
// it is a level read once: the zone's Service has no ready pods (ready replicas 0 of 3, and MSE reports the
// service Unhealthy). Before, such a reading had to be read `failuresToDown` times, one per invocation, and
// the first alarm invocation held `unconfirmed`; now it fails the zone over.
describe('e2e: an alarm on the probe metric, confirmed by a Service with no ready pods', () => {
  let d: Drill;
  const A = 'c-ack-az1';
  const B = 'c-reg-az2';
  const METRIC = 'fleet_dr_probe_success';
  const ruleA = `fleet-dr-probe-${A}`;
  let warm = 0;
  /** alarm-failover invocations after the warm-up, oldest first. */
  const alarmRuns = () => d.invoker.invocations.filter((i) => i.functionName === ALARM_FUNCTION).slice(warm);

  before(async () => {
    d = await startDrill();
    // A warm instance, as FC keeps one: CloudMonitor gives a callback 5 s, and a cold start on a busy machine
    // can take longer (it would be retried, and the retry would be a duplicate).
    await warmUp(d);
    warm = d.invoker.invocations.filter((i) => i.functionName === ALARM_FUNCTION).length;
  });
  after(async () => {
    await d?.stop();
  });

  it('fails the zone over on the first alarm invocation', async () => {
    // The rule deploy/create-alarm-rules.ts creates, in the CloudMonitor stand-in, through the real SDK.
    const printed: string[] = [];
    const code = await createAlarmRules(
      [
        '--policy',
        d.env.FLEET_DR_POLICY!,
        '--callback-url',
        d.front.urlFor(ALARM_FUNCTION),
        '--account-id',
        d.sb.cloud.fc.accountId,
        '--sandbox-endpoint',
        d.sb.cloud.endpoints.cms,
      ],
      {
        [d.policy.secrets.callbackTokenEnv]: DRILL_TOKEN,
        ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
      },
      (l) => printed.push(l),
    );
    assert.equal(code, 0, printed.join('\n'));
    const rule = d.sb.cloud.cms.rules().find((r) => r.ruleId === ruleA);
    assert.ok(rule, 'the probe-metric rule of AZ1 exists');
    assert.equal(rule.metricName, METRIC);
    assert.equal(rule.namespace, d.sb.cloud.cms.customNamespace);
    assert.equal(rule.times, d.policy.detection.failuresToDown);

    // The zone goes: its pods stop answering and are not ready at once (no node grace period), so the
    // Service has no ready pods. Wait for the member cluster and the gateway to show it.
    await d.sb.zones.fault(A, 'dead', { readinessLagMs: 0 });
    const member = d.sb.members.get(A);
    assert.ok(member, 'the member API of AZ1');
    const route = d.policy.routes[0]!;
    await waitFor('the Deployment to show no ready replicas', () => {
      const dep = member.store.get('apps/v1', 'Deployment', route.namespace, route.service);
      const status = dep?.status as { readyReplicas?: number } | undefined;
      return dep !== undefined && (status?.readyReplicas ?? 0) === 0;
    });
    await d.sb.gateway.refresh();
    const svc = d.sb.world.serviceHealthProvider?.().find((s) => s.name === route.service);
    assert.equal(svc?.healthStatus, 'Unhealthy', 'MSE reports the service Unhealthy');

    // fleet-dr's probe metric as a probe round publishes it: AZ1 failing, AZ2 passing. The points cover the
    // next 30 s, so every alarm period finds data however busy the machine is.
    const from = Date.now();
    for (let ms = 0; ms <= 30_000; ms += 100)
      for (const [cluster, value] of [
        [A, 0],
        [B, 1],
      ] as const)
        d.sb.cloud.cms.putMetric({
          namespace: d.sb.cloud.cms.customNamespace,
          metricName: METRIC,
          dimensions: { clusterId: cluster },
          value,
          timestamp: from + ms,
        });

    const alert = await waitFor(
      'the probe-metric ALERT',
      () => d.sb.cloud.cms.alertLog.find((e) => e.ruleId === ruleA && e.state === 'ALERT'),
      30_000,
    );
    assert.equal(alert.form.metricName, METRIC);
    // CloudMonitor retries a callback that takes over 5 s; a retry is the same alarm (duplicate-alarm), so
    // the one decision is the answer that is not a duplicate, whichever invocation finished first.
    const isRepeat = (a: AlarmAnswer | undefined) => a?.rule === 'duplicate-alarm';
    const answer = await waitFor(
      'alarm-failover to decide on the ALERT',
      () =>
        alarmRuns()
          .map((r) => answerOf(r.payload))
          .find((a) => a && !isRepeat(a)),
      60_000,
    );
    assert.equal(answer.decision, 'shift', `the first alarm invocation: ${answer.rule}: ${answer.reason}`);
    assert.match(answer.trigger ?? '', new RegExp(`alarm .* ALERT on ${A}`));
    assert.match(
      answer.reason,
      new RegExp(
        `${A}: down \\(an alarm on the fleet-dr probe metric, confirmed by gatewayHealth, readyReplicas\\)`,
      ),
    );
    assert.equal(answer.committed, true);
    assert.deepEqual(canaryWeightsNow(d), { [A]: 0, [B]: 100 });
    const audit = auditRecords(d).find((e) => e.decision === 'shift');
    assert.ok(audit, 'the failover is audited');
    assert.match(audit.alarmKey, new RegExp(`^${ruleA}/${A}/ALERT/`));
    assert.equal(
      d.sb.cloud.cms.alertLog.filter((e) => e.ruleId === ruleA).length,
      1,
      'one alarm state change: no second ALERT was needed',
    );
    // Any other invocation is CloudMonitor retrying the same callback (a slow answer), which changes nothing.
    await d.invoker.idle();
    const answers = alarmRuns().map((r) => answerOf(r.payload));
    assert.deepEqual(
      answers.filter((a) => !isRepeat(a)).map((a) => a?.decision),
      ['shift'],
      'one decision on the one alarm',
    );

    // The gateway follows the canaries: every request is answered by the healthy zone.
    await waitFor('the gateway to send everything to AZ2', async () => {
      const t = await sendRequests(d.sb.gateway.url, 20, 4);
      return t.byCluster[B] === 20 || undefined;
    });
  });
});
