import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesPattern, PatternError, parsePattern } from '../../sandbox/eventbridge/index';

// The cases of Alibaba Cloud EventBridge's "Event patterns" page, on a CloudEvent like the ones it shows.
const event = {
  id: '7c35a1f0',
  source: 'acs.oss',
  specversion: '1.0',
  type: 'oss:ObjectCreated:PostObject',
  subject: 'acs:oss:cn-hangzhou:1234567:xls-papk/game_apk/123.jpg',
  time: '2025-06-01T08:15:00Z',
  data: {
    name: 'test.jpg',
    state: 'RUNNING',
    'c-count': 5,
    'source-ip': '10.0.0.123',
    eventVersion: '',
    responseElements: null,
    tags: ['blue', 'green'],
    nested: { level: 'Warning' },
  },
};
const m = (pattern: unknown) => matchesPattern(pattern, event);

describe('EventBridge stand-in: event pattern matching', () => {
  it('matches exact values, ANDed across keys and ORed within a key', () => {
    assert.equal(m({ source: ['acs.oss'] }), true);
    assert.equal(m({ source: ['acs.cs', 'acs.oss'] }), true);
    assert.equal(m({ source: ['acs.cs'] }), false);
    assert.equal(m({ source: ['acs.oss'], type: ['oss:ObjectCreated:PutObject'] }), false);
    assert.equal(m({ source: ['ACS.OSS'] }), false, 'case-sensitive');
    assert.equal(m({}), true, 'an empty pattern matches everything');
  });

  it('matches nested fields, numbers, null and the empty string', () => {
    assert.equal(m({ data: { nested: { level: ['Warning'] } } }), true);
    assert.equal(m({ data: { nested: { level: ['Normal'] } } }), false);
    assert.equal(m({ data: { 'c-count': [5] } }), true);
    assert.equal(m({ data: { 'c-count': ['5'] } }), false, 'a number is not its string');
    assert.equal(m({ data: { responseElements: [null] } }), true);
    assert.equal(m({ data: { eventVersion: [''] } }), true);
    assert.equal(m({ data: { name: { first: ['x'] } } }), false, 'nesting into a string matches nothing');
  });

  it('matches prefix, suffix and contains', () => {
    assert.equal(m({ source: [{ prefix: 'acs.' }] }), true);
    assert.equal(m({ subject: [{ suffix: '.jpg' }] }), true);
    assert.equal(m({ subject: [{ suffix: '.png' }] }), false);
    assert.equal(m({ type: [{ contains: 'Created' }] }), true);
    assert.equal(m({ data: { 'c-count': [{ prefix: '5' }] } }), false, 'prefix applies to strings only');
  });

  it('matches anything-but a value, a list, a number and a prefix; never a missing field', () => {
    assert.equal(m({ data: { state: [{ 'anything-but': 'initializing' }] } }), true);
    assert.equal(m({ data: { state: [{ 'anything-but': 'RUNNING' }] } }), false);
    assert.equal(m({ data: { state: [{ 'anything-but': ['stopped', 'RUNNING'] }] } }), false);
    assert.equal(m({ data: { 'c-count': [{ 'anything-but': 123 }] } }), true);
    assert.equal(m({ data: { state: [{ 'anything-but': { prefix: 'RUN' } }] } }), false);
    assert.equal(m({ data: { state: [{ 'anything-but': { prefix: 'init' } }] } }), true);
    assert.equal(m({ data: { missing: [{ 'anything-but': 'x' }] } }), false);
  });

  it('matches numeric ranges and IPv4 CIDR blocks', () => {
    assert.equal(m({ data: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }), true);
    assert.equal(m({ data: { 'c-count': [{ numeric: ['>', 5] }] } }), false);
    assert.equal(m({ data: { 'c-count': [{ numeric: ['=', 5] }] } }), true);
    assert.equal(m({ data: { state: [{ numeric: ['>', 0] }] } }), false, 'numeric needs a number');
    assert.equal(m({ data: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }), true);
    assert.equal(m({ data: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }), false);
  });

  it('matches exists: a missing field matches only exists false', () => {
    assert.equal(m({ data: { errorCode: [{ exists: false }] } }), true);
    assert.equal(m({ data: { errorCode: [{ exists: true }] } }), false);
    assert.equal(m({ data: { state: [{ exists: true }] } }), true);
    assert.equal(m({ data: { state: [{ exists: false }] } }), false);
    assert.equal(m({ data: { responseElements: [{ exists: true }] } }), true, 'a null field exists');
    assert.equal(m({ data: { errorCode: [{ exists: false }, ''] } }), true);
    assert.equal(m({ data: { missing: ['x'] } }), false);
  });

  it('matches an array in the event when any of its elements matches', () => {
    assert.equal(m({ data: { tags: ['green'] } }), true);
    assert.equal(m({ data: { tags: ['red'] } }), false);
    assert.equal(m({ data: { tags: [{ prefix: 'bl' }] } }), true);
  });

  it('refuses what the documentation does not list, instead of matching nothing', () => {
    for (const [pattern, reason] of [
      ['{"source":"acs.oss"}', /a pattern value is an array/],
      ['{"source":[]}', /an empty array matches nothing/],
      ['{"source":[{"wildcard":"acs.*"}]}', /unknown operator "wildcard"/],
      ['{"source":[{"prefix":"a","suffix":"b"}]}', /exactly one key/],
      ['{"data":{"n":[{"numeric":["~",1]}]}}', /numeric operator/],
      ['{"data":{"ip":[{"cidr":"10.0.0.0/33"}]}}', /not an IPv4 CIDR/],
      ['{"data":{"s":[{"anything-but":{"contains":"x"}}]}}', /anything-but takes/],
      ['{"source":["acs.oss", {"exists":"yes"}]}', /exists takes true or false/],
      ['[1]', /expected an object/],
      ['{', /not JSON/],
    ] as const)
      assert.throws(
        () => parsePattern(pattern),
        (e: Error) => e instanceof PatternError && reason.test(e.message),
      );
  });
});
