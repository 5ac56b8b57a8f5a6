// `npm start`'s text report carries the DingTalk message bodies, not only their titles (issue 22).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailoverReport } from '../../sandbox/drill/failover-scenario';
import { formatReport } from '../../sandbox/drill/start-command';

const report: FailoverReport = {
  failedCluster: 'c-ack-az1',
  healthyCluster: 'c-reg-az2',
  gatewayFallback: true,
  timings: { alarmRaised: 1000, callbackReceived: 20 },
  requests: {
    before: { requests: 10, failures: 0 },
    during: { requests: 5, failures: 2 },
    after: { requests: 40, failures: 0 },
  },
  lastN: { requests: 40, failures: 0 },
  decision: {
    decision: 'shift',
    reason: 'fail over from c-ack-az1',
    actions: [],
    timings: {},
    dryRun: false,
    errors: [],
  },
  auditEvents: 1,
  dingtalk: [
    {
      msgtype: 'actionCard',
      title: 'fleet-dr: failed over from c-ack-az1 (cn-hangzhou-h)',
      text: '### fleet-dr: failed over from c-ack-az1\n\n**Decision**: shift — fail over from c-ack-az1\n\n- web-demo: c-ack-az1 50 → 0, c-reg-az2 50 → 100',
      url: 'https://wiki.example.com/runbook',
    },
  ],
  finalWeights: { 'c-ack-az1': 0, 'c-reg-az2': 100 },
  totalMs: 13_000,
};

describe('fleet-dr start: the text report', () => {
  it('prints each DingTalk message with its title, button link and body', () => {
    const text = formatReport(report);
    assert.match(text, /DingTalk: 1 message\(s\)/);
    assert.match(
      text,
      /actionCard "fleet-dr: failed over from c-ack-az1 \(cn-hangzhou-h\)" \(button: https:\/\/wiki\.example\.com\/runbook\)/,
    );
    assert.match(text, /^ {4}\*\*Decision\*\*: shift — fail over from c-ack-az1$/m);
    assert.match(text, /^ {4}- web-demo: c-ack-az1 50 → 0, c-reg-az2 50 → 100$/m);
    assert.match(text, /gateway: its own health fallback on/);
  });
});
