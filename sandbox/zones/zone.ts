/**
 * One zone of the sandbox: the demo application's pods of one member cluster, its in-VPC entry point, the
 * member cluster's objects kept in step with them (through the member stand-in's in-process store), and the
 * zone faults with their effect on the world's cluster state.
 */
import type { KubeApiServer, ObjectStore } from '../kubernetes/types';
import type { ClusterState, FleetWorld, WorldCluster, ZoneFault } from '../world';
import { EntryServer } from './entry-server';
import { ZoneError } from './errors';
import { emitNodeEvents, zoneNodeName } from './node-events';
import { type PodFault, type PodFaultOptions, PodServer } from './pod-server';
import { type AppSpec, appObjects, displayPodIp } from './zone-objects';

/** The part of the member stand-in's store a zone writes to. */
export type MemberStore = Pick<ObjectStore, 'upsert' | 'get' | 'list'>;

/** Every fault a zone accepts, plus `heal`. */
export const ZONE_FAULTS = ['dead', 'blackhole', 'slow', 'errors', 'agent-partition'] as const;

/** Options of a fault. */
export interface ZoneFaultOptions extends PodFaultOptions {
  /**
   * Control plane under `dead`/`blackhole`. Default: an ACK (managed) control plane survives its zone and
   * stays `running` ('down' makes it `unavailable`); a registered cluster's agent runs in the zone, so it
   * becomes `disconnected` ('up' keeps it `running`).
   */
  controlPlane?: 'up' | 'down';
  /** Override of the zone's readiness lag for this fault. */
  readinessLagMs?: number;
}

/** Options of `Zone.start`. */
export interface ZoneOptions {
  world: FleetWorld;
  clusterId: string;
  app: { namespace: string; name: string; servicePort: number };
  /** A label of the team's own to put on the pods (for a `label` pin); none by default. */
  podLabel?: { key: string; value: string };
  store?: MemberStore;
  /** The member cluster's API server: unreachable while the zone holding its control plane is lost. */
  memberApi?: Pick<KubeApiServer, 'setUnreachable'>;
  /** Pods of the app in this cluster; default 3. */
  replicas?: number;
  seed?: number;
  /**
   * How long after its pods stop answering the cluster's objects show them not ready (node-monitor grace
   * period + endpoint update). Default 40000 ms, as Kubernetes; until then the gateway still sees endpoints.
   */
  readinessLagMs?: number;
}

/** A running zone. */
export class Zone {
  readonly name: string;
  readonly cluster: WorldCluster;
  readonly pods: PodServer[] = [];
  fault: ZoneFault = 'none';
  private entry?: EntryServer;
  private readonly ready = new Map<string, boolean>();
  private readonly lagTimers = new Set<NodeJS.Timeout>();
  private readonly app: AppSpec;

  private constructor(private readonly opts: ZoneOptions) {
    const c = opts.world.cluster(opts.clusterId);
    if (!c) throw new ZoneError(`no cluster ${opts.clusterId} in the world`);
    this.cluster = c;
    this.name = c.zone;
    this.app = { ...opts.app, clusterId: c.id, zone: c.zone, region: c.regionId, podLabel: opts.podLabel };
  }

  /** Starts the zone's pods and entry point and writes the member cluster's objects. */
  static async start(opts: ZoneOptions): Promise<Zone> {
    const z = new Zone(opts);
    const n = opts.replicas ?? 3;
    for (let i = 0; i < n; i++) {
      const name = `${opts.app.name}-${z.cluster.id}-${i}`;
      z.pods.push(
        await PodServer.start({ cluster: z.cluster.id, zone: z.name, name, seed: (opts.seed ?? 1) * 31 + i }),
      );
      z.ready.set(name, true);
    }
    z.entry = await EntryServer.start(() => z.pods);
    z.sync();
    return z;
  }

  /** The in-VPC probe URL of the app in this zone (the policy's probes point here). */
  get probeUrl(): string {
    return `http://127.0.0.1:${this.entry?.port ?? 0}/healthz`;
  }

  /** Applies a zone fault (replacing the current one) or heals the zone. */
  async setFault(kind: ZoneFault | 'heal', opts: ZoneFaultOptions = {}): Promise<void> {
    const fault: ZoneFault = kind === 'heal' ? 'none' : kind;
    if (fault !== 'none' && !(ZONE_FAULTS as readonly string[]).includes(fault)) {
      throw new ZoneError(`unknown zone fault ${kind} (one of ${ZONE_FAULTS.join(', ')}, heal)`);
    }
    if (fault === 'agent-partition' && this.cluster.clusterType !== 'ExternalKubernetes') {
      throw new ZoneError(`agent-partition applies to a registered cluster; ${this.cluster.id} is ACK`);
    }
    this.clearLag();
    const before = this.fault;
    const state = this.clusterStateUnder(fault, opts);
    // A control plane lost with its zone takes its API server along: refused (dead) or hanging (blackhole).
    // First, before the pods and the entry change (which wait for listeners): a lost zone loses everything at
    // once, so nothing may see the pods gone while this cluster's API still answers.
    const apiDown = (fault === 'dead' || fault === 'blackhole') && state !== 'running';
    this.opts.memberApi?.setUnreachable(apiDown ? (fault === 'dead' ? 'refuse' : 'hang') : false);
    const podFault: PodFault = fault === 'none' || fault === 'agent-partition' ? 'none' : fault;
    await Promise.all(this.pods.map((p) => p.setFault(podFault, opts)));
    await this.entry?.setOpen(fault !== 'dead');
    this.fault = fault;
    if (fault === 'dead' || fault === 'blackhole') {
      // A registered cluster's control plane sits in the lost data centre: nothing is left to mark its pods
      // not-ready, so its objects freeze as they were (as a real cut-off cluster's would). A managed ACK
      // control plane survives its zone and marks the pods not-ready after the node grace period.
      if (this.clusterStateUnder(fault, opts) === 'running')
        this.afterLag(opts.readinessLagMs, () => this.setReady(this.pods, false));
    } else {
      this.setReady(this.pods, true);
    }
    this.sync();
    this.opts.world.setZoneFault(this.name, fault);
    this.opts.world.updateCluster(this.cluster.id, { state });
    emitNodeEvents(
      {
        world: this.opts.world,
        clusterId: this.cluster.id,
        node: zoneNodeName(this.cluster.id, this.name),
        namespace: this.app.namespace,
        pods: this.pods.map((p) => p.name),
      },
      { before, after: fault, state },
      (fn) => this.afterLag(opts.readinessLagMs, fn),
    );
  }

  /** Sets one pod's behaviour (a pod-level fault); `dead`/`blackhole` pods turn not ready after the lag. */
  async setPodFault(
    podName: string,
    fault: PodFault,
    opts: PodFaultOptions & { readinessLagMs?: number } = {},
  ) {
    const pod = this.pods.find((p) => p.name === podName);
    if (!pod) throw new ZoneError(`no pod ${podName} in zone ${this.name}`);
    await pod.setFault(fault, opts);
    if (fault === 'dead' || fault === 'blackhole')
      this.afterLag(opts.readinessLagMs, () => this.setReady([pod], false));
    else this.setReady([pod], true);
    this.sync();
  }

  /** Writes the member cluster's objects from what is running now. */
  sync(): void {
    const store = this.opts.store;
    if (!store) return;
    const views = this.pods.map((p, i) => ({
      name: p.name,
      port: p.port,
      podIP: displayPodIp(this.cluster.podCidr, i),
      ready: this.ready.get(p.name) ?? false,
    }));
    for (const obj of appObjects(this.app, views)) store.upsert(obj);
  }

  /** Stops the pods, the entry point and pending timers. */
  async stop(): Promise<void> {
    this.clearLag();
    await Promise.all([...this.pods.map((p) => p.stop()), this.entry?.stop()]);
  }

  private clusterStateUnder(fault: ZoneFault, opts: ZoneFaultOptions): ClusterState {
    if (fault === 'agent-partition') return 'disconnected';
    if (fault !== 'dead' && fault !== 'blackhole') return 'running';
    if (this.cluster.clusterType === 'ManagedKubernetes')
      return opts.controlPlane === 'down' ? 'unavailable' : 'running';
    return opts.controlPlane === 'up' ? 'running' : 'disconnected';
  }

  private setReady(pods: PodServer[], ready: boolean): void {
    for (const p of pods) this.ready.set(p.name, ready);
    this.sync();
  }

  private afterLag(overrideMs: number | undefined, fn: () => void): void {
    const ms = overrideMs ?? this.opts.readinessLagMs ?? 40_000;
    const t = setTimeout(() => {
      this.lagTimers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.lagTimers.add(t);
  }

  private clearLag(): void {
    for (const t of this.lagTimers) clearTimeout(t);
    this.lagTimers.clear();
  }
}
