// The health-check on the sandbox, the gateway's own fallback off and load running: a zone put in blackhole,
// dead or slow at a random moment is failed over within two probe intervals plus one probe timeout, within
// the invocation; its metrics reach CloudMonitor, where an alarm rule made by deploy/create-alarm-rules.ts
// fires and reaches alarm-failover, which finds the incident already handled. The second source of the quorum
// is MSE's service health: its default TCP check confirms a dead zone (refused connections); for a zone that
// accepts connections and does not answer in time (blackhole, slow) the check is switched to HTTP, as MSE's
// UpdateGatewayServiceCheck allows (HTTP_GATEWAY_CHECK).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main as createAlarmRules } from '../../deploy/create-alarm-rules';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { ALARM_FUNCTION, DRILL_TOKEN, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, waitFor, warmUp } from '../../sandbox/drill/drill-helpers';
import type { AlarmAnswer } from '../../shared/pipeline/answer';
import {
  assertFailover,
  detect,
  HTTP_GATEWAY_CHECK,
  healthCheckPolicy,
  P_SECONDS,
} from './health-check-helpers';
import { remoteClusters } from './helpers';

describe('e2e: the health-check detects a lost zone in seconds and fails it over in the invocation', () => {
  it('blackhole at a random moment; its metrics fire the alarm rule, and alarm-failover finds it handled', async () => {
    const d = await startDrill({
      policy: healthCheckPolicy(),
      // CloudMonitor's period longer than a probe interval, so each period sees a round's point even when a
      // round that writes canaries starts late.
      sandbox: {
        alarmPeriodMs: P_SECONDS * 1000 + 1_500,
        healthFallback: false,
        gatewayHealthCheck: HTTP_GATEWAY_CHECK,
      },
    });
    try {
      const lines: string[] = [];
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
        (l) => lines.push(l),
      );
      assert.equal(code, 0);
      await warmUp(d);
      const A = d.policy.clusters[0]!.id;
      const ruleId = `fleet-dr-probe-${A}`;
      let alarmAnswer: AlarmAnswer | undefined;
      const x = await detect(d, {
        fault: 'blackhole',
        maxRunSeconds: 40,
        whileRunning: async () => {
          const alert = await waitFor(
            'the ALERT of the probe-metric rule',
            () => d.sb.cloud.cms.alertLog.find((e) => e.ruleId === ruleId && e.state === 'ALERT'),
            30_000,
          );
          assert.equal(alert.metricName, 'fleet_dr_probe_success');
          assert.equal(alert.dimensions.clusterId, A);
          const inv = await waitFor('alarm-failover on that ALERT', () =>
            d.invoker.invocations.find(
              (r) =>
                r.functionName === ALARM_FUNCTION &&
                /fleet_dr_probe_success ALERT|-probe ALERT/.test(answerOf(r.payload)?.trigger ?? ''),
            ),
          );
          alarmAnswer = answerOf(inv.payload);
        },
      });
      assertFailover(x, /timeout after/);
      assert.ok(x.answer.metrics.published >= 2 * x.answer.rounds.length, JSON.stringify(x.answer.metrics));
      assert.ok(alarmAnswer, 'alarm-failover answered the ALERT');
      console.log(
        `alarm-failover on the probe-metric ALERT: ${alarmAnswer.decision} ${alarmAnswer.rule ?? ''}: ${alarmAnswer.reason}`,
      );
      assert.notEqual(alarmAnswer.decision, 'shift', 'no second failover');
      assert.match(
        `${alarmAnswer.decision} ${alarmAnswer.rule ?? ''}`,
        /hold already-handled|fence|hold stale-alarm/,
      );
      assert.equal(alarmAnswer.plan?.incident, x.state.incident?.id, 'the same incident');
    } finally {
      await d.stop();
    }
  });

  it('dead (connections refused) at a random moment; once healed, re-admitted at weight 0 after the stable window', async () => {
    const d = await startDrill({
      policy: healthCheckPolicy((p) => ({
        ...p,
        timing: { ...p.timing, minStableSecondsBeforeFailback: 3 },
      })),
      sandbox: { healthFallback: false },
    });
    try {
      const A = d.policy.clusters[0]!.id;
      let readmitted: { weights: Record<string, number>; members: string[] } | undefined;
      const x = await detect(d, {
        fault: 'dead',
        maxRunSeconds: 45,
        whileRunning: async () => {
          await waitFor('the fence', () => !remoteClusters(d).includes(A), 20_000);
          await d.sb.zones.fault(A, 'heal');
          await waitFor('the re-admission', () => remoteClusters(d).includes(A), 30_000);
          readmitted = { weights: canaryWeightsNow(d), members: remoteClusters(d) };
        },
      });
      assertFailover(x, /ECONNREFUSED/);
      assert.deepEqual(readmitted?.weights[A], 0, 'back on the gateway at weight 0: no automatic failback');
      const kinds = x.answer.transitions.map((t) => t.decision);
      assert.deepEqual(kinds, ['shift', 'fence', 'readmit'], JSON.stringify(x.answer.transitions));
    } finally {
      await d.stop();
    }
  });

  it('slow (answers slower than the probe timeout) is handled like a dead zone', async () => {
    const d = await startDrill({
      policy: healthCheckPolicy(),
      sandbox: { healthFallback: false, gatewayHealthCheck: HTTP_GATEWAY_CHECK },
    });
    try {
      const x = await detect(d, { fault: 'slow', maxRunSeconds: 30 });
      assertFailover(x, /timeout after/);
    } finally {
      await d.stop();
    }
  });
});

function answerOf(payload: Buffer): AlarmAnswer | undefined {
  try {
    const http = JSON.parse(payload.toString('utf8')) as { body?: string };
    return JSON.parse(http.body ?? '{}') as AlarmAnswer;
  } catch {
    return undefined;
  }
}
