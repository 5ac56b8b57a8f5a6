/**
 * `fleet-dr preflight` against the sandbox, the parts that need the deployed health-check or write for real:
 * the probes asked from the function and the fallback to this host (saying why), and `--write-test=live` (a
 * weight-0 canary created and removed on a test path: accepted, picked up by the gateway stand-in's routing
 * table, no traffic moved, nothing left behind, even when the create is refused).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FunctionNotFoundError } from '../../sandbox/cloud/fc';
import { buildRoutingTable, type RoutingTable } from '../../sandbox/gateway/index';
import type { KubeObject } from '../../sandbox/kubernetes/index';
import { requestLedger } from '../../sandbox/ledger';
import type { Sandbox } from '../../sandbox/start-sandbox';
import type { Policy } from '../../shared/config';
import { HEALTH_CHECK_FUNCTION } from '../../shared/preflight/probe-from';
import { LIVE_TEST_NAME, liveTestRbac } from '../../shared/preflight/write-live';
import {
  attachPreflightIdentity,
  type DeployedHealthCheck,
  failing,
  type PreflightSandbox,
  runPreflightOn,
  startPreflightSandbox,
  warning,
} from './sandbox-helpers';

const FALLBACK_ROW = 'signals: probes asked from the health-check function';
const LIVE_ROW = 'writes: live canary at weight 0';
const TEST_PATH = '/fleet-dr-preflight';
const INGRESS = 'networking.k8s.io/v1';

describe('fleet-dr preflight: probes from the health-check function, and --write-test=live', () => {
  let sb: Sandbox;
  let policy: Policy;
  let fn: DeployedHealthCheck | undefined;
  let prepared: PreflightSandbox | undefined;
  before(async () => {
    prepared = await startPreflightSandbox();
    ({ sb, policy, fn } = prepared);
  });
  after(async () => {
    await prepared?.stop();
  });

  const probeRows = (r: { checks: Array<{ name: string; result: string; evidence: string }> }) =>
    r.checks.filter((c) => c.name.startsWith('signals: probe of '));

  it('the function itself: {"mode":"preflight"} answers each probe and calls no cloud API; another mode is refused', async () => {
    const mark = requestLedger.mark();
    const r = await fn!.invoker.invoke(HEALTH_CHECK_FUNCTION, { mode: 'preflight' });
    assert.equal(r.error, undefined);
    const answer = JSON.parse(r.payload.toString('utf8')) as {
      mode: string;
      probes: Array<{ clusterId: string }>;
    };
    assert.equal(answer.mode, 'preflight');
    assert.deepEqual(
      answer.probes.map((p) => p.clusterId),
      policy.clusters.flatMap((c) => c.probes.map(() => c.id)),
    );
    // The sandbox's gateway polls the Kubernetes APIs with GETs meanwhile: what the function would do is a
    // cloud call (a metric, the decision's reads) or a Kubernetes write.
    const calls = requestLedger
      .since(mark)
      .filter((e) => (e.system === 'kubernetes' ? e.method !== 'GET' : e.system !== 'zone'));
    assert.deepEqual(
      calls.map((e) => `${e.system} ${e.what}`),
      [],
      'no metric published, no decision read or written',
    );
    const bad = await fn!.invoker.invoke(HEALTH_CHECK_FUNCTION, { mode: 'failover' });
    const body = JSON.parse(bad.payload.toString('utf8')) as { error: string; status: number };
    assert.equal(body.status, 400);
    assert.match(body.error, /must be exactly \{"mode":"preflight"\}/);
  });

  it('fc:InvokeFunction not granted: probes asked from this host, and a WARN that names the denial and the grant', async () => {
    sb.cloud.ram.revoke('fc:InvokeFunction');
    try {
      const r = await runPreflightOn(sb, policy);
      assert.deepEqual(failing(r), []);
      assert.ok(warning(r).includes(FALLBACK_ROW), warning(r).join(', '));
      const row = r.checks.find((c) => c.name === FALLBACK_ROW)!;
      assert.match(row.evidence, /fc:InvokeFunction on fleet-dr-health-check was denied \(AccessDenied\)/);
      assert.match(row.fix, /deploy\/ram-policy-preflight\.json/);
      for (const p of probeRows(r)) {
        assert.equal(p.result, 'PASS', p.evidence);
        assert.match(p.evidence, /asked from host .*, where preflight runs/);
      }
    } finally {
      attachPreflightIdentity(sb);
    }
  });

  it('the function not deployed: a WARN that says so; the probes still judged from this host', async () => {
    sb.cloud.fc.setDispatcher(async (inv) => {
      throw new FunctionNotFoundError(inv.functionName);
    });
    try {
      const r = await runPreflightOn(sb, policy);
      const row = r.checks.find((c) => c.name === FALLBACK_ROW);
      assert.equal(row?.result, 'WARN');
      assert.match(
        row!.evidence,
        /fleet-dr-health-check is not deployed in this region \(FunctionNotFound\)/,
      );
      assert.ok(probeRows(r).every((p) => p.result === 'PASS' && /asked from host /.test(p.evidence)));
    } finally {
      sb.cloud.fc.setDispatcher(fn!.invoker.dispatcher);
    }
  });

  it('--probe-from here: asked from this host on purpose, no WARN, no invoke', async () => {
    const invoked = sb.cloud.fc.invocations.length;
    const r = await runPreflightOn(sb, policy, true, ['--probe-from', 'here']);
    assert.equal(r.code, 0, r.stdout);
    assert.ok(!warning(r).includes(FALLBACK_ROW));
    assert.ok(probeRows(r).every((p) => p.result === 'PASS' && /asked from host /.test(p.evidence)));
    assert.equal(sb.cloud.fc.invocations.length, invoked);
    const bad = await runPreflightOn(sb, policy, true, ['--probe-from', 'vpc']).catch((e: Error) => e);
    assert.ok(bad instanceof Error && /--probe-from must be function/.test(bad.message));
  });

  it('the function asked, a zone unreachable: exactly that probe row FAILs, asked from the function', async () => {
    await sb.zones.fault('az1', 'dead');
    try {
      const r = await runPreflightOn(sb, policy);
      const url = policy.clusters.find((c) => c.id === 'c-ack-az1')!.probes[0]!.url;
      assert.deepEqual(failing(r), [`signals: probe of c-ack-az1 ${url}`]);
      assert.ok(!warning(r).includes(FALLBACK_ROW));
      for (const p of probeRows(r)) assert.match(p.evidence, /asked from the health-check function/);
    } finally {
      await sb.zones.fault('az1', 'heal');
    }
  });

  /** The route namespace's Ingresses as stored (name and resourceVersion). */
  const stored = () =>
    sb.fleet.store
      .list(INGRESS, 'Ingress', policy.routes[0]!.namespace)
      .map((o) => `${o.metadata.name} rv ${o.metadata.resourceVersion}`)
      .sort();

  /** Runs `--write-test=live` while recording the Fleet store's Ingress events. */
  async function runLive() {
    const events: Array<{ type: string; obj: KubeObject }> = [];
    const stop = sb.fleet.store.watch(INGRESS, 'Ingress', (type, obj) =>
      events.push({ type, obj: JSON.parse(JSON.stringify(obj)) as KubeObject }),
    );
    try {
      const r = await runPreflightOn(sb, policy, true, ['--write-test=live', '--test-path', TEST_PATH]);
      return { r, events, row: r.checks.find((c) => c.name === LIVE_ROW)! };
    } finally {
      stop();
    }
  }

  it('without delete on Ingresses (the functions\u2019 RBAC): FAILs before writing anything', async () => {
    const before = stored();
    const { r, events, row } = await runLive();
    assert.equal(r.code, 1);
    assert.deepEqual(failing(r), [LIVE_ROW]);
    assert.match(row.evidence, /may not delete Ingresses in web-demo/);
    assert.match(row.fix, /docs\/preflight\.md/);
    assert.deepEqual(events, []);
    assert.deepEqual(stored(), before);
  });

  describe('with the live-test grant', () => {
    const ns = () => policy.routes[0]!.namespace;
    before(() => {
      for (const o of liveTestRbac(ns(), sb.functionIdentity.user)) sb.fleet.store.upsert(o as KubeObject);
    });
    after(() => {
      for (const o of liveTestRbac(ns(), sb.functionIdentity.user))
        sb.fleet.store.delete(o.apiVersion, o.kind, ns(), o.metadata.name);
    });

    const table = (ingresses: KubeObject[]): RoutingTable =>
      buildRoutingTable({
        ingresses,
        mseIngressConfig: sb.fleet.store.get(
          'mse.alibabacloud.com/v1alpha1',
          'MseIngressConfig',
          undefined,
          policy.fleet.mseIngressConfig,
        ),
        endpoints: [],
        keys: policy.gateway,
      });

    it('creates a weight-0 canary the gateway picks up, moves no traffic, removes it: PASS, nothing left', async () => {
      const before = stored();
      const { r, events, row } = await runLive();
      assert.equal(r.code, 0, r.stdout);
      assert.equal(row.result, 'PASS', row.evidence);
      assert.match(row.evidence, /created fleet-dr-preflight-fleet-dr-c-ack-az1 \(canary-weight 0/);
      const canary = `${LIVE_TEST_NAME}-fleet-dr-c-ack-az1`;
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.obj.metadata.name}`).sort(),
        [
          `ADDED ${LIVE_TEST_NAME}`,
          `ADDED ${canary}`,
          `DELETED ${LIVE_TEST_NAME}`,
          `DELETED ${canary}`,
        ].sort(),
      );
      assert.deepEqual(stored(), before, 'nothing left, nothing else touched');
      // The gateway stand-in's routing table with what was created: the canary attaches to the test path at
      // weight 0, and every other route's split is the one it had.
      const now = sb.fleet.store.list(INGRESS, 'Ingress');
      const added = events.filter((e) => e.type === 'ADDED').map((e) => e.obj);
      const withTest = table([...now, ...added]);
      const testRoute = withTest.routes.find((x) => x.path === TEST_PATH);
      assert.ok(testRoute, 'the gateway routes the test path');
      assert.deepEqual(
        testRoute.canaries.map((c) => `${c.weight}/${c.weightTotal}`),
        ['0/100'],
      );
      const others = (t: RoutingTable) =>
        JSON.stringify(t.routes.filter((x) => x.path !== TEST_PATH).map((x) => [x.host, x.path, x.canaries]));
      assert.equal(others(withTest), others(table(now)), 'no other route changed');
    });

    it('an Ingress of the test name owned by someone else: FAILs, and it is left alone', async () => {
      const theirs = {
        apiVersion: INGRESS,
        kind: 'Ingress',
        metadata: { name: LIVE_TEST_NAME, namespace: ns() },
        spec: {
          ingressClassName: 'mse',
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/theirs',
                    pathType: 'Exact',
                    backend: { service: { name: 'theirs', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      } as unknown as KubeObject;
      sb.fleet.store.upsert(theirs);
      try {
        const before = stored();
        const { r, row } = await runLive();
        assert.deepEqual(failing(r), [LIVE_ROW]);
        assert.match(row.evidence, /refused: .*already exists|refused: .*409/);
        assert.deepEqual(stored(), before, 'theirs is still there, nothing else is');
      } finally {
        sb.fleet.store.delete(INGRESS, 'Ingress', ns(), LIVE_TEST_NAME);
      }
    });

    it('the create refused (the API server fails it): FAILs with the error and leaves nothing behind', async () => {
      const before = stored();
      const clear = sb.fleet.failRequests({
        verb: 'create',
        plural: 'ingresses',
        name: `${LIVE_TEST_NAME}-fleet-dr-c-ack-az1`,
      });
      try {
        const { r, events, row } = await runLive();
        assert.equal(r.code, 1);
        assert.deepEqual(failing(r), [LIVE_ROW]);
        assert.match(row.evidence, /refused: .*500|refused: .*InternalError/);
        assert.match(row.evidence, /removed what was created/);
        assert.deepEqual(
          events.map((e) => `${e.type} ${e.obj.metadata.name}`),
          [`ADDED ${LIVE_TEST_NAME}`, `DELETED ${LIVE_TEST_NAME}`],
        );
        assert.deepEqual(stored(), before);
      } finally {
        clear();
      }
    });
  });
});
