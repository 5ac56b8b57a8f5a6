/**
 * The drift comparisons, one table per kind of difference: a snapshot of a fleet as committed has no drift;
 * each break gives exactly the difference it should, with whether it is safe to repair and why not. Pure:
 * no network, no clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Policy } from '../../shared/config';
import { initialRoutingState, type RoutingState } from '../../shared/decision/routing-state';
import {
  chooseRepairs,
  compareAll,
  driftKey,
  fingerprint,
  kindOfKey,
  unjudgedKinds,
} from '../../shared/drift/compare';
import type { DestinationRuleView, DriftSnapshot, IngressView, WorkloadView } from '../../shared/drift/types';
import { canaryName, gatewayKeys, MANAGED_BY, subsetLabelsValue } from '../../shared/gateway/annotations';
import { clusterLocalities, distributeFor } from '../../shared/gateway/asm-distribute';
import { ASM_KEYS } from '../../shared/gateway/asm-router';
import { pinOf } from '../../shared/gateway/pin';
import { examplePolicy } from '../clients/fixture';

const policy: Policy = examplePolicy();
const route = policy.routes[0]!;
const [A, B] = policy.clusters.map((c) => c.id) as [string, string];
const keys = gatewayKeys(policy.gateway);
const NOW = Date.parse('2026-11-30T12:00:00Z');

function committed(): RoutingState {
  const s = initialRoutingState(policy);
  return {
    ...s,
    revision: 7,
    governsSplit: true,
    mode: 'failed-over',
    weights: { [route.name]: { [A]: 0, [B]: 100 } },
    verdicts: Object.fromEntries(
      policy.clusters.map((c) => [
        c.id,
        { verdict: 'up', since: null, upSince: '2026-11-30T11:00:00Z', sources: {} },
      ]),
    ),
  };
}

function canary(id: string, weight: number, revision = 5): IngressView {
  const c = policy.clusters.find((x) => x.id === id)!;
  return {
    name: canaryName(route.ingress, id),
    namespace: route.namespace,
    labels: { [keys.managedBy]: MANAGED_BY, [keys.route]: route.name, [keys.cluster]: id },
    annotations: {
      [keys.canary]: 'true',
      [keys.canaryWeight]: String(weight),
      [keys.serviceSubset]: id,
      [keys.subsetLabels]: subsetLabelsValue(pinOf(c, policy.gateway.pin)),
      [keys.revision]: String(revision),
    },
    paths: [{ host: '', path: '/', service: route.service, port: String(route.servicePort) }],
  };
}

const base: IngressView = {
  name: route.ingress,
  namespace: route.namespace,
  labels: { 'app.kubernetes.io/instance': route.name },
  annotations: {},
  paths: [{ host: '', path: '/', service: route.service, port: String(route.servicePort) }],
};

const workload = (over: Partial<Extract<WorkloadView, { read: true }>> = {}): WorkloadView => ({
  read: true,
  service: true,
  readyEndpoints: 3,
  pin: { ok: true },
  readyReplicas: 3,
  desiredReplicas: 3,
  ...over,
});

/** A snapshot of a fleet exactly as committed. */
function asCommitted(): DriftSnapshot {
  return {
    at: NOW,
    state: { ok: true, value: committed() },
    routes: {
      [route.name]: {
        base,
        ingresses: [base, canary(A, 0), canary(B, 100)],
        workloads: { [A]: workload(), [B]: workload() },
      },
    },
    fleetMembers: [A, B],
    gateway: { members: [A, B], status: 'Listening' },
    applications: policy.clusters.map((c) => ({
      name: `${route.name}-${c.name}`,
      namespace: 'argocd',
      destination: { name: c.name, namespace: route.namespace },
      sync: 'Synced',
      health: 'Healthy',
      resources: [],
    })),
    clusterStates: { [A]: 'running', [B]: 'running' },
    backlog: { routing: { waiting: 0, oldestAt: null }, dingtalk: { waiting: 0, oldestAt: null } },
    errors: [],
  };
}

/** An audit record waiting in the routing state's outbox since `at`. */
const auditRecord = (id: string, at: string, attempts = 0): RoutingState['outbox'][number] => ({
  kind: 'audit',
  content: {},
  id,
  createdAt: at,
  attempts,
  lastError: attempts ? 'x' : null,
  notBefore: null,
});

const diffs = (s: DriftSnapshot, p: Policy = policy) => compareAll({ policy: p, snapshot: s });
const only = (s: DriftSnapshot, p?: Policy) => {
  const all = diffs(s, p);
  assert.equal(all.length, 1, all.map((d) => driftKey(d)).join(' | '));
  return all[0]!;
};
/** What a test compares of a difference. */
const view = (d: ReturnType<typeof only>) => ({
  kind: d.kind,
  object: d.object,
  expected: d.expected,
  actual: d.actual,
  safe: d.safeToRepair,
  repair: d.repair,
});
const routeOf = (s: DriftSnapshot) => s.routes[route.name]!;
const canaryObject = (id: string) => `ingress ${route.namespace}/${canaryName(route.ingress, id)}`;

describe('drift comparisons', () => {
  it('finds nothing on a fleet as committed', () => {
    assert.deepEqual(diffs(asCommitted()), []);
  });

  it('expects no canary before fleet-dr governs the split', () => {
    const s = asCommitted();
    s.state = { ok: true, value: { ...committed(), governsSplit: false } };
    routeOf(s).ingresses = [base];
    assert.deepEqual(diffs(s), []);
  });

  it('looks for no canary or base Ingress on a route the ASM router carries (its DestinationRule is compared instead)', () => {
    const s = asCommitted();
    routeOf(s).ingresses = [];
    routeOf(s).base = null;
    const asm: Policy = {
      ...policy,
      asm: { serviceMeshId: 'c-asm', privateIpAddress: false },
      routes: [{ ...route, router: 'asm' }],
    };
    assert.deepEqual(diffs(s, asm), []);
    assert.ok(diffs(s).length > 0, 'the same snapshot has drift for an MSE route');
  });

  describe('routing', () => {
    it('a changed weight: safe, repaired by carrying the committed weights again', () => {
      const s = asCommitted();
      routeOf(s).ingresses = [base, canary(A, 0), canary(B, 60)];
      const d = only(s);
      assert.deepEqual(view(d), {
        kind: 'canary-weight',
        object: canaryObject(B),
        expected: 'weight 100',
        actual: 'weight 60',
        safe: true,
        repair: 'weights',
      });
    });

    it('a transition still carried out (its records in the outbox): the canaries may lag it, not drift yet', () => {
      const s = asCommitted();
      routeOf(s).ingresses = [base, canary(A, 50), canary(B, 50)];
      const at = '2026-11-30T11:59:58.000Z';
      const st = { ...committed(), lastTransition: { at, by: 'automation' as const, reason: 'fail over' } };
      s.state = { ok: true, value: st };
      assert.deepEqual(
        diffs(s).map((d) => d.kind),
        ['canary-weight', 'canary-weight'],
        'the last transition carried out: the lag is drift',
      );
      st.outbox = [auditRecord('r7-0', at)];
      assert.deepEqual(diffs(s), [], 'its audit record still waits: the committing invocation is writing');
      assert.ok(
        unjudgedKinds(s).has('canary-weight'),
        'and an earlier report is neither resolved nor repeated',
      );
      st.outbox = [auditRecord('r6-0', '2026-11-30T11:00:00.000Z', 3)];
      assert.deepEqual(
        diffs(s).map((d) => d.kind),
        ['canary-weight', 'canary-weight'],
        'a record of an older transition does not hide the drift',
      );
    });

    it('a deleted canary', () => {
      const s = asCommitted();
      routeOf(s).ingresses = [base, canary(B, 100)];
      const d = only(s);
      assert.equal(d.kind, 'canary-missing');
      assert.equal(d.object, canaryObject(A));
      assert.equal(d.safeToRepair, true);
    });

    it('not safe to carry the weights again while a cluster they give traffic to is down', () => {
      const s = asCommitted();
      const st = committed();
      st.verdicts[B] = { ...st.verdicts[B]!, verdict: 'down' };
      s.state = { ok: true, value: st };
      routeOf(s).ingresses = [base, canary(B, 100)];
      const d = only(s);
      assert.equal(d.safeToRepair, false);
      assert.match(d.why ?? '', new RegExp(`${B} is down`));
    });

    it('a canary written for a revision never committed', () => {
      const s = asCommitted();
      routeOf(s).ingresses = [base, canary(A, 0), canary(B, 100, 99)];
      const d = only(s);
      assert.equal(d.kind, 'canary-revision');
      assert.equal(d.safeToRepair, false);
    });

    it('a canary whose pin was edited', () => {
      const s = asCommitted();
      const c = canary(B, 100);
      c.annotations[keys.subsetLabels] = 'app web-demo';
      routeOf(s).ingresses = [base, canary(A, 0), c];
      const d = only(s);
      assert.equal(d.kind, 'canary-pin');
      assert.match(d.actual, /app web-demo/);
      assert.equal(d.safeToRepair, false);
    });

    it('a pin that selects none of the Service’s endpoints in its cluster', () => {
      const s = asCommitted();
      routeOf(s).workloads[A] = workload({ pin: { ok: false, reason: 'no pod of the Service carries it' } });
      const d = only(s);
      assert.equal(d.kind, 'pin-selects-nothing');
      assert.equal(d.actual, 'no pod of the Service carries it');
    });

    it('a foreign canary on the same host and path that takes weight', () => {
      const s = asCommitted();
      const foreign: IngressView = {
        ...base,
        name: 'web-demo-canary',
        labels: {},
        annotations: { [keys.canary]: 'true', [keys.canaryWeight]: '20' },
      };
      routeOf(s).ingresses.push(foreign);
      const d = only(s);
      assert.equal(d.kind, 'foreign-canary');
      assert.equal(d.object, `ingress ${route.namespace}/web-demo-canary`);
      routeOf(s).ingresses.at(-1)!.annotations[keys.canaryWeight] = '0';
      assert.deepEqual(diffs(s), [], 'a foreign canary at weight 0 takes nothing');
    });
  });

  describe('GitOps ownership', () => {
    it('a canary with Argo CD’s tracking label, annotation, or listed in an Application', () => {
      for (const mark of ['label', 'annotation', 'resources'] as const) {
        const s = asCommitted();
        const c = canary(A, 0);
        if (mark === 'label') c.labels['app.kubernetes.io/instance'] = 'web-demo';
        if (mark === 'annotation')
          c.annotations['argocd.argoproj.io/tracking-id'] = 'web-demo:networking.k8s.io/Ingress:x';
        if (mark === 'resources')
          s.applications![0]!.resources = [{ kind: 'Ingress', name: c.name, namespace: route.namespace }];
        routeOf(s).ingresses = [base, c, canary(B, 100)];
        const d = only(s);
        assert.equal(d.kind, 'canary-gitops-tracked', mark);
        assert.equal(d.safeToRepair, false);
      }
    });

    it('a missing base Ingress', () => {
      const s = asCommitted();
      routeOf(s).base = null;
      routeOf(s).ingresses = [canary(A, 0), canary(B, 100)];
      assert.equal(only(s).kind, 'base-ingress-missing');
    });

    it('a base Ingress changed so that the canaries no longer match it', () => {
      const s = asCommitted();
      const changed = { ...base, paths: [{ ...base.paths[0]!, path: '/v2' }] };
      routeOf(s).base = changed;
      routeOf(s).ingresses = [changed, canary(A, 0), canary(B, 100)];
      const all = diffs(s);
      assert.deepEqual(
        all.map((d) => `${d.kind} ${d.object}`),
        [`base-ingress-mismatch ${canaryObject(A)}`, `base-ingress-mismatch ${canaryObject(B)}`],
      );
    });

    it('a base Ingress sending to another Service or port than the policy’s', () => {
      const s = asCommitted();
      routeOf(s).base = { ...base, paths: [{ ...base.paths[0]!, port: '8080' }] };
      const all = diffs(s).filter((d) => d.object === `ingress ${route.namespace}/${route.ingress}`);
      assert.equal(all.length, 1);
      assert.equal(all[0]!.kind, 'base-ingress-mismatch');
    });
  });

  describe('membership', () => {
    it('a cluster off the Fleet: safe to re-associate when it is up and not fenced or detached by an operator', () => {
      const s = asCommitted();
      s.fleetMembers = [A];
      const d = only(s);
      assert.deepEqual(
        [d.kind, d.object, d.safeToRepair, d.repair],
        ['fleet-association', `cluster ${B}`, true, 'reassociate'],
      );
    });

    it('never toward a cluster that is down, not running, or fenced by an operator', () => {
      const cases: Array<[string, (s: DriftSnapshot, st: RoutingState) => void, RegExp]> = [
        [
          'down',
          (_, st) => {
            st.verdicts[B]!.verdict = 'down';
          },
          /is down/,
        ],
        [
          'suspect',
          (_, st) => {
            st.verdicts[B]!.verdict = 'suspect';
          },
          /is suspect/,
        ],
        [
          'unavailable',
          (s) => {
            s.clusterStates[B] = 'unavailable';
          },
          /is unavailable/,
        ],
        [
          'fenced',
          (_, st) => {
            st.fenced[B] = { by: 'sre-bob', at: '2026-11-30T10:00:00Z', reason: '' };
          },
          /sre-bob fenced/,
        ],
      ];
      for (const [name, change, why] of cases) {
        const s = asCommitted();
        const st = committed();
        change(s, st);
        s.state = { ok: true, value: st };
        s.fleetMembers = [A];
        const d = diffs(s).find((x) => x.kind === 'fleet-association')!;
        assert.equal(d.safeToRepair, false, name);
        assert.match(d.why ?? '', why, name);
      }
    });

    it('a cluster an operator detached is expected off the Fleet', () => {
      const s = asCommitted();
      const st = committed();
      st.detached[B] = { by: 'sre-bob', at: '2026-11-30T10:00:00Z', reason: 'maintenance' };
      s.state = { ok: true, value: st };
      s.fleetMembers = [A];
      assert.deepEqual(diffs(s), []);
      s.fleetMembers = [A, B];
      assert.match(only(s).expected, /detached \(by sre-bob/);
    });

    it('a cluster missing from remote-clusters, and a fenced one still on it', () => {
      const s = asCommitted();
      s.gateway = { members: [A], status: 'Listening' };
      const d = only(s);
      assert.deepEqual(
        [d.kind, d.object, d.safeToRepair, d.repair],
        ['gateway-membership', `cluster ${B}`, true, 'readmit'],
      );
      const st = committed();
      st.fenced[B] = { by: 'automation', at: '2026-11-30T10:00:00Z', reason: '' };
      s.state = { ok: true, value: st };
      assert.deepEqual(diffs(s), [], 'fenced: expected off the gateway');
      s.gateway = { members: [A, B], status: 'Listening' };
      assert.match(only(s).expected, /off the gateway \(fenced by automation/);
    });

    it('a gateway that is not Listening', () => {
      const s = asCommitted();
      s.gateway = { members: [A, B], status: 'Failed' };
      assert.deepEqual([only(s).kind, only(s).actual], ['gateway-not-listening', 'Failed']);
    });
  });

  describe('Applications and Services', () => {
    it('an OutOfSync or Degraded Application, named with its destination cluster', () => {
      const s = asCommitted();
      s.applications![1]!.sync = 'OutOfSync';
      s.applications![1]!.health = 'Degraded';
      const all = diffs(s);
      assert.deepEqual(
        all.map((d) => [d.kind, d.actual, d.cluster]),
        [
          ['application-out-of-sync', 'OutOfSync', B],
          ['application-unhealthy', 'Degraded', B],
        ],
      );
    });

    it('a cluster no Application deploys the route to', () => {
      const s = asCommitted();
      s.applications = s.applications!.slice(0, 1);
      const d = only(s);
      assert.deepEqual([d.kind, d.cluster], ['application-missing', B]);
    });

    it('a missing Service, and one without ready endpoints', () => {
      const s = asCommitted();
      routeOf(s).workloads[B] = workload({ service: false, pin: null, readyEndpoints: 0 });
      assert.equal(only(s).kind, 'service-missing');
      routeOf(s).workloads[B] = workload({ readyEndpoints: 0 });
      assert.equal(only(s).kind, 'service-no-ready-endpoints');
    });

    it('compares nothing it could not read', () => {
      const s = asCommitted();
      routeOf(s).workloads[B] = { read: false, error: 'timeout' };
      s.applications = null;
      s.fleetMembers = null;
      s.gateway = null;
      assert.deepEqual(diffs(s), []);
    });
  });

  describe('capacity', () => {
    it('a zone that could not take the share of the traffic the policy asks for', () => {
      const s = asCommitted();
      routeOf(s).workloads[B] = workload({ readyReplicas: 2 });
      const d = only(s);
      assert.equal(d.kind, 'capacity-low');
      assert.match(d.expected, /^at least 3 ready replicas \(50% of the 6/);
      assert.equal(d.actual, '2 ready');
      const strict = { ...policy, drift: { ...policy.drift, minCapacityShare: 1 } };
      assert.equal(diffs(asCommitted(), strict).filter((x) => x.kind === 'capacity-low').length, 2);
    });
  });

  describe('fleet-dr itself', () => {
    it('a routing state that does not parse', () => {
      const s = asCommitted();
      s.state = { ok: false, error: 'mode: invalid' };
      assert.deepEqual(
        diffs(s).map((d) => d.kind),
        ['state-unparseable'],
      );
    });

    it('an outbox backlog, reported once however its numbers move', () => {
      const s = asCommitted();
      s.backlog = {
        routing: { waiting: 30, oldestAt: NOW - 60_000 },
        dingtalk: { waiting: 1, oldestAt: NOW - 3_600_000 },
      };
      const all = diffs(s);
      assert.deepEqual(
        all.map((d) => d.kind),
        ['outbox-backlog', 'outbox-backlog'],
      );
      const later = asCommitted();
      later.backlog = {
        routing: { waiting: 31, oldestAt: NOW - 120_000 },
        dingtalk: { waiting: 2, oldestAt: NOW - 3_700_000 },
      };
      assert.deepEqual(diffs(later).map(fingerprint), all.map(fingerprint), 'same fingerprints');
      assert.notDeepEqual(
        diffs(later).map((d) => d.detail),
        all.map((d) => d.detail),
      );
    });

    it('a failback stuck mid-ramp', () => {
      const s = asCommitted();
      const st = committed();
      st.mode = 'failing-back';
      st.failback = { cluster: A, stepIndex: 0, stepStartedAt: new Date(NOW - 2 * 3_600_000).toISOString() };
      s.state = { ok: true, value: st };
      const d = diffs(s).find((x) => x.kind === 'failback-stuck');
      assert.ok(d);
      assert.equal(d.object, `failback of ${A}`);
    });
  });

  describe('what a run repairs', () => {
    const broken = () => {
      const s = asCommitted();
      routeOf(s).ingresses = [base, canary(A, 0), canary(B, 60)];
      s.applications![0]!.sync = 'OutOfSync';
      return s;
    };
    const safePolicy = { ...policy, drift: { ...policy.drift, repair: 'safe' as const } };

    it('nothing with drift.repair: report (the default)', () => {
      const s = broken();
      assert.match(chooseRepairs(policy, s, diffs(s)).skipped ?? '', /drift\.repair is report/);
    });

    it('only the safe ones with drift.repair: safe', () => {
      const s = broken();
      const c = chooseRepairs(safePolicy, s, diffs(s));
      assert.deepEqual(
        c.repairs.map((d) => d.kind),
        ['canary-weight'],
      );
    });

    it('nothing while paused, by the policy or by an operator', () => {
      const s = broken();
      assert.match(
        chooseRepairs({ ...safePolicy, paused: true }, s, diffs(s)).skipped ?? '',
        /paused by the policy/,
      );
      const st = committed();
      st.paused = { by: 'sre-bob', at: '2026-11-30T10:00:00Z', reason: '' };
      s.state = { ok: true, value: st };
      const c = chooseRepairs(safePolicy, s, diffs(s));
      assert.deepEqual(c.repairs, []);
      assert.match(c.skipped ?? '', /^paused by sre-bob/);
    });
  });

  describe('what a snapshot could not judge', () => {
    it('nothing on a snapshot read whole', () => {
      assert.deepEqual([...unjudgedKinds(asCommitted())], []);
    });

    it('the kinds of each source that was not read, so a failed read resolves nothing', () => {
      const s = asCommitted();
      s.fleetMembers = null;
      s.applications = null;
      routeOf(s).workloads[B] = { read: false, error: 'timeout' };
      const u = unjudgedKinds(s);
      for (const k of ['fleet-association', 'application-out-of-sync', 'capacity-low', 'service-missing'])
        assert.ok(u.has(k as never), k);
      assert.ok(!u.has('canary-weight') && !u.has('gateway-membership'));
      assert.equal(kindOfKey('fleet-association: cluster c-ack-az1'), 'fleet-association');
      s.state = null;
      assert.ok(unjudgedKinds(s).has('canary-weight'), 'no state: nothing is judged');
    });
  });

  describe('the DestinationRule of a route the ASM router carries', () => {
    const asmPolicy: Policy = {
      ...policy,
      asm: { serviceMeshId: 'c-asm', privateIpAddress: false },
      routes: [{ ...route, router: 'asm' }],
    };
    const ruleObject = `destinationrule ${route.namespace}/${route.service}`;
    const distribute = (w: Record<string, number>) => distributeFor(w, clusterLocalities(asmPolicy));
    /** The rule as fleet-dr wrote it for the committed state (revision 7, weights A 0 / B 100). */
    const rule = (
      over: { weights?: Record<string, number>; annotations?: Record<string, string | undefined> } = {},
    ): Extract<DestinationRuleView, { found: true }> => {
      const annotations: Record<string, string> = {
        'team.example.com/owner': 'web',
        [ASM_KEYS.weights]: JSON.stringify({ [A]: 0, [B]: 100 }),
        [ASM_KEYS.revision]: '7',
      };
      for (const [k, v] of Object.entries(over.annotations ?? {}))
        if (v === undefined) delete annotations[k];
        else annotations[k] = v;
      return {
        found: true,
        namespace: route.namespace,
        name: route.service,
        annotations,
        localityLbSetting: { enabled: true, distribute: distribute(over.weights ?? { [A]: 0, [B]: 100 }) },
        outlierDetection: { consecutive5xxErrors: 3, interval: '10s' },
      };
    };
    /** The committed fleet with the route on the ASM router: no canaries, the rule as written. */
    const meshSnapshot = (r: DestinationRuleView | null = rule()): DriftSnapshot => {
      const s = asCommitted();
      routeOf(s).ingresses = [];
      routeOf(s).base = null;
      s.destinationRules = { [route.name]: r };
      return s;
    };
    const withState = (s: DriftSnapshot, change: (st: RoutingState) => void) => {
      const st = committed();
      change(st);
      s.state = { ok: true, value: st };
      return s;
    };

    it('finds nothing on a rule as fleet-dr wrote it', () => {
      assert.deepEqual(diffs(meshSnapshot(), asmPolicy), []);
    });

    it('compares neither weights nor revision before fleet-dr governs the split', () => {
      const s = meshSnapshot(
        rule({ weights: { [A]: 50, [B]: 50 }, annotations: { [ASM_KEYS.revision]: undefined } }),
      );
      withState(s, (st) => {
        st.governsSplit = false;
      });
      assert.deepEqual(diffs(s, asmPolicy), []);
    });

    it('neither weights nor revision while the last transition is carried out (the rule not written yet)', () => {
      const at = '2026-11-30T11:59:58.000Z';
      const unwritten = rule({
        weights: { [A]: 50, [B]: 50 },
        annotations: { [ASM_KEYS.revision]: undefined },
      });
      const s = withState(meshSnapshot(unwritten), (st) => {
        st.lastTransition = { at, by: 'automation', reason: 'fail over' };
        st.outbox = [auditRecord('r7-0', at)];
      });
      assert.deepEqual(diffs(s, asmPolicy), []);
      withState(s, (st) => {
        st.lastTransition = { at, by: 'automation', reason: 'fail over' };
      });
      assert.deepEqual(
        diffs(s, asmPolicy).map((d) => d.kind),
        ['mesh-rule-weights', 'mesh-rule-foreign-edit'],
        'carried out: the unwritten rule is drift',
      );
    });

    it('other weights in the distribute: safe, repaired by carrying the committed weights again', () => {
      const d = only(meshSnapshot(rule({ weights: { [A]: 50, [B]: 50 } })), asmPolicy);
      assert.deepEqual(view(d), {
        kind: 'mesh-rule-weights',
        object: ruleObject,
        expected: `distribute ${A} 0, ${B} 100`,
        actual: `distribute ${A} 50, ${B} 50`,
        safe: true,
        repair: 'weights',
      });
      const safePolicy = { ...asmPolicy, drift: { ...asmPolicy.drift, repair: 'safe' as const } };
      const s = meshSnapshot(rule({ weights: { [A]: 50, [B]: 50 } }));
      assert.deepEqual(
        chooseRepairs(safePolicy, s, diffs(s, asmPolicy)).repairs.map((x) => x.kind),
        ['mesh-rule-weights'],
      );
    });

    it('a locality setting with no distribute left: safe to write again', () => {
      const r = rule();
      r.localityLbSetting = null;
      const d = only(meshSnapshot(r), asmPolicy);
      assert.equal(d.kind, 'mesh-rule-weights');
      assert.equal(d.actual, 'no locality distribute');
      assert.equal(d.safeToRepair, true);
    });

    it('not safe while the cluster the weights give traffic to is down, whatever the others are', () => {
      const s = meshSnapshot(rule({ weights: { [A]: 50, [B]: 50 } }));
      withState(s, (st) => {
        st.verdicts[B] = { ...st.verdicts[B]!, verdict: 'down' };
      });
      const d = only(s, asmPolicy);
      assert.equal(d.kind, 'mesh-rule-weights');
      assert.equal(d.safeToRepair, false);
      assert.equal(d.repair, undefined);
      assert.match(d.why ?? '', new RegExp(`${B} is down`));
      // A cluster the committed weights give nothing to does not block the repair.
      const t = meshSnapshot(rule({ weights: { [A]: 50, [B]: 50 } }));
      withState(t, (st) => {
        st.verdicts[A] = { ...st.verdicts[A]!, verdict: 'down' };
      });
      assert.equal(only(t, asmPolicy).safeToRepair, true);
    });

    it('expects a cluster the rule fences at 0 and the others scaled back to 100, as the router writes them', () => {
      const fencedRule = (w: Record<string, number>) =>
        rule({
          weights: w,
          annotations: { [ASM_KEYS.fenced]: B, [ASM_KEYS.weights]: JSON.stringify({ [A]: 50, [B]: 50 }) },
        });
      const fifty = (s: DriftSnapshot) =>
        withState(s, (st) => {
          st.weights = { [route.name]: { [A]: 50, [B]: 50 } };
        });
      assert.deepEqual(diffs(fifty(meshSnapshot(fencedRule({ [A]: 100, [B]: 0 }))), asmPolicy), []);
      const d = only(fifty(meshSnapshot(fencedRule({ [A]: 50, [B]: 50 }))), asmPolicy);
      assert.equal(d.kind, 'mesh-rule-weights');
      assert.equal(d.expected, `distribute ${A} 100, ${B} 0 (${B} fenced)`);
      // The router reads 50/50 back as the committed weights and would write nothing: not offered as a repair.
      assert.equal(d.safeToRepair, false);
      assert.match(d.why ?? '', /fence the cluster again/);
    });

    it('a revision never committed, none, or not a number: a foreign edit, not safe', () => {
      for (const [rev, actual] of [
        ['9', `${ASM_KEYS.revision} is a revision never committed`],
        [undefined, `no ${ASM_KEYS.revision}`],
        ['seven', `${ASM_KEYS.revision} is not an integer`],
      ] as const) {
        const d = only(meshSnapshot(rule({ annotations: { [ASM_KEYS.revision]: rev } })), asmPolicy);
        assert.equal(d.kind, 'mesh-rule-foreign-edit', String(rev));
        assert.equal(d.object, ruleObject);
        assert.equal(d.actual, actual);
        assert.equal(d.safeToRepair, false);
        assert.ok(d.why);
      }
      assert.deepEqual(
        diffs(meshSnapshot(rule({ annotations: { [ASM_KEYS.revision]: '5' } })), asmPolicy),
        [],
      );
    });

    it('keeps the revisions out of the fingerprint: a new commit does not report the same edit again', () => {
      const s = meshSnapshot(rule({ annotations: { [ASM_KEYS.revision]: '9' } }));
      const before = only(s, asmPolicy);
      withState(s, (st) => {
        st.revision = 8;
      });
      const after = only(s, asmPolicy);
      assert.equal(driftKey(after), driftKey(before));
      assert.equal(fingerprint(after), fingerprint(before));
      assert.match(after.detail ?? '', /revision 9.*revision 8/);
    });

    it('a rule written for a newer revision with other weights: reported, but not offered as a repair', () => {
      const s = meshSnapshot(
        rule({ weights: { [A]: 50, [B]: 50 }, annotations: { [ASM_KEYS.revision]: '9' } }),
      );
      const all = diffs(s, asmPolicy);
      assert.deepEqual(
        all.map((d) => [d.kind, d.safeToRepair]),
        [
          ['mesh-rule-weights', false],
          ['mesh-rule-foreign-edit', false],
        ],
      );
    });

    it('failover, or a distribute fleet-dr cannot read: a foreign edit, and no weights compared', () => {
      const r = rule();
      r.localityLbSetting = {
        ...r.localityLbSetting,
        failover: [{ from: 'cn-hangzhou', to: 'cn-shanghai' }],
      };
      const d = only(meshSnapshot(r), asmPolicy);
      assert.equal(d.kind, 'mesh-rule-foreign-edit');
      assert.match(d.actual, /failover/);
      assert.equal(d.safeToRepair, false);
      const u = rule();
      u.localityLbSetting = {
        enabled: true,
        distribute: [{ from: 'cn-beijing/cn-beijing-a/*', to: { 'cn-beijing/cn-beijing-a/*': 100 } }],
      };
      const e = only(meshSnapshot(u), asmPolicy);
      assert.equal(e.kind, 'mesh-rule-foreign-edit');
      assert.match(e.actual, /a distribute fleet-dr did not write/);
    });

    it('a rule without outlierDetection: not safe, the team\u2019s setting', () => {
      const r = rule();
      r.outlierDetection = null;
      const d = only(meshSnapshot(r), asmPolicy);
      assert.deepEqual(view(d), {
        kind: 'mesh-outlier-missing',
        object: ruleObject,
        expected: 'trafficPolicy.outlierDetection set (locality load balancing needs it)',
        actual: 'no outlierDetection',
        safe: false,
        repair: undefined,
      });
      // Other weights on such a rule cannot be written either.
      const w = rule({ weights: { [A]: 50, [B]: 50 } });
      w.outlierDetection = null;
      const both = diffs(meshSnapshot(w), asmPolicy);
      assert.deepEqual(
        both.map((x) => [x.kind, x.safeToRepair]),
        [
          ['mesh-rule-weights', false],
          ['mesh-outlier-missing', false],
        ],
      );
    });

    it('a missing rule: not safe, fleet-dr never creates it', () => {
      const d = only(
        meshSnapshot({ found: false, namespace: route.namespace, name: route.service }),
        asmPolicy,
      );
      assert.deepEqual(view(d), {
        kind: 'mesh-rule-missing',
        object: ruleObject,
        expected: `the DestinationRule of route ${route.name} exists`,
        actual: 'missing',
        safe: false,
        repair: undefined,
      });
    });

    it('compares nothing of a rule it could not read, and judges none of its kinds', () => {
      const s = meshSnapshot(null);
      s.errors.push(`route ${route.name} destinationrule ${route.namespace}/${route.service}: timeout`);
      assert.deepEqual(diffs(s, asmPolicy), []);
      const u = unjudgedKinds(s);
      for (const k of [
        'mesh-rule-missing',
        'mesh-rule-weights',
        'mesh-rule-foreign-edit',
        'mesh-outlier-missing',
      ])
        assert.ok(u.has(k as never), k);
      assert.ok(!unjudgedKinds(meshSnapshot()).has('mesh-rule-weights'));
    });

    it('leaves a route on the MSE router alone, whatever a rule of the same name says', () => {
      const s = asCommitted();
      s.destinationRules = {
        [route.name]: { found: false, namespace: route.namespace, name: route.service },
      };
      assert.deepEqual(diffs(s), []);
    });
  });
});
