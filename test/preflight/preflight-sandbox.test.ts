/**
 * `fleet-dr preflight` against the sandbox (RAM and RBAC enforced; STS credentials of a role carrying the
 * functions' policy and the preflight-only grant; the alarm rules created by deploy/create-alarm-rules.ts):
 * the default sandbox (with fleet-dr-health-check deployed on the FC stand-in, run by the local invoker) passes
 * with only the documented WARN, asks the probes from the function, writes nothing, and a sandbox broken one way
 * at a time fails exactly the matching check, with its fix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../sandbox/kubernetes/index';
import { requestLedger } from '../../sandbox/ledger';
import { fleetRbacFor, type Sandbox } from '../../sandbox/start-sandbox';
import type { Policy } from '../../shared/config';
import { gatewayKeys } from '../../shared/gateway/annotations';
import {
  attachPreflightIdentity,
  createSandboxAlarmRules,
  failing,
  PREFLIGHT_CALLBACK_TOKEN,
  type PreflightSandbox,
  policyFile,
  runPreflightOn,
  startPreflightSandbox,
  warning,
} from './sandbox-helpers';

/** The WARN docs/preflight.md documents for the sandbox: what preflight cannot check there. */
const DOCUMENTED_WARNS = ['identity: write actions'];

describe('fleet-dr preflight against the sandbox', () => {
  let sb: Sandbox;
  let policy: Policy;
  let prepared: PreflightSandbox | undefined;
  before(async () => {
    prepared = await startPreflightSandbox();
    ({ sb, policy } = prepared);
  });
  after(async () => {
    await prepared?.stop();
  });

  it('the default sandbox: every check passes but the documented WARNs; exit 0; the table says what it does not prove', async () => {
    const r = await runPreflightOn(sb, policy);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(failing(r), []);
    assert.deepEqual(
      warning(r),
      DOCUMENTED_WARNS,
      JSON.stringify(r.checks.filter((c) => c.result === 'WARN')),
    );
    for (const g of ['identity', 'rbac', 'gateway', 'signals', 'clusters'])
      assert.ok(
        r.checks.some((c) => c.name.startsWith(`${g}:`) && c.result === 'PASS'),
        g,
      );
    const probes = r.checks.filter((c) => c.name.startsWith('signals: probe of '));
    assert.equal(probes.length, policy.clusters.flatMap((c) => c.probes).length);
    for (const row of probes) {
      assert.equal(row.result, 'PASS', row.evidence);
      assert.match(
        row.evidence,
        /asked from the health-check function fleet-dr-health-check \(cn-hangzhou\)/,
      );
    }
    const text = await runPreflightOn(sb, policy, false);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^RESULT\s+CHECK\s+EVIDENCE/);
    assert.match(text.stdout, /preflight: \d+ PASS, 1 WARN, 0 FAIL/);
    assert.ok(!text.stdout.includes(PREFLIGHT_CALLBACK_TOKEN), 'the callback token is never printed');
    assert.match(text.stdout, /token present: yes, matches FLEET_DR_CALLBACK_TOKEN: yes/);
    assert.match(text.stdout, /what this does not prove:/);
  });

  it('writes nothing: only SelfSubjectAccessReview creates on Kubernetes, only reads on the OpenAPI, one preflight-mode invoke', async () => {
    const mark = requestLedger.mark();
    const invoked = sb.cloud.fc.invocations.length;
    const messages = sb.cloud.dingtalk.messages().length;
    const r = await runPreflightOn(sb, policy);
    assert.equal(r.code, 0);
    assert.equal(sb.cloud.dingtalk.messages().length, messages, 'no DingTalk message without --notify-test');
    const seen = requestLedger.since(mark);
    const kube = seen.filter((e) => e.system === 'kubernetes');
    assert.ok(kube.length > 10, `saw ${kube.length} Kubernetes requests`);
    const kubeWrites = kube.filter(
      (e) => e.method !== 'GET' && !e.what.endsWith('/selfsubjectaccessreviews'),
    );
    assert.deepEqual(
      kubeWrites.map((e) => `${e.server} ${e.method} ${e.what}`),
      [],
    );
    assert.ok(kube.some((e) => e.method === 'POST' && e.what.endsWith('/selfsubjectaccessreviews')));
    const cloud = seen.filter((e) => e.system === 'openapi' || e.system === 'fc' || e.system === 'dingtalk');
    // The one FC request: the health-check invoked in its preflight mode (it probes; its own calls are in
    // `seen` too, and there are none that write: no PutCustomMetric, no decision).
    const cloudWrites = cloud.filter((e) => !/^(Describe|List|Get)/.test(e.what));
    assert.deepEqual(
      cloudWrites.map((e) => `${e.system} ${e.what} ${e.status}`),
      ['fc /2023-03-30/functions/fleet-dr-health-check/invocations 200'],
    );
    assert.deepEqual(
      sb.cloud.fc.invocations
        .slice(invoked)
        .map((i) => `${i.functionName} ${i.async ? 'async' : 'sync'} ${i.event.toString()} ${i.status}`),
      ['fleet-dr-health-check sync {"mode":"preflight"} succeeded'],
    );
    assert.ok(
      cloud.some((e) => e.what === 'DescribeClusterDetail'),
      'the OpenAPI calls are in the ledger by action',
    );
  });

  it('a RAM grant removed (cs:DescribeClusterDetail): only that identity row FAILs, naming the action and the fix', async () => {
    sb.cloud.ram.revoke('cs:DescribeClusterDetail');
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['identity: cs:DescribeClusterDetail']);
      const row = r.checks.find((c) => c.result === 'FAIL')!;
      assert.match(row.evidence, /denied: StatusForbidden/);
      assert.match(row.fix, /add "cs:DescribeClusterDetail" to the functions' RAM role policy/);
    } finally {
      attachPreflightIdentity(sb);
    }
  });

  it("the Fleet's kubeconfig refused by RAM: only that identity row FAILs; what needs the Fleet WARNs, unread", async () => {
    sb.cloud.ram.revoke('adcp:DescribeHubClusterKubeconfig');
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['identity: adcp:DescribeHubClusterKubeconfig']);
      for (const name of [
        'rbac: fleet c-fleet-demo configmaps in fleet-dr',
        'gateway: mseingressconfig ackone-gateway',
        'clusters: Argo CD applications Synced and Healthy',
      ])
        assert.equal(r.checks.find((c) => c.name === name)?.result, 'WARN', name);
    } finally {
      attachPreflightIdentity(sb);
    }
  });

  it('an RBAC verb removed on the Fleet (update on ingresses): only that rbac row FAILs, naming the manifest', async () => {
    const original = fleetRbacFor(sb.functionIdentity.user).fleet.find(
      (o) => o.kind === 'Role' && o.metadata.name === 'fleet-dr-canaries',
    ) as KubeObject & { rules: Array<{ verbs: string[] }> };
    const broken = JSON.parse(JSON.stringify(original)) as typeof original;
    broken.rules[0]!.verbs = broken.rules[0]!.verbs.filter((v) => v !== 'update');
    sb.fleet.store.upsert(broken);
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['rbac: fleet c-fleet-demo ingresses.networking.k8s.io in web-demo']);
      const row = r.checks.find((c) => c.result === 'FAIL')!;
      assert.match(row.evidence, /denied: update on ingresses\.networking\.k8s\.io in web-demo/);
      assert.match(
        row.fix,
        /deploy\/fleet-rbac\.yaml Role fleet-dr-canaries \(namespace web-demo\).*\[update\]/,
      );
    } finally {
      sb.fleet.store.upsert(original);
    }
  });

  it("a pin that matches nothing (zone pins, c-ack-az1's node relabelled): only that pin row FAILs", async () => {
    const zonePolicy: Policy = { ...policy, gateway: { ...policy.gateway, pin: 'zone' } };
    const clean = await runPreflightOn(sb, zonePolicy);
    assert.deepEqual(failing(clean), [], 'zone pins pass on the default sandbox');
    const member = sb.members.get('c-ack-az1')!;
    const node = member.store.list('v1', 'Node')[0]!;
    const moved = JSON.parse(JSON.stringify(node)) as KubeObject;
    moved.metadata.labels = { ...moved.metadata.labels, 'topology.kubernetes.io/zone': 'cn-hangzhou-x' };
    delete moved.metadata.resourceVersion;
    member.store.upsert(moved);
    try {
      const r = await runPreflightOn(sb, zonePolicy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['gateway: pin of c-ack-az1 for web-demo']);
      assert.match(r.checks.find((c) => c.result === 'FAIL')!.fix, /label the pods|gateway\.pin/);
    } finally {
      const now = member.store.list('v1', 'Node').find((n) => n.metadata.name === node.metadata.name)!;
      member.store.upsert({ ...now, metadata: { ...now.metadata, labels: node.metadata.labels } });
    }
  });

  it('a cluster missing from remote-clusters: only the remote-clusters row FAILs, naming the cluster', async () => {
    const key = gatewayKeys(policy.gateway).remoteClusters;
    const get = () =>
      sb.fleet.store.get(
        'mse.alibabacloud.com/v1alpha1',
        'MseIngressConfig',
        undefined,
        policy.fleet.mseIngressConfig,
      )!;
    const before = get();
    const value = before.metadata.annotations?.[key];
    sb.fleet.store.upsert({
      ...before,
      metadata: { ...before.metadata, annotations: { ...before.metadata.annotations, [key]: 'c-ack-az1' } },
    });
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['gateway: remote-clusters of ackone-gateway']);
      const row = r.checks.find((c) => c.result === 'FAIL')!;
      assert.match(row.evidence, /c-reg-az2 not listed/);
      assert.match(row.fix, /add c-reg-az2 to the annotation/);
    } finally {
      const now = get();
      sb.fleet.store.upsert({
        ...now,
        metadata: { ...now.metadata, annotations: { ...now.metadata.annotations, [key]: value ?? '' } },
      });
    }
  });

  it("a probe URL unreachable (zone az1 dead): only that cluster's probe row FAILs", async () => {
    await sb.zones.fault('az1', 'dead');
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      const probe = policy.clusters.find((c) => c.id === 'c-ack-az1')!.probes[0]!.url;
      assert.deepEqual(failing(r), [`signals: probe of c-ack-az1 ${probe}`]);
      assert.match(
        r.checks.find((c) => c.result === 'FAIL')!.evidence,
        /asked from the health-check function fleet-dr-health-check/,
      );
    } finally {
      await sb.zones.fault('az1', 'heal');
    }
  });

  it('an alarm rule with the wrong webhook URL: only the alarm-rules row FAILs, token not printed', async () => {
    const file = policyFile(policy);
    try {
      await createSandboxAlarmRules(sb, file.path, 'http://127.0.0.1:9/someone-else');
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['signals: alarm rules call alarm-failover']);
      const row = r.checks.find((c) => c.result === 'FAIL')!;
      assert.match(
        row.evidence,
        /calls http:\/\/127\.0\.0\.1:9\/someone-else .*not http:\/\/127\.0\.0\.1:9\/fleet-dr-alarm-failover/,
      );
      assert.match(row.fix, /deploy\/create-alarm-rules\.ts --callback-url/);
      assert.ok(!JSON.stringify(r.checks).includes(PREFLIGHT_CALLBACK_TOKEN));
    } finally {
      await createSandboxAlarmRules(sb, file.path);
      file.done();
    }
  });

  it("without the preflight-only grant: the alarm-rules and version rows WARN 'not readable', naming the grant", async () => {
    sb.cloud.ram.resetRolePolicy();
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 0, r.stdout);
      assert.deepEqual(failing(r), []);
      for (const name of [
        'signals: alarm rules call alarm-failover',
        'gateway: version supports service-subset',
      ]) {
        const row = r.checks.find((c) => c.name === name)!;
        assert.equal(row.result, 'WARN', name);
        assert.match(row.evidence, /not readable with these credentials/);
        assert.match(row.fix, /deploy\/ram-policy-preflight\.json/);
      }
    } finally {
      attachPreflightIdentity(sb);
    }
  });

  it('an old gateway version: only the version row FAILs, with the upgrade', async () => {
    const gw = sb.cloud.mse.gateways[0]!;
    const was = gw.gatewayVersion;
    gw.gatewayVersion = '1.2.24';
    try {
      const r = await runPreflightOn(sb, policy);
      assert.equal(r.code, 1);
      assert.deepEqual(failing(r), ['gateway: version supports service-subset']);
      const row = r.checks.find((c) => c.result === 'FAIL')!;
      assert.match(row.evidence, /runs 1\.2\.24; service-subset needs 1\.2\.25 or later/);
      assert.match(row.fix, /upgrade the MSE gateway/);
    } finally {
      gw.gatewayVersion = was;
    }
  });

  it('--write-test: dry-runs every canary, the state ConfigMap and the MseIngressConfig; nothing is stored', async () => {
    const stored = () =>
      [
        ...policy.routes.flatMap((r) => sb.fleet.store.list('networking.k8s.io/v1', 'Ingress', r.namespace)),
        ...sb.fleet.store.list('v1', 'ConfigMap', policy.fleet.stateNamespace),
        ...sb.fleet.store.list('mse.alibabacloud.com/v1alpha1', 'MseIngressConfig'),
      ].map(
        (o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} rv ${o.metadata.resourceVersion}`,
      );
    const before = stored();
    const mark = requestLedger.mark();
    const r = await runPreflightOn(sb, policy, true, ['--write-test']);
    assert.equal(r.code, 0, r.stdout);
    const rows = r.checks.filter((c) => c.name.startsWith('writes: '));
    assert.deepEqual(
      rows.map((c) => `${c.result} ${c.name}`),
      [
        ...policy.routes.map((route) => `PASS writes: canaries of ${route.name}`),
        `PASS writes: state configmap ${policy.fleet.stateNamespace}/fleet-dr-routing-state`,
        `PASS writes: mseingressconfig ${policy.fleet.mseIngressConfig}`,
      ],
    );
    const writes = requestLedger
      .since(mark)
      .filter(
        (e) =>
          e.system === 'kubernetes' && e.method !== 'GET' && !e.what.endsWith('/selfsubjectaccessreviews'),
      );
    for (const kind of ['/ingresses', '/configmaps', '/mseingressconfigs'])
      assert.ok(
        writes.some((e) => e.what.includes(kind) && e.status! < 300),
        `a dry-run write to ${kind}`,
      );
    assert.equal(
      writes.length,
      policy.clusters.length * policy.routes.length + 2,
      writes.map((e) => e.what).join(', '),
    );
    assert.deepEqual(stored(), before, 'the Fleet stored nothing (same objects, same resourceVersions)');
  });

  it('--write-test=live without --test-path is refused (a usage error: exit 2 through main)', async () => {
    const r = await runPreflightOn(sb, policy, false, ['--write-test=live']).catch((e: Error) => e);
    assert.ok(r instanceof Error && /--write-test=live needs --test-path/.test(r.message), String(r));
    const bad = await runPreflightOn(sb, policy, false, ['--write-test=live', '--test-path', 'x y']).catch(
      (e: Error) => e,
    );
    assert.ok(bad instanceof Error && /--test-path must be a URL path/.test(bad.message), String(bad));
  });

  it('--notify-test: exactly one message reaches the robot (signature and keyword accepted)', async () => {
    const before = sb.cloud.dingtalk.messages().length;
    const r = await runPreflightOn(sb, policy, true, ['--notify-test']);
    assert.equal(r.code, 0, r.stdout);
    const row = r.checks.find((c) => c.name.startsWith('notify: '))!;
    assert.equal(row.result, 'PASS', row.evidence);
    assert.equal(sb.cloud.dingtalk.messages().length, before + 1);
  });
});
