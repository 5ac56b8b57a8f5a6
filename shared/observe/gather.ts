/**
 * Gathers the Observations decide() reads: probe samples of every cluster (enough for the hysteresis to
 * reach a verdict in one invocation), ACK state, MSE service health per cluster, ready replicas and
 * membership, and for a failback step the Argo CD Applications. A source that cannot be read is left
 * unobserved (never healthy) and reported in `errors`.
 */
import type { AckClient } from '../clients/ack-client';
import type { KubeClient } from '../clients/kube-client';
import type { MseClient } from '../clients/mse-client';
import { withTimeout } from '../clients/retry';
import type { Policy } from '../config';
import type {
  AlarmObservation,
  ClusterObservation,
  ObservationsInput,
  ProbeResult,
  TriggerAlarm,
} from '../decision/observations';
import type { ApplicationView } from '../drift/types';
import { gitopsReading } from './gitops';
import { probeCluster } from './probe';

/** What gather needs. */
export interface GatherDeps {
  policy: Policy;
  env: NodeJS.ProcessEnv;
  ack: AckClient;
  mse: MseClient;
  /** A member cluster's Kubernetes API. */
  memberKube: (clusterId: string) => Promise<KubeClient>;
  /** The clusters on the gateway (MseIngressConfig remote-clusters), if readable. */
  gatewayMembers: () => Promise<string[]>;
  /** The clusters associated with the Fleet (DescribeManagedClusters), if readable. */
  fleetMembers: () => Promise<string[]>;
  /**
   * Deadline of one cluster's ready-replicas read, retries included; default 5000 ms. A registered cluster's
   * API server is lost with its zone and may hang: its per-call timeout, retried, would hold the failover
   * for half a minute, so past this deadline the signal is unknown and the error is reported.
   */
  memberReadTimeoutMs?: number;
  /** Spacing between probe samples; default 150 ms. */
  probeSpacingMs?: number;
  /**
   * Probe readings the caller takes itself (a health-check round): used instead of probing here. A promise,
   * so the other sources are read while the round's probes are still in flight.
   */
  probeReadings?: Promise<ProbeReadings>;
  /**
   * The Argo CD Applications on the Fleet, for a failback step's GitOps precondition (undefined: not read, and
   * the observations carry no GitOps reading). Listed once, beside the other sources.
   */
  applications?: () => Promise<ApplicationView[]>;
}

/** What a health-check round read: probe samples per cluster id, and the probe-metric alarm it evaluated. */
export interface ProbeReadings {
  probes: Record<string, ProbeResult[]>;
  alarms: Record<string, AlarmObservation[]>;
}

/** Observations plus the sources that could not be read. */
export interface Gathered {
  observations: ObservationsInput;
  errors: string[];
}

const iso = () => new Date().toISOString();
const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Reads every signal of every policy cluster, in parallel across clusters and sources. */
export async function gatherObservations(deps: GatherDeps, trigger: TriggerAlarm | null): Promise<Gathered> {
  const { policy } = deps;
  const errors: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (e) {
      errors.push(`${what}: ${describe(e)}`);
      return null;
    }
  };
  const samples = Math.max(policy.detection.failuresToDown, policy.detection.successesToUp);
  const route = policy.routes[0]!;
  const health = attempt('mse service health', async () => {
    if (!policy.fleet.gatewayId) throw new Error('policy fleet.gatewayId is not set');
    const nets = policy.clusters.map((c) => ({ clusterId: c.id, podCidr: c.podCidr }));
    return deps.mse.serviceHealth(policy.fleet.gatewayId, route.service, route.namespace, nets);
  });
  const onGateway = attempt('gateway membership', deps.gatewayMembers);
  const onFleet = attempt('fleet membership', deps.fleetMembers);
  const apps = deps.applications;
  const listed = apps
    ? apps().then(
        (applications) => ({ applications }),
        (e: unknown) => {
          errors.push(`Argo CD applications: ${describe(e)}`);
          return { error: `Argo CD Applications could not be read: ${describe(e)}` };
        },
      )
    : undefined;
  const entries = await Promise.all(
    policy.clusters.map(async (c): Promise<[string, ClusterObservation]> => {
      const [round, detail, ready, h, members, attached, gitops] = await Promise.all([
        deps.probeReadings ??
          probeCluster(c.probes, deps.env, samples, deps.probeSpacingMs ?? 150).then(
            (probes): ProbeReadings => ({ probes: { [c.id]: probes }, alarms: {} }),
          ),
        attempt(`${c.id} cluster detail`, () => deps.ack.clusterDetail(c.id)),
        attempt(`${c.id} ready replicas`, () =>
          withTimeout(`cluster ${c.id} member API`, deps.memberReadTimeoutMs ?? 5_000, () =>
            readyReplicas(deps, c.id, route.namespace, route.service),
          ),
        ),
        health,
        onGateway,
        onFleet,
        listed,
      ]);
      const at = iso();
      const ep = h?.clusters.find((x) => x.clusterId === c.id);
      const status = !ep ? 'Unknown' : ep.healthy > 0 ? 'Health' : ep.unhealthy > 0 ? 'Unhealthy' : 'Unknown';
      return [
        c.id,
        {
          alarms: round.alarms[c.id] ?? [],
          probes: round.probes[c.id] ?? [],
          ackState: detail ? { state: detail.state, at } : null,
          gatewayHealth: h ? { status, at } : null,
          readyReplicas: ready ? { ...ready, at } : null,
          membership:
            attached && members
              ? { attachedToFleet: attached.includes(c.id), onGateway: members.includes(c.id), at }
              : null,
          gitops: gitops ? gitopsReading(policy, c.id, gitops, at) : null,
        },
      ];
    }),
  );
  return { observations: { observedAt: iso(), clusters: Object.fromEntries(entries), trigger }, errors };
}

async function readyReplicas(deps: GatherDeps, clusterId: string, namespace: string, service: string) {
  const kube = await deps.memberKube(clusterId);
  const all = await kube.listDeployments(namespace);
  const mine = all.filter((x) => x.metadata?.name === service);
  const list = mine.length > 0 ? mine : all;
  return {
    ready: list.reduce((n, x) => n + (x.status?.readyReplicas ?? 0), 0),
    desired: list.reduce((n, x) => n + (x.spec?.replicas ?? 0), 0),
  };
}
