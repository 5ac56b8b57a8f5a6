/**
 * The weight arithmetic on its own (the mutation run found most of it guarded only through decide() on a
 * 50/50 fleet of two, where no split has a remainder): largest-remainder splits with ties to the cluster
 * listed first, shifts away from a cluster on three clusters and on a route that covers only some of them,
 * the failback ramp with its floor and its last step, and `increasesWeight`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '../../shared/config';
import {
  currentRouteWeights,
  failbackWeights,
  increasesWeight,
  routeClusters,
  shiftAway,
  splitProportionally,
} from '../../shared/decision/weights';
import { AZ1, AZ2, examplePolicy } from './fixtures';

const AZ3 = 'c-ack-az3';
/** Three clusters; route `web-demo` over all three (50/30/20), route `partial` over AZ2 and AZ3 only. */
const policy: Policy = examplePolicy((p) => {
  p.clusters.push({ ...p.clusters[0]!, id: AZ3, name: 'ack-az3' });
  p.routes[0]!.baselineWeights = { [AZ1]: 50, [AZ2]: 30, [AZ3]: 20 };
  p.routes.push({ ...p.routes[0]!, name: 'partial', baselineWeights: { [AZ3]: 60, [AZ2]: 40 } });
  p.failback.steps = [5, 25, 50, 100];
});
const [main, partial] = policy.routes as [Policy['routes'][number], Policy['routes'][number]];
const sum = (w: Record<string, number>) => Object.values(w).reduce((a, b) => a + b, 0);

describe('splitProportionally', () => {
  const cases: Array<[number, Array<[string, number]>, Record<string, number>]> = [
    [100, [], {}],
    [
      100,
      [
        ['a', 50],
        ['b', 50],
      ],
      { a: 50, b: 50 },
    ],
    [
      100,
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
      { a: 34, b: 33, c: 33 },
    ],
    [
      100,
      [
        ['a', 1],
        ['b', 2],
      ],
      { a: 33, b: 67 },
    ],
    [
      5,
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
      { a: 2, b: 2, c: 1 },
    ],
    [
      7,
      [
        ['a', 0],
        ['b', 0],
        ['c', 0],
      ],
      { a: 3, b: 2, c: 2 },
    ],
    [
      10,
      [
        ['a', 0],
        ['b', 0],
      ],
      { a: 5, b: 5 },
    ],
    [
      50,
      [
        ['a', 30],
        ['b', 20],
      ],
      { a: 30, b: 20 },
    ],
    [
      9,
      [
        ['a', 3],
        ['b', 5],
        ['c', 1],
      ],
      { a: 3, b: 5, c: 1 },
    ],
    [
      10,
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
        ['d', 1],
      ],
      { a: 3, b: 3, c: 2, d: 2 },
    ],
  ];
  for (const [total, shares, want] of cases)
    it(`splits ${total} by ${JSON.stringify(shares)}`, () => {
      const got = splitProportionally(total, shares);
      assert.deepEqual(got, want);
      if (shares.length) assert.equal(sum(got), total);
    });
});

describe('route clusters and current weights', () => {
  it('lists a route’s clusters in policy order, only those with a baseline weight on it', () => {
    assert.deepEqual(routeClusters(policy, main), [AZ1, AZ2, AZ3]);
    assert.deepEqual(routeClusters(policy, partial), [AZ2, AZ3]);
  });

  it('reads the state’s weights of a route, 0 for a cluster it omits, the baseline when it has none', () => {
    assert.deepEqual(currentRouteWeights(policy, partial, {}), { [AZ2]: 40, [AZ3]: 60 });
    assert.deepEqual(currentRouteWeights(policy, partial, { partial: { [AZ3]: 100 } }), {
      [AZ2]: 0,
      [AZ3]: 100,
    });
  });
});

describe('shiftAway', () => {
  it('moves the weight of a cluster to the receivers in proportion to their baseline', () => {
    const w = shiftAway(policy, {}, new Set([AZ1]), new Set([AZ1, AZ2, AZ3]));
    assert.deepEqual(w, {
      'web-demo': { [AZ1]: 0, [AZ2]: 60, [AZ3]: 40 },
      partial: { [AZ2]: 40, [AZ3]: 60 },
    });
  });

  it('leaves what others carry, on a route that does not cover the cluster too', () => {
    const w = shiftAway(policy, {}, new Set([AZ3]), new Set([AZ2]));
    assert.deepEqual(w, {
      'web-demo': { [AZ1]: 50, [AZ2]: 50, [AZ3]: 0 },
      partial: { [AZ2]: 100, [AZ3]: 0 },
    });
  });

  it('is null when weight must move and nobody takes it, and a no-op when there is none to move', () => {
    assert.equal(shiftAway(policy, {}, new Set([AZ2]), new Set()), null);
    const already = { 'web-demo': { [AZ1]: 0, [AZ2]: 100, [AZ3]: 0 }, partial: { [AZ2]: 100, [AZ3]: 0 } };
    assert.deepEqual(shiftAway(policy, already, new Set([AZ1, AZ3]), new Set()), already);
  });
});

describe('failbackWeights', () => {
  const others = new Set([AZ2, AZ3]);
  it('ramps a cluster through the steps, the rest to the others by baseline, the last step restoring it', () => {
    const at = (i: number) => failbackWeights(policy, AZ1, i, others)?.['web-demo'];
    assert.deepEqual(at(0), { [AZ1]: 10, [AZ2]: 54, [AZ3]: 36 }, 'step 5 is raised to the 10 floor');
    assert.deepEqual(at(1), { [AZ1]: 25, [AZ2]: 45, [AZ3]: 30 });
    assert.deepEqual(at(2), { [AZ1]: 50, [AZ2]: 30, [AZ3]: 20 }, 'never above its baseline');
    assert.deepEqual(at(3), { [AZ1]: 50, [AZ2]: 30, [AZ3]: 20 }, 'the last step is the baseline');
    assert.deepEqual(at(9), at(3));
  });

  it('caps a step at the baseline before the last step, and gives a route without the cluster to the others', () => {
    const w = failbackWeights(policy, AZ3, 2, new Set([AZ1, AZ2]));
    assert.deepEqual(w?.['web-demo'], { [AZ1]: 50, [AZ2]: 30, [AZ3]: 20 }, 'step 50 capped at baseline 20');
    assert.deepEqual(w?.partial, { [AZ2]: 50, [AZ3]: 50 }, 'on partial its baseline is 60: step 50 stands');
    const step0 = failbackWeights(policy, AZ1, 0, new Set([AZ2]));
    assert.deepEqual(
      step0?.partial,
      { [AZ2]: 100, [AZ3]: 0 },
      'AZ1 is not on partial: all to the other taker',
    );
  });

  it('is null when the rest has no taker', () => {
    assert.equal(failbackWeights(policy, AZ1, 0, new Set()), null);
    assert.equal(failbackWeights(policy, AZ1, 0, new Set([AZ1])), null, 'the cluster itself takes nothing');
  });
});

describe('increasesWeight', () => {
  it('is true only when some route gives the cluster more than before (the baseline when before has none)', () => {
    const before = { 'web-demo': { [AZ1]: 0, [AZ2]: 60, [AZ3]: 40 } };
    const after = { 'web-demo': { [AZ1]: 10, [AZ2]: 54, [AZ3]: 36 } };
    assert.equal(increasesWeight(policy, before, after, AZ1), true);
    assert.equal(increasesWeight(policy, before, after, AZ2), false);
    assert.equal(increasesWeight(policy, before, before, AZ1), false, 'equal is no increase');
    assert.equal(increasesWeight(policy, {}, { partial: { [AZ2]: 50, [AZ3]: 50 } }, AZ2), true, '40 -> 50');
    assert.equal(increasesWeight(policy, {}, { partial: { [AZ2]: 40, [AZ3]: 60 } }, AZ2), false);
    assert.equal(increasesWeight(policy, {}, {}, AZ1), false, 'a route missing after gives 0');
  });
});
