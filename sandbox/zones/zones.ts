/** The set of zones of a sandbox, addressed by zone name, cluster id or cluster name. */
import type { FleetWorld, ZoneFault } from '../world';
import { ZoneError } from './errors';
import { Zone, type ZoneFaultOptions, type ZoneOptions } from './zone';

/** Every zone of a sandbox. */
export class Zones {
  private constructor(readonly list: Zone[]) {}

  /** Starts one zone per entry (each entry is one member cluster's app in that cluster's zone). */
  static async start(world: FleetWorld, zones: Array<Omit<ZoneOptions, 'world'>>): Promise<Zones> {
    const started: Zone[] = [];
    try {
      for (const z of zones) started.push(await Zone.start({ ...z, world }));
    } catch (err) {
      await Promise.all(started.map((z) => z.stop()));
      throw err;
    }
    return new Zones(started);
  }

  /** The zone for a zone name (cn-hangzhou-h), a cluster id (c-ack-az1) or a cluster name (ack-az1). */
  get(key: string): Zone {
    const z = this.list.find((x) => x.name === key || x.cluster.id === key || x.cluster.name === key);
    if (!z) {
      const known = this.list.map((x) => `${x.name} (${x.cluster.id})`).join(', ');
      throw new ZoneError(`no zone ${key}; known: ${known}`);
    }
    return z;
  }

  /** Applies a fault to a zone, or heals it. */
  fault(zone: string, kind: ZoneFault | 'heal', opts?: ZoneFaultOptions): Promise<void> {
    return this.get(zone).setFault(kind, opts);
  }

  /** The probe URL of a cluster's app, in its zone. */
  probeUrl(clusterId: string): string {
    return this.get(clusterId).probeUrl;
  }

  /** Stops every zone. */
  async stop(): Promise<void> {
    await Promise.all(this.list.map((z) => z.stop()));
  }
}
