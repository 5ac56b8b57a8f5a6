/**
 * Reads everything the drift comparisons need, read-only: the committed routing state (and whether it parses),
 * each route's Ingresses on the Fleet and its workload in each member cluster, the Fleet association
 * (DescribeManagedClusters), the gateway's remote-clusters and status, the DestinationRules of the routes the
 * ASM router carries (mesh-rules.ts), the Argo CD Applications, ACK's state of each cluster and fleet-dr's own
 * backlog. A part that cannot be read is left out and named in `errors`:
 * an unread source is never compared (no drift is invented from a failed read).
 */
import type { V1Ingress, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../clients/kube-client';
import { withTimeout } from '../clients/retry';
import type { Cluster, Route } from '../config';
import type { ClusterView } from '../gateway/endpoint-view';
import { MSE_INGRESS_CONFIG, parseRemoteClusters } from '../gateway/membership';
import { type Pin, pinOf } from '../gateway/pin';
import {
  judgePin,
  type MemberReader,
  needsNodes,
  readClusterView,
  selectorString,
} from '../gateway/pin-check';
import type { Wiring } from '../runtime/wiring';
import { StateCorruptError } from '../state/errors';
import { routingDocument, STATE_CONFIGMAPS } from '../state/routing-store';
import { listApplications } from './argocd-applications';
import { readDestinationRules } from './mesh-rules';
import type { DriftSnapshot, IngressView, WorkloadView } from './types';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** An Ingress as the comparisons read it. */
export function ingressView(i: V1Ingress): IngressView {
  return {
    name: i.metadata?.name ?? '',
    namespace: i.metadata?.namespace ?? '',
    labels: { ...(i.metadata?.labels ?? {}) },
    annotations: { ...(i.metadata?.annotations ?? {}) },
    paths: (i.spec?.rules ?? []).flatMap((r) =>
      (r.http?.paths ?? []).map((p) => ({
        host: r.host ?? '',
        path: p.path ?? '/',
        service: p.backend?.service?.name ?? '',
        port: String(p.backend?.service?.port?.number ?? p.backend?.service?.port?.name ?? ''),
      })),
    ),
  };
}

const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** One route's workload in one member cluster, and what the gateway sees of it (for the pin check). */
async function readWorkload(
  kube: KubeClient,
  route: Route,
  cluster: Cluster,
  pin: Pin | undefined,
): Promise<{ view: WorkloadView; endpoints?: ClusterView }> {
  const svc = await kube.getService(route.namespace, route.service);
  const deployments = await kube.listDeployments(route.namespace);
  const named = deployments.filter((x) => x.metadata?.name === route.service);
  const list = named.length > 0 ? named : deployments;
  const replicas = {
    readyReplicas: list.reduce((n, x) => n + (x.status?.readyReplicas ?? 0), 0),
    desiredReplicas: list.reduce((n, x) => n + (x.spec?.replicas ?? 0), 0),
  };
  const selector = svc?.spec?.selector;
  if (!svc || !selector || Object.keys(selector).length === 0)
    return { view: { read: true, service: !!svc, readyEndpoints: 0, pin: null, ...replicas } };
  const pods = await kube.listPods(route.namespace, selectorString(selector));
  const endpoints = pin
    ? await readClusterView(kube as MemberReader, cluster, route.namespace, route.service, {
        pin,
        nodes: needsNodes(pin),
      })
    : undefined;
  return {
    view: { read: true, service: true, readyEndpoints: pods.filter(isReady).length, pin: null, ...replicas },
    endpoints,
  };
}

/** A cluster's pin under the policy (undefined when the policy gives it none). */
function pinFor(cluster: Cluster, kind: Parameters<typeof pinOf>[1]): Pin | undefined {
  try {
    return pinOf(cluster, kind);
  } catch {
    return undefined;
  }
}

/** Options of one snapshot. */
export interface ObserveOptions {
  /** Deadline of each member cluster's reads (a lost zone's API may hang); default 5000 ms. */
  memberReadTimeoutMs?: number;
  now?: () => number;
}

/** Runs one read; a failure is named in the snapshot's errors and the part is left out (null). */
type Attempt = <T>(what: string, fn: () => Promise<T>) => Promise<T | null>;

/** One route: its Ingresses on the Fleet, its workload in each member cluster, and each cluster's pin verdict. */
async function readRoute(
  wiring: Wiring,
  fleetKube: KubeClient,
  route: Route,
  o: { attempt: Attempt; errors: string[]; memberTimeoutMs: number },
): Promise<DriftSnapshot['routes'][string]> {
  const { policy } = wiring;
  const r = await o.attempt(`route ${route.name} ingresses`, async () => {
    const [base, all] = await Promise.all([
      fleetKube.getIngress(route.namespace, route.ingress),
      fleetKube.listIngresses(route.namespace),
    ]);
    return { base: base ? ingressView(base) : null, ingresses: all.map(ingressView) };
  });
  const workloads: Record<string, WorkloadView> = {};
  const views = new Map<string, ClusterView>();
  await Promise.all(
    policy.clusters.map(async (c) => {
      try {
        const got = await withTimeout(`cluster ${c.id} member API`, o.memberTimeoutMs, async () =>
          readWorkload(await wiring.memberKube(c.id), route, c, pinFor(c, policy.gateway.pin)),
        );
        workloads[c.id] = got.view;
        if (got.endpoints) views.set(c.id, got.endpoints);
      } catch (e) {
        workloads[c.id] = { read: false, error: msg(e) };
        o.errors.push(`route ${route.name} in ${c.id}: ${msg(e)}`);
      }
    }),
  );
  // The same judgement the weight writer makes before it writes a canary (pin-check.ts).
  for (const c of policy.clusters) {
    const wl = workloads[c.id];
    const view = views.get(c.id);
    const pin = pinFor(c, policy.gateway.pin);
    if (!wl?.read || !wl.service || !view || !pin) continue;
    const others = [...views.values()].filter((v) => v !== view);
    const v = judgePin(pin, view, others);
    wl.pin = v.ok ? { ok: true } : { ok: false, reason: v.reason };
  }
  return r ? { ...r, workloads } : null;
}

/** The MseIngressConfig's remote-clusters and status. */
async function readGateway(wiring: Wiring, fleetKube: KubeClient): Promise<DriftSnapshot['gateway']> {
  const { policy } = wiring;
  const cfg = await fleetKube.getClusterCustomObject(MSE_INGRESS_CONFIG, policy.fleet.mseIngressConfig);
  if (!cfg) throw new Error('not found');
  const status = (cfg.status as { status?: unknown } | undefined)?.status;
  return {
    members: parseRemoteClusters(cfg.metadata?.annotations?.[policy.gateway.remoteClustersAnnotation]),
    status: typeof status === 'string' ? status : null,
  };
}

/** fleet-dr's own backlog: the routing state's outbox and the DingTalk outbox. */
function backlogOf(
  state: DriftSnapshot['state'],
  dingtalk: NonNullable<DriftSnapshot['backlog']>['dingtalk'] | null,
): DriftSnapshot['backlog'] {
  if (!state?.ok) return null;
  const pending = state.value.outbox ?? [];
  const oldest = pending.reduce<number | null>((m, r) => {
    const t = Date.parse(r.createdAt);
    return m === null || t < m ? t : m;
  }, null);
  return { routing: { waiting: pending.length, oldestAt: oldest }, dingtalk };
}

/** Takes one snapshot of everything the drift check compares. */
export async function observeDrift(wiring: Wiring, options: ObserveOptions = {}): Promise<DriftSnapshot> {
  const policy = wiring.policy;
  const errors: string[] = [];
  const attempt: Attempt = async (what, fn) => {
    try {
      return await fn();
    } catch (e) {
      errors.push(`${what}: ${msg(e)}`);
      return null;
    }
  };
  const memberTimeoutMs = options.memberReadTimeoutMs ?? 5_000;
  const fleetKube = await wiring.fleetKube();
  const [state, routes, fleetMembers, gateway, applications, clusterStates, dingtalk, destinationRules] =
    await Promise.all([
      readState(wiring, fleetKube, errors),
      Promise.all(
        policy.routes.map(
          async (route) =>
            [
              route.name,
              await readRoute(wiring, fleetKube, route, { attempt, errors, memberTimeoutMs }),
            ] as const,
        ),
      ),
      attempt('DescribeManagedClusters', async () =>
        (await wiring.fleet.managedClusters()).map((c) => c.clusterId),
      ),
      attempt(`mseingressconfig ${policy.fleet.mseIngressConfig}`, () => readGateway(wiring, fleetKube)),
      attempt('Argo CD applications', () => listApplications(fleetKube)),
      Promise.all(
        policy.clusters.map(async (c) => {
          const d = await attempt(`cluster ${c.id} state`, () => wiring.ack.clusterDetail(c.id));
          return [c.id, d?.state] as const;
        }),
      ),
      attempt('DingTalk outbox', () => readDingTalkBacklog(fleetKube, policy.fleet.stateNamespace)),
      readDestinationRules(wiring, attempt),
    ]);
  return {
    at: (options.now ?? Date.now)(),
    state,
    routes: Object.fromEntries(routes),
    ...(destinationRules ? { destinationRules } : {}),
    fleetMembers,
    gateway,
    applications,
    clusterStates: Object.fromEntries(clusterStates.filter((x): x is readonly [string, string] => !!x[1])),
    backlog: backlogOf(state, dingtalk),
    errors,
  };
}

async function readState(
  wiring: Wiring,
  fleetKube: KubeClient,
  errors: string[],
): Promise<DriftSnapshot['state']> {
  try {
    return { ok: true, value: (await routingDocument(fleetKube, wiring.policy).read()).value };
  } catch (e) {
    if (e instanceof StateCorruptError) return { ok: false, error: e.message };
    errors.push(`routing state: ${msg(e)}`);
    return null;
  }
}

/** The DingTalk outbox's waiting messages, read as JSON (no robot token needed to count them). */
async function readDingTalkBacklog(fleetKube: KubeClient, namespace: string) {
  const cm = await fleetKube.getConfigMap(namespace, STATE_CONFIGMAPS.outbox);
  const text = cm?.data?.['state.json'];
  if (!text) return { waiting: 0, oldestAt: null };
  const doc = JSON.parse(text) as { messages?: Array<{ createdAt?: number; state?: string }> };
  const waiting = (doc.messages ?? []).filter((m) => m.state !== undefined);
  const oldest = waiting.reduce<number | null>(
    (m, x) => (typeof x.createdAt === 'number' && (m === null || x.createdAt < m) ? x.createdAt : m),
    null,
  );
  return { waiting: waiting.length, oldestAt: oldest };
}
