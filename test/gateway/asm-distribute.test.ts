import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WeightsError } from '../../shared/clients/errors';
import {
  assertWritable,
  type ClusterLocality,
  clusterLocalities,
  DestinationRuleError,
  type DestinationRuleSpec,
  distributeFor,
  unwritableReasons,
  weightsFromDistribute,
  withDistribute,
} from '../../shared/gateway/asm-distribute';

const AZ1 = 'cn-hangzhou/cn-hangzhou-h';
const AZ2 = 'cn-hangzhou/cn-hangzhou-i';
const clusters: ClusterLocality[] = [
  { id: 'c-ack-az1', locality: AZ1 },
  { id: 'c-reg-az2', locality: AZ2 },
];
// Seed 003's outlier detection.
const outlierDetection = { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m' };

const specWith = (distribute: unknown, extra: Record<string, unknown> = {}): DestinationRuleSpec =>
  ({
    host: 'web-demo.web-demo.svc.cluster.local',
    trafficPolicy: { outlierDetection, loadBalancer: { localityLbSetting: { distribute, ...extra } } },
  }) as DestinationRuleSpec;

describe('weights → localityLbSetting.distribute', () => {
  it('sends every source locality to the same shares, leaving out a cluster at 0', () => {
    assert.deepEqual(distributeFor({ 'c-ack-az1': 0, 'c-reg-az2': 100 }, clusters), [
      { from: `${AZ1}/*`, to: { [`${AZ2}/*`]: 100 } },
      { from: `${AZ2}/*`, to: { [`${AZ2}/*`]: 100 } },
    ]);
    assert.deepEqual(distributeFor({ 'c-ack-az1': 90, 'c-reg-az2': 10 }, clusters)[1], {
      from: `${AZ2}/*`,
      to: { [`${AZ1}/*`]: 90, [`${AZ2}/*`]: 10 },
    });
  });

  it('rounds shares that do not sum to 100 to integers that do, deterministically', () => {
    const three = [...clusters, { id: 'c3', locality: 'cn-hangzhou/cn-hangzhou-j' }];
    const d = distributeFor({ 'c-ack-az1': 1, 'c-reg-az2': 1, c3: 1 }, three);
    assert.deepEqual(d[0]?.to, {
      [`${AZ1}/*`]: 34,
      [`${AZ2}/*`]: 33,
      'cn-hangzhou/cn-hangzhou-j/*': 33,
    });
    assert.deepEqual(distributeFor({ 'c-ack-az1': 1, 'c-reg-az2': 1, c3: 1 }, three), d);
  });

  it('refuses unknown clusters, negative or all-zero weights, and two clusters in one locality', () => {
    assert.throws(() => distributeFor({ nope: 100 }, clusters), /unknown clusters: nope/);
    assert.throws(() => distributeFor({ 'c-ack-az1': -1, 'c-reg-az2': 101 }, clusters), WeightsError);
    assert.throws(() => distributeFor({ 'c-ack-az1': 0 }, clusters), /all zero/);
    assert.throws(
      () =>
        distributeFor({ a: 50, b: 50 }, [
          { id: 'a', locality: AZ1 },
          { id: 'b', locality: AZ1 },
        ]),
      /clusters a and b share locality/,
    );
  });

  it('takes each locality from the policy region and the cluster zone', () => {
    const p = {
      region: 'cn-hangzhou',
      clusters: [{ id: 'c-ack-az1', zone: 'cn-hangzhou-h' }],
    } as Parameters<typeof clusterLocalities>[0];
    assert.deepEqual(clusterLocalities(p), [{ id: 'c-ack-az1', locality: AZ1 }]);
  });
});

describe('localityLbSetting.distribute → weights', () => {
  it('reads what distributeFor wrote, 0 for a locality absent from to, with or without /*', () => {
    const d = distributeFor({ 'c-ack-az1': 0, 'c-reg-az2': 100 }, clusters);
    assert.deepEqual(weightsFromDistribute(specWith(d), clusters), { 'c-ack-az1': 0, 'c-reg-az2': 100 });
    const bare = [
      { from: AZ1, to: { [AZ1]: 30, [AZ2]: 70 } },
      { from: AZ2, to: { [AZ1]: 30, [AZ2]: 70 } },
    ];
    assert.deepEqual(weightsFromDistribute(specWith(bare), clusters), { 'c-ack-az1': 30, 'c-reg-az2': 70 });
  });

  const same = { [`${AZ1}/*`]: 50, [`${AZ2}/*`]: 50 };
  for (const [what, spec] of [
    ['no DestinationRule', undefined],
    ['no localityLbSetting', { trafficPolicy: { outlierDetection } }],
    ['an empty distribute', specWith([])],
    ['a disabled localityLbSetting', specWith([{ from: `${AZ1}/*`, to: same }], { enabled: false })],
    [
      'failover beside distribute',
      specWith(
        [
          { from: `${AZ1}/*`, to: same },
          { from: `${AZ2}/*`, to: same },
        ],
        { failover: [{ from: 'cn-hangzhou', to: 'cn-shanghai' }] },
      ),
    ],
    ['a cluster missing as a source', specWith([{ from: `${AZ1}/*`, to: same }])],
    [
      'a source that is no cluster',
      specWith([
        { from: `${AZ1}/*`, to: same },
        { from: `${AZ2}/*`, to: same },
        { from: 'cn-shanghai/cn-shanghai-a/*', to: same },
      ]),
    ],
    [
      'a source listed twice',
      specWith([
        { from: `${AZ1}/*`, to: same },
        { from: `${AZ1}/*`, to: same },
      ]),
    ],
    [
      'a destination that is no cluster',
      specWith([
        { from: `${AZ1}/*`, to: { [`${AZ1}/*`]: 50, 'cn-shanghai/*': 50 } },
        { from: `${AZ2}/*`, to: { [`${AZ1}/*`]: 50, 'cn-shanghai/*': 50 } },
      ]),
    ],
    [
      'a to not summing to 100',
      specWith([
        { from: `${AZ1}/*`, to: { [`${AZ1}/*`]: 50, [`${AZ2}/*`]: 40 } },
        { from: `${AZ2}/*`, to: { [`${AZ1}/*`]: 50, [`${AZ2}/*`]: 40 } },
      ]),
    ],
    [
      'a fractional weight',
      specWith([
        { from: `${AZ1}/*`, to: { [`${AZ1}/*`]: 50.5, [`${AZ2}/*`]: 49.5 } },
        { from: `${AZ2}/*`, to: { [`${AZ1}/*`]: 50.5, [`${AZ2}/*`]: 49.5 } },
      ]),
    ],
    [
      'shares that differ per source (a hand-written locality preference)',
      specWith([
        { from: `${AZ1}/*`, to: { [`${AZ1}/*`]: 90, [`${AZ2}/*`]: 10 } },
        { from: `${AZ2}/*`, to: { [`${AZ1}/*`]: 10, [`${AZ2}/*`]: 90 } },
      ]),
    ],
  ] as Array<[string, DestinationRuleSpec | undefined]>) {
    it(`is undefined for ${what}`, () => assert.equal(weightsFromDistribute(spec, clusters), undefined));
  }
});

describe('round trip (property)', () => {
  const localities = fc.uniqueArray(
    fc.tuple(fc.constantFrom('cn-hangzhou', 'cn-shanghai'), fc.stringMatching(/^[a-k]$/)),
    { minLength: 1, maxLength: 5, selector: ([r, z]) => `${r}/${z}` },
  );
  const fleet = localities.map((ls) => ls.map(([r, z], i) => ({ id: `c${i}`, locality: `${r}/${r}-${z}` })));

  it('weights summing to 100 → distribute → the same weights, every to summing to 100', () => {
    fc.assert(
      fc.property(
        fleet.chain((cs) =>
          fc
            .array(fc.nat(100), { minLength: cs.length, maxLength: cs.length })
            .filter((xs) => xs.some((x) => x > 0))
            .map((xs) => {
              // Integer weights summing to exactly 100, some of them 0.
              const total = xs.reduce((a, b) => a + b, 0);
              const w = xs.map((x) => Math.floor((x * 100) / total));
              const top = w.indexOf(Math.max(...w));
              w[top] = (w[top] ?? 0) + 100 - w.reduce((a, b) => a + b, 0);
              return { cs, weights: Object.fromEntries(cs.map((c, i) => [c.id, w[i] ?? 0])) };
            }),
        ),
        ({ cs, weights }) => {
          const d = distributeFor(weights, cs);
          assert.equal(d.length, cs.length);
          for (const e of d) {
            assert.equal(
              Object.values(e.to).reduce((a, b) => a + b, 0),
              100,
            );
            for (const v of Object.values(e.to)) assert.ok(Number.isInteger(v) && v >= 1 && v <= 100);
          }
          assert.deepEqual(weightsFromDistribute(specWith(d), cs), weights);
        },
      ),
    );
  });

  it('any non-zero shares → every to sums to exactly 100 with weights 1..100', () => {
    fc.assert(
      fc.property(
        fleet.chain((cs) =>
          fc
            .array(fc.nat(1000), { minLength: cs.length, maxLength: cs.length })
            .filter((xs) => xs.some((x) => x > 0))
            .map((xs) => ({ cs, shares: Object.fromEntries(cs.map((c, i) => [c.id, xs[i] ?? 0])) })),
        ),
        ({ cs, shares }) => {
          for (const e of distributeFor(shares, cs)) {
            assert.equal(
              Object.values(e.to).reduce((a, b) => a + b, 0),
              100,
            );
            for (const v of Object.values(e.to)) assert.ok(v >= 1 && v <= 100);
          }
        },
      ),
    );
  });
});

describe('which DestinationRules fleet-dr may write', () => {
  it('accepts one with outlier detection and no failover', () => {
    assert.deepEqual(unwritableReasons(specWith(undefined)), []);
    assert.doesNotThrow(() => assertWritable('web-demo/web-demo', { trafficPolicy: { outlierDetection } }));
  });

  it('refuses one without outlierDetection, naming the object and the field', () => {
    assert.throws(
      () => assertWritable('web-demo/web-demo', { host: 'web-demo' }),
      (e: unknown) =>
        e instanceof DestinationRuleError &&
        e.object === 'web-demo/web-demo' &&
        /destinationrule web-demo\/web-demo: has no trafficPolicy\.outlierDetection/.test(e.message),
    );
  });

  it('refuses one with localityLbSetting.failover (exclusive with distribute)', () => {
    const spec = specWith(undefined, { failover: [{ from: 'cn-hangzhou', to: 'cn-shanghai' }] });
    assert.throws(() => assertWritable('ns/dr', spec), /localityLbSetting\.failover/);
    assert.throws(() => withDistribute('ns/dr', spec, { 'c-ack-az1': 100 }, clusters), DestinationRuleError);
  });

  it('writes distribute, enables locality load balancing and keeps everything else', () => {
    const spec = {
      host: 'web-demo',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
      trafficPolicy: {
        outlierDetection,
        connectionPool: { tcp: { maxConnections: 10 } },
        loadBalancer: { simple: 'ROUND_ROBIN', localityLbSetting: { enabled: false } },
      },
    } as DestinationRuleSpec;
    const before = structuredClone(spec);
    const out = withDistribute('web-demo/web-demo', spec, { 'c-ack-az1': 0, 'c-reg-az2': 100 }, clusters);
    assert.deepEqual(spec, before, 'the input is not changed');
    assert.deepEqual(out, {
      ...spec,
      trafficPolicy: {
        ...spec.trafficPolicy,
        loadBalancer: {
          simple: 'ROUND_ROBIN',
          localityLbSetting: {
            enabled: true,
            distribute: [
              { from: `${AZ1}/*`, to: { [`${AZ2}/*`]: 100 } },
              { from: `${AZ2}/*`, to: { [`${AZ2}/*`]: 100 } },
            ],
          },
        },
      },
    });
    assert.deepEqual(weightsFromDistribute(out, clusters), { 'c-ack-az1': 0, 'c-reg-az2': 100 });
  });
});
