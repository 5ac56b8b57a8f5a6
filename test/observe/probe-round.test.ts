import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Cluster } from '../../shared/config';
import { describeRound, runProbeRound } from '../../shared/observe/probe-round';
import { examplePolicy } from '../decision/fixtures';
import { startTargets, type Targets } from './targets';

const base = examplePolicy().clusters[0]!;

/** A cluster whose probes go to the given target paths. */
function cluster(id: string, s: Targets, paths: string[], timeoutMs = 1_000): Cluster {
  return {
    ...base,
    id,
    probes: paths.map((p) => ({
      url: s.url(p),
      headers: {},
      secretHeadersEnv: {},
      expectedStatus: 200,
      timeoutMs,
    })),
  };
}

const opts = { concurrency: 32, requestsPerCluster: 10, failureShare: 0.3, env: {} };

describe('runProbeRound: every cluster, a few requests each, bounded', () => {
  let s: Targets;
  before(async () => {
    s = await startTargets();
  });
  beforeEach(() => s.resetCounts());
  after(() => s.close());

  it('never has more requests in flight than the concurrency bound', async () => {
    const clusters = ['a', 'b', 'c'].map((id) => cluster(id, s, ['/ok']));
    const rounds = await runProbeRound(clusters, { ...opts, concurrency: 4 });
    assert.equal(s.requests, 30);
    assert.ok(s.maxInFlight <= 4, `at most 4 in flight, saw ${s.maxInFlight}`);
    assert.ok(s.maxInFlight >= 2, 'requests did overlap');
    for (const r of rounds) assert.deepEqual([r.sent, r.failed, r.share, r.ok], [10, 0, 0, true]);
    await s.drained();
  });

  it('judges a cluster by its failure share: half its answers 5xx fails it at a 30% threshold', async () => {
    const [r] = await runProbeRound([cluster('a', s, ['/flaky'])], opts);
    assert.deepEqual([r!.sent, r!.failed, r!.share, r!.ok], [10, 5, 0.5, false]);
    assert.deepEqual(r!.failures, { 'HTTP 503': 5 });
    assert.equal(
      describeRound(r!, 0.3),
      '5 of 10 probe requests failed (50%, at or above the 30% threshold): 5 × HTTP 503',
    );
    const [lenient] = await runProbeRound([cluster('a', s, ['/flaky'])], { ...opts, failureShare: 0.6 });
    assert.equal(lenient!.ok, true, 'below a 60% threshold the same share passes');
  });

  it('spreads the requests over a cluster’s probes, at least one each', async () => {
    const [r] = await runProbeRound([cluster('a', s, ['/ok', '/503', '/ok', '/ok'])], {
      ...opts,
      requestsPerCluster: 2,
    });
    assert.deepEqual([r!.sent, r!.failed], [4, 1]);
  });

  it('counts answers slower than the probe timeout as failures, and ends within about one timeout', async () => {
    const started = Date.now();
    const rounds = await runProbeRound(
      [cluster('dead', s, ['/hang'], 400), cluster('live', s, ['/ok'], 400)],
      { ...opts, concurrency: 12 },
    );
    const took = Date.now() - started;
    const [dead, live] = rounds;
    assert.deepEqual([dead!.share, dead!.ok], [1, false]);
    assert.deepEqual(dead!.failures, { 'timeout after 400 ms': 10 });
    assert.equal(dead!.latency, null, 'no answer, no latency');
    // One request of each cluster in turn: the hanging zone holds only its share of the slots.
    assert.deepEqual([live!.sent, live!.failed, live!.ok], [10, 0, true]);
    assert.ok(took < 1_300, `the round took ${took} ms`);
    await s.drained();
  });

  it('starts no request that could not end by the deadline: skipped, not failed', async () => {
    const [r] = await runProbeRound([cluster('a', s, ['/ok'], 1_000)], {
      ...opts,
      deadline: Date.now() + 500,
    });
    assert.deepEqual([r!.sent, r!.skipped, r!.share, r!.ok], [0, 10, null, null]);
    assert.equal(s.requests, 0);
    assert.match(describeRound(r!, 0.3), /no probe request could be sent \(10 skipped/);
  });

  it('stamps every cluster of a round with the round’s start', async () => {
    const rounds = await runProbeRound([cluster('a', s, ['/ok']), cluster('b', s, ['/ok'])], opts);
    assert.equal(rounds[0]!.at, rounds[1]!.at);
    assert.ok(rounds[0]!.latency && rounds[0]!.latency.mean >= 0);
  });
});
