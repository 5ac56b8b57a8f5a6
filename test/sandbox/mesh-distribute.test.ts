/**
 * Contract: a DestinationRule's `localityLbSetting.distribute` is honoured through the mesh proxy over real
 * HTTP, per caller locality, within ±3 percentage points over 2,000 requests per caller; and the pure picker's
 * other modes (ejection inside a distribution, locality preference, locality LB off).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DestinationRuleSpec } from '../../sandbox/mesh/destination-rule';
import { type MeshEndpoint, pickEndpoint } from '../../sandbox/mesh/locality-lb';
import { seededRng } from '../../sandbox/zones/rng';
import { AZ1, AZ2, sendAs, startMesh, startPods, type TestPod } from './mesh-helpers';

const distribute: NonNullable<DestinationRuleSpec['trafficPolicy']> = {
  loadBalancer: {
    localityLbSetting: {
      distribute: [
        // From AZ1 everything to AZ2 (Istio refuses a weight of 0: AZ1 is simply not listed).
        { from: 'cn-hangzhou/cn-hangzhou-h/*', to: { 'cn-hangzhou/cn-hangzhou-i/*': 100 } },
        {
          from: 'cn-hangzhou/cn-hangzhou-i/*',
          to: { 'cn-hangzhou/cn-hangzhou-h/*': 30, 'cn-hangzhou/cn-hangzhou-i/*': 70 },
        },
      ],
    },
  },
};

const shareOf = (ids: string[], prefix: string) =>
  (100 * ids.filter((i) => i.startsWith(prefix)).length) / ids.length;

describe('mesh distribute through the proxy (real HTTP)', () => {
  let pods: TestPod[];
  let mesh: Awaited<ReturnType<typeof startMesh>>;

  before(async () => {
    pods = [...(await startPods('az1', AZ1, 2)), ...(await startPods('az2', AZ2, 2))];
    mesh = await startMesh(pods);
    await mesh.applyRule({ trafficPolicy: distribute });
  });
  after(() => mesh?.stop());

  it('sends a caller in AZ1 0% to AZ1 and 100% to AZ2', async () => {
    const ids = await sendAs(mesh.proxy, AZ1, 2000);
    assert.equal(ids.length, 2000);
    assert.ok(Math.abs(shareOf(ids, 'az2-') - 100) <= 3, `AZ2 share ${shareOf(ids, 'az2-')}%`);
    assert.ok(shareOf(ids, 'az1-') <= 3, `AZ1 share ${shareOf(ids, 'az1-')}%`);
  });

  it('sends a caller in AZ2 30% to AZ1 and 70% to AZ2, spread over both pods of each', async () => {
    const ids = await sendAs(mesh.proxy, AZ2, 2000);
    const az1 = shareOf(ids, 'az1-');
    const az2 = shareOf(ids, 'az2-');
    assert.ok(Math.abs(az1 - 30) <= 3, `AZ1 share ${az1}%`);
    assert.ok(Math.abs(az2 - 70) <= 3, `AZ2 share ${az2}%`);
    for (const p of pods) assert.ok(ids.includes(p.endpoint.id), `${p.endpoint.id} got traffic`);
  });
});

describe('mesh locality picker (pure)', () => {
  const eps: MeshEndpoint[] = [
    { id: 'az1-0', locality: AZ1 },
    { id: 'az1-1', locality: AZ1 },
    { id: 'az2-0', locality: AZ2 },
    { id: 'az2-1', locality: AZ2 },
  ];
  const shares = (pick: () => MeshEndpoint | undefined, n = 4000) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(pick()?.id ?? 'none');
    return { az1: shareOf(ids, 'az1-'), az2: shareOf(ids, 'az2-'), ids };
  };

  it('keeps the locality weights and avoids an ejected endpoint inside its locality', () => {
    const random = seededRng(3);
    const s = shares(() =>
      pickEndpoint({
        rule: { trafficPolicy: distribute },
        endpoints: eps,
        caller: AZ2,
        ejected: new Set(['az1-0']),
        random,
      }),
    );
    // One of two AZ1 pods ejected: availability min(1, 1.4 × 0.5) = 0.7 scales AZ1's weight 30 → 21.
    assert.ok(Math.abs(s.az1 - (100 * 21) / 91) <= 3, `AZ1 ${s.az1}%`);
    assert.ok(!s.ids.includes('az1-0'));
  });

  it('with outlierDetection and no localityLbSetting, keeps traffic in the caller zone until it fails', () => {
    const random = seededRng(4);
    const rule = { trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1 } } };
    assert.equal(shares(() => pickEndpoint({ rule, endpoints: eps, caller: AZ1, random })).az1, 100);
    const allAz1Ejected = new Set(['az1-0', 'az1-1']);
    const s = shares(() =>
      pickEndpoint({ rule, endpoints: eps, caller: AZ1, ejected: allAz1Ejected, random }),
    );
    assert.equal(s.az2, 100);
  });

  it('without outlierDetection, locality load balancing is off: an even spread', () => {
    const random = seededRng(5);
    const s = shares(() => pickEndpoint({ rule: {}, endpoints: eps, caller: AZ1, random }));
    assert.ok(Math.abs(s.az1 - 50) <= 3, `AZ1 ${s.az1}%`);
  });
});
