// The deployment guide (deploy/README.md), walked in order against the sandbox, each step the guide's own
// command (with the sandbox's values where the guide says so), ending with an alarm reaching
// fleet-dr-alarm-failover. Steps that need the real cloud (aliyun ram/adcp, `s deploy` itself) are not run.
// The RBAC is applied with the guide's own commands to the Fleet and to each member (the stand-ins serve and
// enforce RBAC), after removing the copy the sandbox seeded, so the guide's commands are what grant it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { DRILL_TOKEN } from '../../sandbox/drill/drill-env';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { type SandboxFunctions, startSandboxFunctions } from '../../sandbox/drill/sandbox-functions';

/** The fields of an RBAC document the walk reads. */
interface RbacDoc {
  kind: string;
  metadata: { namespace?: string; labels?: Record<string, string> };
  subjects?: Array<{ name: string }>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const guide = readFileSync(join(root, 'deploy/README.md'), 'utf8');

/** Runs a shell command from the project root, as a user following the guide would. */
function sh(
  command: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-o', 'pipefail', '-c', command],
      { cwd: root, env, timeout: 600_000, maxBuffer: 32 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The guide's command that starts with `prefix` (the first line of a fenced block), continuation lines joined. */
function guideCommand(prefix: string): string {
  const lines = guide.split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, `deploy/README.md has a command starting ${prefix}`);
  let cmd = lines[i]!;
  for (let j = i + 1; cmd.trimEnd().endsWith('\\'); j++)
    cmd = `${cmd.trimEnd().slice(0, -1)} ${lines[j]!.trim()}`;
  return cmd.replace(/\s+#.*$/, '');
}

describe('deploy/README.md walked in order against the sandbox', { timeout: 900_000 }, () => {
  let fns: SandboxFunctions;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-guide-'));
  const dist = join(dir, 'dist');
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fns = await startSandboxFunctions({ alarmRules: false });
    const sb = fns.drill.sb;
    env = {
      ...process.env,
      FLEET_DR_REGION: fns.drill.policy.region,
      FLEET_DR_ACCOUNT_ID: sb.cloud.fc.accountId,
      FLEET_DR_FLEET_ID: fns.drill.policy.fleet.id,
      FLEET_DR_ROLE_ARN: `acs:ram::${sb.cloud.fc.accountId}:role/fleet-dr`,
      FLEET_DR_ROLE_ID: '300000000000000001',
      FLEET_KUBECONFIG: sb.fleet.kubeconfigPath,
      KUBECACHEDIR: join(dir, 'kube-cache'),
      HOME: dir,
      CI: 'true',
    };
  });
  after(async () => {
    await fns?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('3. creates the state namespace on the Fleet (idempotent)', async () => {
    const cmd = guideCommand('kubectl --kubeconfig "$FLEET_KUBECONFIG" create namespace fleet-dr');
    for (let i = 0; i < 2; i++) {
      const r = await sh(cmd, env);
      assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
    }
    assert.ok(fns.drill.sb.fleet.store.get('v1', 'Namespace', undefined, 'fleet-dr'));
  });

  it('4-5. renders the RBAC with the subject from the variable, Fleet and member documents apart', async () => {
    env.FLEET_DR_RBAC_USER = env.FLEET_DR_ROLE_ID;
    // The guide's command up to the pipe into kubectl: what it renders.
    const render = guideCommand('sed "s/').split(' | kubectl')[0]!;
    const r = await sh(render, env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(
      r.stdout.replace(/^#.*$/gm, ''),
      /\$\{|fleet-dr-function-role/,
      'no placeholder left',
    );
    const docs = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as RbacDoc)
      .filter(Boolean);
    const subjects = docs.flatMap((d) => d.subjects ?? []);
    assert.ok(subjects.length >= 4);
    for (const s of subjects) assert.equal(s.name, env.FLEET_DR_ROLE_ID);
    const member = docs.filter((d) => d.metadata?.labels?.['fleet-dr.io/apply-to'] === 'member-clusters');
    assert.ok(member.some((d) => d.kind === 'Role') && member.some((d) => d.kind === 'RoleBinding'));
    assert.ok(
      docs.some((d) => d.kind === 'Role' && d.metadata.namespace === 'fleet-dr' && !d.metadata.labels),
    );
    assert.match(guide, /apply -l '!fleet-dr\.io\/apply-to' -f -/);
    assert.match(guide, /apply -l fleet-dr\.io\/apply-to=member-clusters -f -/);
  });

  it('4-5. applies it with the guide’s commands: the Fleet documents to the Fleet, the member Role to each member', async () => {
    const sb = fns.drill.sb;
    const rbac = 'rbac.authorization.k8s.io/v1';
    // The sandbox seeded the same documents: remove them, so what is there afterwards is what the guide applied.
    sb.fleet.store.delete(rbac, 'RoleBinding', 'fleet-dr', 'fleet-dr-state');
    const fleet = await sh(guideCommand('sed "s/'), env);
    assert.equal(fleet.code, 0, fleet.stderr);
    const binding = sb.fleet.store.get(rbac, 'RoleBinding', 'fleet-dr', 'fleet-dr-state') as
      | RbacDoc
      | undefined;
    assert.deepEqual(
      binding?.subjects?.map((x) => x.name),
      [env.FLEET_DR_ROLE_ID],
    );
    assert.match(guide, /for kc in [^\n]*; do\n {2}sed "s\//, 'the member loop');
    const inner = guideCommand('  sed "s/');
    for (const [id, m] of sb.members) {
      const r = await sh(inner.replace(/"\$kc"/g, `"${m.kubeconfigPath}"`), env);
      assert.equal(r.code, 0, `${id}: ${r.stderr}`);
      assert.ok(m.store.get(rbac, 'Role', 'web-demo', 'fleet-dr-member-reader'), `${id} has the member Role`);
      assert.equal(
        m.store.get(rbac, 'Role', 'fleet-dr', 'fleet-dr-state'),
        undefined,
        `${id} gets no Fleet document`,
      );
    }
  });

  it('7. the policy validates', async () => {
    const r = await sh(guideCommand('npx fleet-dr check-config deploy/policy.yaml'), env);
    assert.equal(r.code, 0, r.stderr);
  });

  it('8-10. npm run deploy refuses without bundles, the build makes them, then it would deploy', async () => {
    const check = `node scripts/deploy.mjs --check --dist ${dist}`;
    const before = await sh(check, env);
    assert.equal(before.code, 1);
    assert.match(before.stderr, /is missing[\s\S]*run `npm run build` first/);
    assert.match(guideCommand('npm run build'), /^npm run build$/);
    const build = await sh(`node scripts/build.mjs --outdir ${dist}`, env);
    assert.equal(build.code, 0, build.stderr);
    assert.equal((await sh(check, env)).code, 0);
    // A bundle older than the sources is refused too.
    const old = new Date(Date.now() - 365 * 86_400_000);
    utimesSync(join(dist, 'notify', 'index.mjs'), old, old);
    const stale = await sh(check, env);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /notify\/index\.mjs is older than/);
    assert.match(guideCommand('npm run deploy'), /^npm run deploy$/);
  });

  it('9. npm run preview shows the deployment without a secret value', async () => {
    const secrets = {
      FLEET_DR_VPC_ID: 'vpc-demo',
      FLEET_DR_VSWITCH_ID_A: 'vsw-az1',
      FLEET_DR_VSWITCH_ID_B: 'vsw-az2',
      FLEET_DR_SECURITY_GROUP_ID: 'sg-demo',
      FLEET_DR_CALLBACK_TOKEN: 'guide-walk-callback-token-0123456789abcdef',
      FLEET_DR_OPERATOR_KEYS: 'alice-1:alice:guide-walk-operator-secret-0123456789:*',
      FLEET_DR_DINGTALK_TOKEN: 'guide-walk-dingtalk-token-0123456789',
      FLEET_DR_DINGTALK_SECRET: 'SECguide-walk-dingtalk-secret-0123456789',
    };
    assert.match(guideCommand('npm run preview'), /^npm run preview$/);
    const r = await sh('node scripts/preview.mjs', { ...env, ...secrets });
    assert.equal(r.code, 0, r.stderr);
    for (const [k, v] of Object.entries(secrets).filter(([k]) => !/VPC|VSWITCH|SECURITY_GROUP/.test(k))) {
      assert.ok(!`${r.stdout}${r.stderr}`.includes(v), `${k}'s value is not printed`);
      assert.ok(r.stdout.includes(`<redacted: ${k}>`), `${k} is shown redacted`);
    }
    assert.match(r.stdout, /fleet-dr-alarm-failover/);
  });

  it('11. the alarm rules, created with --sandbox-endpoint, reach alarm-failover when a zone dies', async () => {
    const sb = fns.drill.sb;
    const create = guideCommand('node --import tsx deploy/create-alarm-rules.ts \\').replace(
      ' --contact-group fleet-dr',
      ` --contact-group fleet-dr --sandbox-endpoint ${sb.cloud.endpoints.cms} --policy ${fns.drill.env.FLEET_DR_POLICY}`,
    );
    const r = await sh(create, {
      ...env,
      FLEET_DR_ALARM_URL: fns.alarmUrl,
      FLEET_DR_CALLBACK_TOKEN: DRILL_TOKEN,
      ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
    });
    assert.equal(r.code, 0, `${create}\n${r.stderr}`);
    assert.ok(!r.stdout.includes(DRILL_TOKEN), 'the token is never printed');
    const rule = sb.cloud.cms.rules().find((x) => x.ruleId === 'fleet-dr-probe-c-ack-az1');
    assert.ok(rule, 'the probe-metric rule of AZ1');
    assert.equal(
      rule.namespace,
      sb.cloud.cms.customNamespace,
      'on the namespace the health-check publishes to',
    );
    assert.equal(rule.metricName, fns.drill.policy.detection.probeMetricNames[0]);

    const since = Date.now();
    await sb.zones.fault('c-ack-az1', 'dead');
    await waitFor(
      'the probe-metric alarm of AZ1',
      () =>
        sb.cloud.cms.alertLog.find((e) => e.ruleId === rule.ruleId && e.state === 'ALERT' && e.at >= since),
      240_000,
      200,
    );
    const reached = await waitFor(
      'alarm-failover to take the alarm',
      () =>
        fns.drill.invoker.invocations.find(
          (i) =>
            i.functionName === 'fleet-dr-alarm-failover' &&
            i.payload.toString('utf8').includes('ALERT on c-ack-az1'),
        ),
      60_000,
      200,
    );
    assert.equal(reached.error, undefined);
  });
});
