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

  /** The zone for a zone name (cn-hangzhou-h), a cluster id (c-ack-az1), a cluster name (ack-az1) or its last part (az1). */
  get(key: string): Zone {
    return this.matching(key)[0]!;
  }

  /** Every zone entry for a key (one per route of that cluster); throws ZoneError when none. */
  matching(key: string): Zone[] {
    const exact = this.list.filter((x) => x.name === key || x.cluster.id === key || x.cluster.name === key);
    const bySuffix = this.list.filter((x) => x.cluster.name.endsWith(`-${key}`));
    const clusters = new Set(bySuffix.map((x) => x.cluster.id));
    const found = exact.length > 0 ? exact : clusters.size === 1 ? bySuffix : [];
    if (found.length === 0) {
      const known = [...new Set(this.list.map((x) => `${x.name} (${x.cluster.id})`))].join(', ');
      throw new ZoneError(`no zone ${key}; known: ${known}`);
    }
    return found;
  }

  /** Applies a fault to a zone (every app running there), or heals it. */
  async fault(zone: string, kind: ZoneFault | 'heal', opts?: ZoneFaultOptions): Promise<void> {
    for (const z of this.matching(zone)) await z.setFault(kind, opts);
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
