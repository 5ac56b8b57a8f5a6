import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dingTalkSign as referenceSign } from '../../sandbox/cloud/dingtalk';
import { toDingTalkPayload, withKeyword } from '../../shared/notify/dingtalk';
import { dingtalkSign, dingtalkUrl } from '../../shared/notify/dingtalk-sign';
import { cutUtf8, payloadBytes, splitNotification } from '../../shared/notify/split';

describe('DingTalk signing', () => {
  it('matches the documented HMAC-SHA256 of "timestamp\\nsecret", URL-encoded in the query', () => {
    const secret = 'SEC0123456789abcdef';
    assert.equal(dingtalkSign(secret, 1700000000000), referenceSign(secret, 1700000000000));
    const u = new URL(dingtalkUrl('https://oapi.dingtalk.com/robot/send', 'tok', secret, 1700000000000));
    assert.equal(u.searchParams.get('access_token'), 'tok');
    assert.equal(u.searchParams.get('timestamp'), '1700000000000');
    assert.equal(u.searchParams.get('sign'), referenceSign(secret, 1700000000000));
  });

  it('leaves an unsigned robot URL without timestamp and sign', () => {
    const u = new URL(dingtalkUrl('https://oapi.dingtalk.com/robot/send', 'tok', undefined, 1));
    assert.equal(u.searchParams.has('sign'), false);
  });
});

describe('DingTalk payloads', () => {
  it('maps to markdown, or to an actionCard when there is an action', () => {
    const md = toDingTalkPayload({ title: 't', text: 'body' }, { atMobiles: ['138'] }, ['fleet-dr']);
    assert.equal(md.msgtype, 'markdown');
    assert.match(md.msgtype === 'markdown' ? md.markdown.text : '', /@138[\s\S]*fleet-dr/);
    assert.deepEqual(md.at, { atMobiles: ['138'], atUserIds: [], isAtAll: false });
    const card = toDingTalkPayload({
      title: 't',
      text: 'b',
      action: { title: 'Approve failback', url: 'https://x/y' },
    });
    assert.equal(card.msgtype, 'actionCard');
    assert.equal(card.msgtype === 'actionCard' && card.actionCard.singleURL, 'https://x/y');
  });

  it('adds a keyword only when none is present', () => {
    assert.equal(withKeyword('fleet-dr: AZ1 down', ['fleet-dr']), 'fleet-dr: AZ1 down');
    assert.match(withKeyword('AZ1 down', ['fleet-dr']), /fleet-dr$/);
  });
});

describe('splitting bodies over 20,000 bytes', () => {
  it('never cuts a UTF-8 character', () => {
    assert.equal(cutUtf8('ab第c', 4), 'ab');
    assert.equal(cutUtf8('ab第c', 5), 'ab第');
  });

  it('keeps a small body as one payload', () => {
    assert.equal(splitNotification({ title: 't', text: 'short' }).length, 1);
  });

  it('every part fits, and the parts keep all the text when within the part limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 120 }), { minLength: 1, maxLength: 400 }),
        (lines) => {
          const text = lines.join('\n');
          const parts = splitNotification({ title: 'report', text }, {}, [], {
            maxBytes: 4_000,
            maxParts: 1_000,
          });
          for (const p of parts) assert.ok(payloadBytes(p) <= 4_000);
          const joined = parts.map((p) => (p.msgtype === 'markdown' ? p.markdown.text : '')).join('');
          assert.equal(joined.replace(/\n/g, ''), text.replace(/\n/g, ''));
        },
      ),
      { numRuns: 60 },
    );
  });
});
