import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventParseError } from '../../shared/errors';
import { type AlarmEvent, alarmTime, parseDimensions } from '../../shared/schemas/cloudmonitor-alarm';
import { parseEvent } from '../../shared/schemas/parse-event';
import { sample, sampleBytes } from './samples';

type HttpSample = { body: string; isBase64Encoded: boolean; headers: Record<string, string> };
const only = (input: unknown): AlarmEvent => {
  const [e, ...rest] = parseEvent(input);
  assert.equal(rest.length, 0);
  assert.equal(e?.kind, 'alarm');
  return e as AlarmEvent;
};

describe('CloudMonitor alarm callback', () => {
  it('parses the form carried by an FC HTTP trigger (plain body, timestamp in ms)', () => {
    const a = only(sampleBytes('cloudmonitor-alarm', 'http-form-alert'));
    assert.equal(a.alarmName, 'ack-az1-probe');
    assert.equal(a.state, 'ALERT');
    assert.equal(a.metricName, 'fleet_dr_probe_success');
    assert.deepEqual(a.dimensions, { userId: '12****', clusterId: 'c-ack-az1' });
    assert.equal(a.clusterId, 'c-ack-az1');
    assert.equal(a.ruleId, 'fleet-dr-probe-c-ack-az1');
    assert.equal(a.triggerLevel, 'CRITICAL');
    assert.equal(a.via, 'http-trigger');
    assert.equal(a.timestamp.getTime(), 1748765700000);
  });

  it('decodes a base64 body and reads a timestamp in seconds', () => {
    const a = only(sampleBytes('cloudmonitor-alarm', 'http-form-base64-ok'));
    assert.equal(a.state, 'OK');
    assert.equal(a.timestamp.getTime(), 1748766300 * 1000);
  });

  it('accepts INSUFFICIENT_DATA', () => {
    assert.equal(
      only(sampleBytes('cloudmonitor-alarm', 'http-form-insufficient-data')).state,
      'INSUFFICIENT_DATA',
    );
  });

  it('parses the same fields inside a CloudEvents envelope, alone or batched', () => {
    const a = only(sampleBytes('cloudmonitor-alarm', 'cloudevents-alert'));
    assert.equal(a.via, 'cloudevents');
    assert.equal(a.clusterId, 'c-ack-az1');
    const batch = parseEvent(sampleBytes('cloudmonitor-alarm', 'cloudevents-batch')) as AlarmEvent[];
    assert.deepEqual(
      batch.map((e) => e.state),
      ['ALERT', 'OK'],
    );
  });

  it('accepts an alert envelope from either plausible CloudMonitor source, and refuses another source or type', () => {
    const env = sample<Record<string, unknown>>('cloudmonitor-alarm', 'cloudevents-alert');
    assert.equal(only({ ...env, source: 'acs.cloudmonitor' }).via, 'cloudevents');
    assert.throws(
      () => parseEvent({ ...env, type: 'cms:Alarm:AlarmStateChange' }),
      (e: unknown) => e instanceof EventParseError && /not a CloudMonitor alert callback/.test(e.message),
    );
    assert.throws(
      () => parseEvent({ ...env, source: 'acs.ecs' }),
      (e: unknown) => e instanceof EventParseError && /source acs\.ecs/.test(e.message),
    );
  });

  it('parses a raw form body string and a plain object of the fields', () => {
    const http = sample<HttpSample>('cloudmonitor-alarm', 'http-form-alert');
    assert.equal(only(http.body).alarmName, 'ack-az1-probe');
    assert.equal(only(Buffer.from(http.body)).via, 'callback');
    assert.equal(only(sample('cloudmonitor-alarm', 'callback-fields')).state, 'ALERT');
  });

  it('accepts numbers where a CloudEvents data object carries them', () => {
    const fields = structuredClone(sample('cloudmonitor-alarm', 'callback-fields'));
    fields.timestamp = 1748765700;
    fields.curValue = 0;
    const a = only(fields);
    assert.equal(a.timestamp.getTime(), 1748765700000);
    assert.equal(a.curValue, '0');
  });

  for (const [field, value, reason] of [
    ['alertState', 'CRITICAL', /alertState: must be ALERT, OK or INSUFFICIENT_DATA/],
    ['alertName', '', /alertName: must not be empty/],
    ['timestamp', '2025-06-01', /timestamp: must be epoch seconds or ms/],
    ['dimensions', '{userId 12}', /dimensions: must be \{key=value/],
    ['triggerLevel', 'PANIC', /triggerLevel/],
  ] as const) {
    it(`rejects ${field}=${JSON.stringify(value)} with a one-line reason`, () => {
      const fields = structuredClone(sample('cloudmonitor-alarm', 'callback-fields'));
      fields[field] = value;
      assert.throws(
        () => parseEvent(fields),
        (e: Error) => e instanceof EventParseError && reason.test(e.message) && !e.message.includes('\n'),
      );
    });
  }

  it('rejects a callback without metricName', () => {
    const fields = structuredClone(sample('cloudmonitor-alarm', 'callback-fields'));
    delete fields.metricName;
    assert.throws(() => parseEvent(fields), /metricName: required/);
  });

  it('rejects a base64 flag on a body that is not base64', () => {
    const http = structuredClone(sample<HttpSample>('cloudmonitor-alarm', 'http-form-alert'));
    http.isBase64Encoded = true;
    assert.throws(() => parseEvent(http), /not base64/);
  });
});

describe('parseDimensions', () => {
  it('reads the non-JSON form, JSON and objects', () => {
    assert.deepEqual(parseDimensions('{userId=12****, instanceId=i-12****}'), {
      userId: '12****',
      instanceId: 'i-12****',
    });
    assert.deepEqual(parseDimensions('{"clusterId":"c1"}'), { clusterId: 'c1' });
    assert.deepEqual(parseDimensions({ a: 1 }), { a: '1' });
    assert.deepEqual(parseDimensions('{}'), {});
    assert.deepEqual(parseDimensions(undefined), {});
  });
  it('rejects text without key=value pairs', () => {
    assert.equal(parseDimensions('{userId}'), undefined);
    assert.equal(parseDimensions(42), undefined);
  });
});

describe('alarmTime', () => {
  it('tells seconds from milliseconds', () => {
    assert.equal(alarmTime('1748765700')?.getTime(), 1748765700000);
    assert.equal(alarmTime('1748765700123')?.getTime(), 1748765700123);
    assert.equal(alarmTime('abc'), undefined);
    assert.equal(alarmTime('17487657001234'), undefined);
  });
});
