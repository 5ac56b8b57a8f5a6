import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '../../shared/decision/plan';
import { initialRoutingState, type Weights } from '../../shared/decision/routing-state';
import { enforceSafety } from '../../shared/decision/safety';
import { AZ1, AZ2, examplePolicy } from './fixtures';

const policy = examplePolicy();
const state = initialRoutingState(policy);

function shift(weights: Weights, fenced: string[] = []): Plan {
  const marks = Object.fromEntries(
    fenced.map((id) => [id, { by: 'alice', at: '2025-06-01T08:00:00Z', reason: '' }]),
  );
  return {
    kind: 'shift',
    weights,
    reason: 'test',
    signals: [],
    verdicts: {},
    by: 'automation',
    nextState: { ...state, weights, fenced: marks },
  };
}

describe('enforceSafety', () => {
  const up = { [AZ1]: 'up', [AZ2]: 'up' } as const;
  const cases: Array<[string, Plan, Record<string, 'up' | 'down' | 'suspect' | 'unknown'>, string]> = [
    [
      'weights that do not sum to 100',
      shift({ 'web-demo': { [AZ1]: 40, [AZ2]: 50 } }),
      up,
      'safety:weights-sum-100',
    ],
    ['a route with no weights', shift({}), up, 'safety:weights-sum-100'],
    [
      'traffic to a down cluster while another is up',
      shift({ 'web-demo': { [AZ1]: 50, [AZ2]: 50 } }),
      { [AZ1]: 'down', [AZ2]: 'up' },
      'safety:no-traffic-to-down',
    ],
    [
      'all weight on a fenced cluster',
      shift({ 'web-demo': { [AZ1]: 100, [AZ2]: 0 } }, [AZ1]),
      up,
      'safety:weight-on-nothing',
    ],
    [
      'all weight on a cluster not in the policy',
      shift({ 'web-demo': { 'c-ghost': 100 } }),
      up,
      'safety:weight-on-nothing',
    ],
    [
      'a healthy cluster below its minimum in a partial shift',
      shift({ 'web-demo': { [AZ1]: 5, [AZ2]: 95 } }),
      up,
      'safety:min-healthy-weight',
    ],
  ];
  for (const [name, plan, verdicts, rule] of cases)
    it(`replaces a plan with ${name} by a hold naming ${rule}`, () => {
      const out = enforceSafety(policy, plan, verdicts, state);
      assert.equal(out.kind, 'hold');
      if (out.kind === 'hold') {
        assert.equal(out.rule, rule);
        assert.match(out.reason, new RegExp(rule));
        assert.equal(out.nextState, state);
      }
    });

  it('keeps a safe plan unchanged (full shift away from a down cluster; a healthy one at 0 is allowed)', () => {
    const plan = shift({ 'web-demo': { [AZ1]: 0, [AZ2]: 100 } });
    assert.equal(enforceSafety(policy, plan, { [AZ1]: 'down', [AZ2]: 'up' }, state), plan);
    assert.equal(enforceSafety(policy, plan, up, state), plan);
  });

  it('allows weight on a down cluster when no cluster is up (nothing better exists)', () => {
    const plan = shift({ 'web-demo': { [AZ1]: 50, [AZ2]: 50 } });
    assert.equal(enforceSafety(policy, plan, { [AZ1]: 'down', [AZ2]: 'suspect' }, state), plan);
  });

  it('refuses to re-admit a cluster that is down', () => {
    const plan: Plan = {
      kind: 'readmit',
      cluster: AZ1,
      reason: 'r',
      signals: [],
      verdicts: {},
      by: 'alice',
      nextState: state,
    };
    const out = enforceSafety(policy, plan, { [AZ1]: 'down', [AZ2]: 'up' }, state);
    assert.equal(out.kind === 'hold' && out.rule, 'safety:no-readmit-down');
  });
});
