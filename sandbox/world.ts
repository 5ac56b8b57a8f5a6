/**
 * The sandbox's single model of the simulated hybrid fleet: which clusters exist, their control-plane
 * state as ACK reports it, whether they are associated with the Fleet, and what their zone's data plane is
 * doing. The cloud stand-ins (ACK, ACK One, MSE, CloudMonitor) read it; the zones and fault injection
 * write it. One model, so the stand-ins never disagree with each other about a cluster.
 */
import { EventEmitter } from 'node:events';

/** ACK cluster states the stand-ins use (a subset of DescribeClusterDetail's `state`). */
export type ClusterState = 'running' | 'unavailable' | 'disconnected';
/** What a zone's data plane does to connections: see sandbox/zones for the effect of each fault. */
export type ZoneFault = 'none' | 'dead' | 'blackhole' | 'slow' | 'errors' | 'agent-partition';

export interface WorldCluster {
  id: string;
  name: string;
  zone: string;
  regionId: string;
  vpcId: string;
  /** `ManagedKubernetes` for ACK, `ExternalKubernetes` for a registered cluster (cs `cluster_type`). */
  clusterType: 'ManagedKubernetes' | 'ExternalKubernetes';
  state: ClusterState;
  /** Associated with the Fleet (adcp AttachClusterToHub / DetachClusterFromHub). */
  attachedToFleet: boolean;
  /** Member cluster API server URL and kubeconfig, filled in when its Kubernetes stand-in starts. */
  kubeconfig?: string;
  podCidr?: string;
}

export interface WorldZone {
  name: string;
  fault: ZoneFault;
}

export type WorldChange = { kind: 'cluster'; cluster: WorldCluster } | { kind: 'zone'; zone: WorldZone };

/** Optional providers registered by the parts that own the live data (the gateway owns service health). */
export interface ServiceHealth {
  name: string;
  namespace: string;
  healthStatus: 'Health' | 'Unhealthy' | 'Unknown';
  ips: string[];
  unhealthyEndpoints: string[];
  ports: number[];
}

export class FleetWorld extends EventEmitter {
  readonly fleetId: string;
  readonly regionId: string;
  /** Fleet kubeconfig, filled in when the Fleet's Kubernetes stand-in starts. */
  fleetKubeconfig?: string;
  readonly clusters = new Map<string, WorldCluster>();
  readonly zones = new Map<string, WorldZone>();
  serviceHealthProvider?: () => ServiceHealth[];

  constructor(opts: { fleetId: string; regionId: string }) {
    super();
    this.fleetId = opts.fleetId;
    this.regionId = opts.regionId;
  }

  addCluster(c: WorldCluster): void {
    this.clusters.set(c.id, { ...c });
    if (!this.zones.has(c.zone)) this.zones.set(c.zone, { name: c.zone, fault: 'none' });
    this.emit('change', { kind: 'cluster', cluster: this.clusters.get(c.id)! } satisfies WorldChange);
  }

  cluster(id: string): WorldCluster | undefined {
    return this.clusters.get(id);
  }

  updateCluster(id: string, patch: Partial<Omit<WorldCluster, 'id'>>): WorldCluster {
    const c = this.clusters.get(id);
    if (!c) throw new Error(`world: no cluster ${id}`);
    Object.assign(c, patch);
    this.emit('change', { kind: 'cluster', cluster: c } satisfies WorldChange);
    return c;
  }

  setZoneFault(zone: string, fault: ZoneFault): void {
    const z = this.zones.get(zone) ?? { name: zone, fault: 'none' };
    z.fault = fault;
    this.zones.set(zone, z);
    this.emit('change', { kind: 'zone', zone: z } satisfies WorldChange);
  }
}
