/**
 * The policy's pin settings (`gateway.pin`): the default, what each kind pins a cluster's canary by, what
 * check-config says about each, and the cross-field rules that keep every cluster's pin distinct.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarisePolicy } from '../../shared/cli/check-config';
import { validatePolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { subsetLabelsValue } from '../../shared/gateway/annotations';
import { explainPin, pinOf } from '../../shared/gateway/pin';
import { examplePolicy } from '../clients/fixture';

/** The example policy as a plain document, without podLabels, changed by `edit`. */
function doc(edit: (d: ReturnType<typeof examplePolicy>) => void = () => {}) {
  const d = structuredClone(examplePolicy());
  for (const c of d.clusters) delete c.podLabel;
  edit(d);
  return d;
}
const problems = (d: unknown): string[] => {
  try {
    validatePolicy(d);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe('gateway.pin', () => {
  it('defaults to cluster-id and needs no podLabel', () => {
    const d = doc((p) => {
      delete (p.gateway as { pin?: string }).pin;
    });
    const p = validatePolicy(d);
    assert.equal(p.gateway.pin, 'cluster-id');
    assert.deepEqual(
      p.clusters.map((c) => subsetLabelsValue(pinOf(c, p.gateway.pin))),
      ['topology.istio.io/cluster c-ack-az1', 'topology.istio.io/cluster c-reg-az2'],
    );
  });

  it('pins by the cluster zone or by the team label', () => {
    const p = validatePolicy(
      doc((d) => {
        d.clusters[0]!.podLabel = { key: 'team.example/cell', value: 'az1' };
        d.clusters[1]!.podLabel = { key: 'team.example/cell', value: 'az2' };
      }),
    );
    assert.deepEqual(pinOf(p.clusters[1]!, 'zone'), {
      key: 'topology.kubernetes.io/zone',
      value: 'cn-hangzhou-i',
    });
    assert.deepEqual(pinOf(p.clusters[1]!, 'label'), { key: 'team.example/cell', value: 'az2' });
  });

  it('check-config explains each pin in its summary line', () => {
    const p = validatePolicy(doc());
    assert.match(
      summarisePolicy(p),
      /canaries pinned by cluster id \(c-ack-az1: topology.istio.io\/cluster=c-ack-az1, .*pods need no label \(unverified for MSE until preflight --write-test=live passes\)/,
    );
    assert.match(
      explainPin('zone', p.clusters),
      /c-reg-az2: topology.kubernetes.io\/zone=cn-hangzhou-i\), which the gateway takes from the label of the node/,
    );
    const labelled = validatePolicy(
      doc((d) => {
        d.gateway.pin = 'label';
        d.clusters[0]!.podLabel = { key: 'team.example/cell', value: 'az1' };
        d.clusters[1]!.podLabel = { key: 'team.example/cell', value: 'az2' };
      }),
    );
    assert.match(
      summarisePolicy(labelled),
      /pinned by the team's own label \(c-ack-az1: team.example\/cell=az1, c-reg-az2: team.example\/cell=az2\), matched against pod labels after the gateway sets/,
    );
  });

  it('refuses a label pin without every podLabel, and a zone pin over clusters sharing a zone', () => {
    assert.deepEqual(
      problems(
        doc((d) => {
          d.gateway.pin = 'label';
          d.clusters[0]!.podLabel = { key: 'team.example/cell', value: 'az1' };
        }),
      ),
      ['clusters[1].podLabel: required by gateway.pin "label": the label that pins this cluster\'s canary'],
    );
    const shared = doc((d) => {
      d.gateway.pin = 'zone';
      d.clusters[1]!.zone = d.clusters[0]!.zone;
      d.clusters[1]!.role = 'primary';
    });
    assert.ok(
      problems(shared).includes(
        'clusters[1].zone: zone "cn-hangzhou-h" also holds clusters[0]: gateway.pin "zone" would pin both canaries to both clusters',
      ),
    );
    const byId = problems({ ...shared, gateway: { ...shared.gateway, pin: 'cluster-id' } });
    assert.ok(!byId.some((x) => x.includes('gateway.pin')), byId.join('\n'));
  });

  it('refuses an unknown pin kind', () => {
    assert.match(
      problems(doc((d) => Object.assign(d.gateway, { pin: 'pod-label' })))[0] ?? '',
      /^gateway.pin: /,
    );
  });
});
