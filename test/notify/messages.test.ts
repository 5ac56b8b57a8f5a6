import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decide } from '../../shared/decision/decide';
import { ObservationsSchema } from '../../shared/decision/observations';
import { initialRoutingState, type MessageFacts } from '../../shared/decision/routing-state';
import { renderMessage } from '../../shared/notify/messages';
import { examplePolicy } from '../decision/fixtures';

const policy = examplePolicy();
const obs = ObservationsSchema.parse(
  JSON.parse(
    readFileSync(new URL('../../events/observations/zone-down-confirmed.json', import.meta.url), 'utf8'),
  ),
);
const before = initialRoutingState(policy);
const plan = decide(policy, obs, before, '2025-06-01T08:00:00Z');
const factsOf = (template: MessageFacts['template']): MessageFacts => {
  const r = plan.nextState.outbox.find((x) => x.kind === 'message');
  assert.ok(r && r.kind === 'message', 'the failover commits a message');
  return { ...r.message, template };
};

describe('DingTalk messages, from the facts decide() committed', () => {
  it('a failover is an actionCard naming the incident, zone, signals, weights and timings, with failback steps', () => {
    assert.equal(plan.kind, 'shift');
    const n = renderMessage(policy, factsOf('transition'), { signalsGathered: 700, committed: 40 });
    assert.ok(n.action, 'actionCard');
    assert.equal(n.incidentId, plan.nextState.incident?.id);
    assert.match(n.title, /failed over from c-ack-az1 \(cn-hangzhou-h\)/);
    assert.match(n.text, /c-ack-az1 50 → 0, c-reg-az2 50 → 100/);
    assert.match(n.text, /probe: down/);
    assert.match(n.text, /signalsGathered 700 ms, committed 40 ms/);
    assert.match(n.text, /failback-step/);
  });

  it('a message queued by a later invocation has no timings line', () => {
    const n = renderMessage(policy, factsOf('transition'));
    assert.doesNotMatch(n.text, /Timings/);
  });

  it('a recovery message moves nothing and explains failback', () => {
    const f = { ...factsOf('recovered'), weightsBefore: plan.nextState.weights };
    const n = renderMessage(policy, f);
    assert.equal(n.action, undefined);
    assert.match(n.text, /No traffic was moved/);
    assert.match(n.text, /c-ack-az1 0 → 0/);
  });

  it('a recovery message says why the healed cluster is held away, and until when', () => {
    const f = {
      ...factsOf('recovered'),
      weightsBefore: plan.nextState.weights,
      heldAway: { until: '2025-06-01T08:12:00.000Z', remainingSeconds: 600 },
    };
    const n = renderMessage(policy, f);
    assert.match(
      n.text,
      /\*\*Held away\*\*: c-ack-az1 gets no traffic until it has been healthy 600 s, so a flapping zone does not take traffic back; an operator may start failback from 2025-06-01T08:12:00.000Z \(in 600 s\)/,
    );
    assert.doesNotMatch(renderMessage(policy, factsOf('recovered')).text, /Held away/, 'only when known');
  });

  it('a loud hold says traffic could not be moved, and why', () => {
    const n = renderMessage(policy, {
      ...factsOf('hold'),
      planKind: 'hold',
      rule: 'observer-guard',
      reason: 'every cluster looks down at once',
    });
    assert.match(n.title, /could NOT be moved \(observer-guard\)/);
    assert.match(n.text, /every cluster looks down at once/);
  });
});
