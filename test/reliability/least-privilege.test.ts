/**
 * Least privilege, derived from what the functions did: a representative scenario (a failover, a cluster
 * event, a forced drift check, a health-check run, the zone healed and a failback step, the notify timer) with
 * the stand-ins' authorisation decisions recorded (SANDBOX_AUTHZ_LOG: the RAM authorizer logs every call of
 * the functions' STS role, the Kubernetes stand-ins every request of the role's RBAC user). Then:
 * - called ⊆ granted, strictly: every action and verb the role used is granted by deploy/ram-policy.json or
 *   deploy/fleet-rbac.yaml, and nothing was denied;
 * - granted ⊆ called, as far as one scenario goes: the grants it never exercised are printed, and must be
 *   exactly the allow-list below, each with the reason it is not exercised here and where it is.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { evaluatePolicy, type RamPolicyDocument, SANDBOX_FUNCTION_ROLE } from '../../sandbox/cloud/ram';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import { alarmForm, invokeCallback } from '../e2e/helpers';
import {
  captureAuthz,
  FN,
  fromEvent,
  operatorRequest,
  type RbacCall,
  timer,
  verdictsUp,
} from './reliability-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const deployFile = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../deploy/${name}`, import.meta.url)), 'utf8');

/**
 * Grants the scenario does not exercise, each with the reason. A grant that starts being used, or a new grant
 * nobody uses, changes this list on purpose.
 */
const UNEXERCISED: Record<string, string> = {
  'adcp:AttachClusterToHub':
    're-association of a healthy cluster found off the Fleet; covered by test/e2e/cluster-event-reassociate.test.ts',
  'cms:PutCustomMetric':
    'probe metrics, published after a health-check round that outlasts this short run; covered by test/e2e/health-check-holds.test.ts',
  'fleet: update mse.alibabacloud.com/mseingressconfigs':
    'a change of the gateway membership (remote-clusters); covered by test/e2e/cluster-event-reassociate.test.ts and drift-membership.test.ts',
  'fleet: update networking.k8s.io/ingresses in web-demo':
    'rewriting an existing canary (a failback step once the healed zone reads up); covered by test/e2e/operator-failback.test.ts',
  'member: list core/nodes':
    'the pin check of a `gateway.pin: zone` policy (the sandbox policy pins otherwise); covered by test/gateway/pin-settings.test.ts',
};

interface Rule {
  where: string;
  namespace?: string;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The rules of deploy/fleet-rbac.yaml, per Role (namespaced) or ClusterRole, Fleet or member clusters. */
function rbacRules(): Rule[] {
  const out: Rule[] = [];
  for (const doc of parseAllDocuments(deployFile('fleet-rbac.yaml'))) {
    const o = doc.toJS() as {
      kind: string;
      metadata: { name: string; namespace?: string; labels?: Record<string, string> };
      rules?: Omit<Rule, 'where' | 'namespace'>[];
    };
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') continue;
    const where = o.metadata.labels?.['fleet-dr.io/apply-to'] === 'member-clusters' ? 'member' : 'fleet';
    for (const r of o.rules ?? []) out.push({ ...r, where, namespace: o.metadata.namespace });
  }
  return out;
}

const has = (list: string[] | undefined, v: string) => !list || list.includes('*') || list.includes(v);

function allows(rule: Rule, c: RbacCall): boolean {
  return (
    (rule.namespace === undefined || rule.namespace === c.namespace) &&
    has(rule.apiGroups, c.group) &&
    has(rule.resources, c.resource) &&
    has(rule.verbs, c.verb) &&
    (!rule.resourceNames || (c.name !== undefined && rule.resourceNames.includes(c.name)))
  );
}

const grantName = (r: Rule, verb: string, resource: string) =>
  `${r.where}: ${verb} ${r.apiGroups.join(',') || 'core'}/${resource}${r.namespace ? ` in ${r.namespace}` : ''}`;

describe('reliability: least privilege, derived from the calls', () => {
  let d: Drill;
  before(async () => {
    d = await startDrill();
  });
  after(async () => {
    await d?.stop();
  });

  it('every call is granted; the grants left unused are exactly the documented ones', async () => {
    const authz = captureAuthz();
    try {
      // Failover: verdicts up, the zone blackholed, an alarm.
      await waitFor('both clusters to read up', async () => {
        const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(B, 'OK'));
        assert.equal(r.body.decision, 'hold', r.body.reason);
        return verdictsUp(d, [A, B]) || undefined;
      });
      await d.sb.zones.fault(A, 'blackhole');
      const failover = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(A, 'ALERT'));
      assert.equal(failover.body.decision, 'shift', failover.body.reason);
      await waitFor('the failover message', () =>
        d.sb.cloud.dingtalk.messages().some((m) => JSON.stringify(m.body).includes(A)),
      );
      // A cluster event about the failed zone's node.
      const event = JSON.parse(
        readFileSync(
          fileURLToPath(new URL('../../events/eventbridge-cs/k8s-node-not-ready.json', import.meta.url)),
          'utf8',
        ),
      ) as Record<string, unknown>;
      const ce = fromEvent(
        await d.invoker.invoke(FN.clusterEvent, { ...event, id: 'lp-1', time: new Date().toISOString() }),
      );
      assert.equal(ce.fcError, undefined, ce.text);
      // A forced drift check and a short health-check run (probe metrics).
      const drift = fromEvent(await d.invoker.invoke(FN.drift, { force: true }));
      assert.equal(drift.fcError, undefined, drift.text);
      const health = fromEvent(
        await d.invoker.invoke(FN.health, timer('health-check', JSON.stringify({ maxRunSeconds: 3 }))),
      );
      assert.equal(health.fcError, undefined, health.text);
      // The zone heals; an operator's status, a failback dry run and a step; the notify timer.
      await d.sb.zones.fault(A, 'heal');
      const status = await operatorRequest(d, 'GET', '/status', '');
      assert.equal(status.status, 200, status.text);
      const dry = await operatorRequest(
        d,
        'POST',
        '/failback',
        JSON.stringify({ cluster: A, mode: 'dryRun' }),
      );
      assert.ok((dry.status ?? 500) < 500, dry.text);
      const step = await operatorRequest(
        d,
        'POST',
        '/failback',
        JSON.stringify({ cluster: A, mode: 'step', reason: 'least-privilege scenario', step: 1 }),
      );
      assert.ok((step.status ?? 500) < 500, step.text);
      const notify = fromEvent(await d.invoker.invoke(FN.notify, timer('drain-outbox')));
      assert.equal(notify.fcError, undefined, notify.text);
      await d.invoker.idle();
      await d.sb.cloud.fc.drain();
      await d.invoker.idle();
    } finally {
      authz.stop();
    }

    // RAM: called ⊆ granted.
    const doc = JSON.parse(deployFile('ram-policy.json')) as RamPolicyDocument;
    assert.deepEqual(d.sb.cloud.ram.denials(), [], 'RAM denied nothing');
    const notAllowed = authz.ram.filter(
      (c) => c.decision !== 'Allow' || evaluatePolicy(doc, c.action, c.resource) !== 'Allow',
    );
    assert.deepEqual(notAllowed, [], 'every RAM call of the role is allowed by deploy/ram-policy.json');
    const calledActions = new Set(authz.ram.map((c) => c.action));
    // RBAC: called ⊆ granted, by the role's user only.
    const rules = rbacRules();
    const users = new Set(authz.rbac.map((c) => c.user));
    assert.deepEqual([...users], [SANDBOX_FUNCTION_ROLE.id], 'the functions act as their role only');
    const denied = authz.rbac.filter((c) => !c.allowed || !rules.some((r) => allows(r, c)));
    assert.deepEqual(denied, [], 'every Kubernetes request of the role is allowed by deploy/fleet-rbac.yaml');

    // granted ⊆ called: what the scenario never used.
    const grantedActions = doc.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    );
    const unused = grantedActions.filter(
      (a) => ![...calledActions].some((c) => c.toLowerCase() === a.toLowerCase()),
    );
    for (const r of rules)
      for (const verb of r.verbs)
        for (const resource of r.resources) {
          const used = authz.rbac.some((c) => allows({ ...r, verbs: [verb], resources: [resource] }, c));
          if (!used) unused.push(grantName(r, verb, resource));
        }
    const called = [
      ...[...calledActions].sort(),
      ...[
        ...new Set(
          authz.rbac.map(
            (c) => `${c.verb} ${c.group || 'core'}/${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}`,
          ),
        ),
      ].sort(),
    ];
    console.log(`called (${called.length}):\n  ${called.join('\n  ')}`);
    console.log(`granted but not exercised (${unused.length}):\n  ${unused.join('\n  ') || '(none)'}`);
    assert.deepEqual(
      unused.sort(),
      Object.keys(UNEXERCISED).sort(),
      'the unexercised grants are the documented ones',
    );
  });
});
