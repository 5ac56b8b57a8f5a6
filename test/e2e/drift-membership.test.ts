/**
 * Membership drift, end to end on the sandbox: a member cluster detached from the Fleet in the console (ACK
 * One publishes no event for it; DescribeManagedClusters stops listing it) and a cluster removed from the
 * gateway's remote-clusters by hand. Each is reported exactly once over three runs and once as resolved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/credentials';
import { detachInConsole } from '../../sandbox/cloud/products/adcp';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { main } from '../../shared/cli/main';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { fleetMembers } from './cluster-event-helpers';
import {
  assertReportedOnceThenResolved,
  type DriftInvoker,
  deliver,
  driftRun,
  startDriftInvoker,
} from './drift-helpers';
import { remoteClusters } from './helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';

describe('e2e drift-check: membership', () => {
  let d: Drill;
  let di: DriftInvoker;
  before(async () => {
    d = await startDrill();
    di = await startDriftInvoker(d);
    await deliver(d);
  });
  after(async () => {
    await di?.close();
    await d?.stop();
  });

  it('a cluster detached from the Fleet in the console', async () => {
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      `fleet-association: cluster ${B}`,
      () => {
        detachInConsole(d.sb.world, B);
        assert.deepEqual(fleetMembers(d), [A]);
      },
      () => {
        d.sb.world.updateCluster(B, { attachedToFleet: true });
      },
    );
    assert.equal(diff.actual, 'not listed by DescribeManagedClusters');
    assert.equal(diff.safeToRepair, true, diff.why);
    assert.equal(diff.repair, 'reassociate');
  });

  it('a cluster removed from remote-clusters', async () => {
    const key = gatewayKeys(d.policy.gateway).remoteClusters;
    const edit = (members: string[]) => {
      const cfg = d.sb.fleet.store.get(
        'mse.alibabacloud.com/v1alpha1',
        'MseIngressConfig',
        undefined,
        d.policy.fleet.mseIngressConfig,
      )!;
      cfg.metadata.annotations = { ...cfg.metadata.annotations, [key]: members.join(',') };
      d.sb.fleet.store.update(cfg);
    };
    const diff = await assertReportedOnceThenResolved(
      d,
      di.invoker,
      `gateway-membership: cluster ${A}`,
      () => edit([B]),
      () => edit([A, B]),
    );
    assert.deepEqual(remoteClusters(d), [A, B]);
    assert.equal(diff.actual, 'not listed');
    assert.equal(diff.safeToRepair, true, 'a drift repair re-admits a healthy, unfenced cluster at weight 0');
    assert.equal(diff.repair, 'readmit');
  });

  it('`fleet-dr drift` prints the same report, text or --json, and says what is already reported', async () => {
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const saved = { ...process.env };
      Object.assign(process.env, d.env, {
        ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
      });
      try {
        const code = await main(['drift', '--config', d.env.FLEET_DR_POLICY!, ...argv], {
          stdout: { write: (c: string) => (out += c) },
          stderr: { write: (c: string) => (err += c) },
        });
        return { code, out, err };
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    };
    const clean = await cli();
    assert.equal(clean.code, 0, clean.err);
    assert.match(clean.out, /^drift: none/);
    detachInConsole(d.sb.world, B);
    await driftRun(di.invoker);
    const text = await cli();
    assert.equal(text.code, 1, text.err);
    assert.match(text.out, new RegExp(`fleet-association: cluster ${B}: expected associated with the Fleet`));
    assert.match(text.out, /1 already reported/);
    const json = await cli('--json');
    const report = JSON.parse(json.out) as {
      differences: Array<{ kind: string; reportedSince: string | null }>;
    };
    assert.deepEqual(
      report.differences.map((x) => [x.kind, typeof x.reportedSince]),
      [['fleet-association', 'string']],
    );
    d.sb.world.updateCluster(B, { attachedToFleet: true });
  });
});
