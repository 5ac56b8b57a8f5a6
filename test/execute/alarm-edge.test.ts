import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { readEdge } from '../../functions/alarm-failover/edge';
import { PolicySchema } from '../../shared/config';
import { clusterOfAlarm, triggerOf } from '../../shared/execute/alarm-trigger';
import { tokenMatches } from '../../shared/runtime/http-edge';
import type { AlarmEvent } from '../../shared/schemas/cloudmonitor-alarm';

const policy = PolicySchema.parse(
  parse(readFileSync(new URL('../../deploy/policy.yaml', import.meta.url), 'utf8')),
);
const env = { [policy.secrets.callbackTokenEnv]: 'secret-token' };
const httpEvent = (token: string | undefined, body: string) =>
  Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: '/',
      body,
      isBase64Encoded: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      queryParameters: token === undefined ? {} : { token },
      requestContext: { requestId: '1-x', http: { method: 'POST', path: '/' } },
    }),
  );
const form =
  'alertName=a&alertState=ALERT&metricName=Availability&timestamp=1748765700000&dimensions=%7BtaskId%3Dc-ack-az1%7D';

describe('alarm-failover edge', () => {
  it('compares tokens in constant time and refuses missing ones', () => {
    assert.equal(tokenMatches('abc', 'abc'), true);
    assert.equal(tokenMatches('abc', 'abd'), false);
    assert.equal(tokenMatches('a', 'a much longer token'), false);
    assert.equal(tokenMatches(undefined, 'abc'), false);
    assert.equal(tokenMatches('abc', undefined), false, 'an unset token env refuses everything');
  });

  it('answers 403 before parsing the alarm when the token is wrong or missing', () => {
    for (const t of ['nope', undefined]) {
      const e = readEdge(httpEvent(t, form), policy, env);
      assert.deepEqual(e, {
        kind: 'reject',
        http: true,
        status: 403,
        error: 'forbidden: missing or wrong callback token',
      });
    }
  });

  it('accepts the callback with the right token and the CloudEvents envelope without one', () => {
    const e = readEdge(httpEvent('secret-token', form), policy, env);
    assert.equal(e.kind, 'alarms');
    const ce = readEdge(
      readFileSync(new URL('../../events/cloudmonitor-alarm/cloudevents-alert.json', import.meta.url)),
      policy,
      env,
    );
    assert.equal(ce.kind, 'alarms');
    assert.equal(ce.http, false);
  });

  it('maps an alarm to a cluster by dimension, by a dimension value, or by the rule id', () => {
    const base = {
      kind: 'alarm',
      alarmName: 'x',
      state: 'ALERT',
      metricName: 'm',
      dimensions: {},
      timestamp: new Date(0),
      via: 'callback',
      raw: {},
    } as unknown as AlarmEvent;
    assert.equal(clusterOfAlarm(policy, { ...base, clusterId: 'c-reg-az2' }), 'c-reg-az2');
    assert.equal(clusterOfAlarm(policy, { ...base, clusterId: 'c-other' }), undefined);
    assert.equal(clusterOfAlarm(policy, { ...base, dimensions: { taskId: 'c-ack-az1' } }), 'c-ack-az1');
    assert.equal(clusterOfAlarm(policy, { ...base, ruleId: 'fleet-dr-probe-c-reg-az2' }), 'c-reg-az2');
    assert.equal(clusterOfAlarm(policy, base), undefined);
    const t = triggerOf(policy, { ...base, ruleId: 'r' }, 'c-ack-az1');
    assert.equal(t.key, 'r/c-ack-az1/ALERT/0');
  });
});
