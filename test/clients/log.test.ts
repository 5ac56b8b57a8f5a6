import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudApiError } from '../../shared/clients/errors';
import { createLogger, redact, redactText, setLogSink } from '../../shared/log';
import { PLANTED_MARK, SANDBOX_SECRETS } from '../secret-scan.mjs';
import { captureLogs, scanForSecrets } from './log-capture';

const FAKE = 'FAKEsecretValue0123456789abcdef';

describe('the logger', () => {
  it('writes one JSON object a line with the request id', () => {
    const cap = captureLogs();
    try {
      createLogger('req-1', { fn: 'alarm' }).info('hello', { n: 1 });
    } finally {
      cap.restore();
    }
    const rec = JSON.parse(cap.lines[0]!);
    assert.equal(rec.requestId, 'req-1');
    assert.equal(rec.fn, 'alarm');
    assert.equal(rec.n, 1);
    assert.equal(rec.level, 'info');
  });

  it('redacts secret keys, query signatures, Authorization headers and kubeconfig credentials', () => {
    const out = JSON.stringify(
      redact({
        AccessKeySecret: FAKE,
        securityToken: FAKE,
        headers: {
          Authorization: `ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host,Signature=${'a'.repeat(64)}`,
        },
        url: `https://oapi.dingtalk.com/robot/send?access_token=${FAKE}&timestamp=1&sign=${FAKE}`,
        note: `Bearer ${FAKE}`,
        kube: `users:\n- name: u\n  user:\n    token: ${FAKE}\n`,
        err: new CloudApiError('X', 'Y', `failed for sign=${FAKE}`),
        nested: [{ client_key_data: FAKE }],
        robotSecret: FAKE,
        stsToken: FAKE,
        dbPassword: FAKE,
      }),
    );
    assert.ok(!out.includes(FAKE), out);
    assert.match(redactText('GET /?a=1&signature=abc'), /signature=\[REDACTED\]/);
  });

  it('the scan finds a planted secret logged unredacted, and not the same secret logged through the logger', () => {
    const cap = captureLogs();
    try {
      createLogger('req-2').info('credentials loaded', {
        accessKeySecret: FAKE,
        url: `/send?access_token=${FAKE}`,
      });
      assert.deepEqual(scanForSecrets(cap.lines, [FAKE]), [], 'redacted by the logger');
      // Deliberately bypass redaction, as a careless log statement would.
      cap.lines.push(JSON.stringify({ msg: 'oops', secret: FAKE }));
      cap.lines.push(JSON.stringify({ msg: 'oops', url: '/robot/send?access_token=abcdef123456' }));
    } finally {
      cap.restore();
    }
    const found = scanForSecrets(cap.lines, [FAKE]);
    assert.ok(found.some((f) => f.what.startsWith('secret')));
    assert.ok(found.some((f) => f.what === 'access_token= value'));
  });

  it('plants an unredacted sandbox secret in the logs and on stdout, for the suite-wide scan to find', () => {
    // test/run-tests.mjs scans everything the suite printed and logged; it fails the run unless it finds
    // these two planted lines (proof that the scan works) and nothing else.
    const line = `${PLANTED_MARK} ${JSON.stringify({ accessKeySecret: SANDBOX_SECRETS[0] })}`;
    const cap = captureLogs();
    try {
      const sink = setLogSink(() => {});
      setLogSink(sink);
      sink(line); // what a log statement that bypassed redaction would emit
    } finally {
      cap.restore();
    }
    console.log(line);
    assert.equal(scanForSecrets(cap.lines).length, 1);
  });
});
