/**
 * The MSE multi-cluster gateway as a TrafficRouter: weights are canary Ingresses on the Fleet (weight-writer.ts),
 * membership is the MseIngressConfig's remote-clusters annotation (membership.ts). One router serves one
 * invocation: `prepare` reads each route's base Ingress and canaries once and starts every cluster's pin
 * check beside the gathering; readWeights answers from that read and setWeights writes the canaries
 * conditionally on it, waiting only for the pin checks of the clusters the weights give traffic.
 */
import type { Route } from '../config';
import type { Weights } from './canary-weights';
import type { GatewayMembership } from './membership';
import type { TrafficRouter } from './router';
import type { RouteSnapshot, WeightWriter } from './weight-writer';

/** The weight writer, with the snapshot reads the Ingress writer offers. */
type Writer = WeightWriter & {
  snapshot?(route: Route): Promise<RouteSnapshot>;
  weightsOf?(s: RouteSnapshot): Weights | undefined;
};

/** The MSE Ingress router. */
export class MseIngressRouter implements TrafficRouter {
  readonly name = 'mse-ingress';
  private readonly snapshots = new Map<string, Promise<RouteSnapshot>>();
  private readonly pins = new Map<string, Promise<void>>();

  constructor(
    private readonly writer: Writer,
    private readonly membership: GatewayMembership,
    /** Every cluster of the policy: the pin checks `prepare` starts. */
    private readonly clusterIds: string[] = [],
  ) {}

  prepare(route: Route): void {
    if (!this.writer.snapshot || this.snapshots.has(route.name)) return;
    const s = this.writer.snapshot(route);
    s.catch(() => {}); // awaited (and reported) by whoever needs it
    this.snapshots.set(route.name, s);
    for (const id of this.clusterIds) {
      const key = `${route.name}/${id}`;
      // A dead cluster's check may hang or fail: only the clusters the weights give traffic are awaited.
      const p = this.writer.checkPins(route, { [id]: 100 });
      p.catch(() => {});
      this.pins.set(key, p);
    }
  }

  async readWeights(route: Route): Promise<Weights | undefined> {
    const s = this.snapshots.get(route.name);
    if (s && this.writer.weightsOf) return this.writer.weightsOf(await s);
    return this.writer.read(route);
  }

  async setWeights(route: Route, weights: Weights, opts: { revision?: number } = {}): Promise<void> {
    const s = this.snapshots.get(route.name);
    if (!s) return this.writer.apply(route, weights, opts);
    // What was read is spent by this write: a later call in this invocation reads afresh.
    this.snapshots.delete(route.name);
    const snapshot = await s;
    const gets = Object.entries(weights).filter(([, w]) => w > 0);
    const prepared = gets.every(([id]) => this.pins.has(`${route.name}/${id}`));
    if (prepared) await Promise.all(gets.map(([id]) => this.pins.get(`${route.name}/${id}`)));
    await this.writer.apply(route, weights, { ...opts, snapshot, pinsChecked: prepared });
  }

  async fence(clusterId: string): Promise<void> {
    await this.membership.fence(clusterId);
  }

  async readmit(clusterId: string): Promise<void> {
    await this.membership.readmit(clusterId);
  }

  members(): Promise<string[]> {
    return this.membership.members();
  }
}
