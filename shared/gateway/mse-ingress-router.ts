/**
 * The MSE multi-cluster gateway as a TrafficRouter: weights are canary Ingresses on the Fleet (weight-writer.ts),
 * membership is the MseIngressConfig's remote-clusters annotation (membership.ts).
 */
import type { Route } from '../config';
import type { Weights } from './canary-weights';
import type { GatewayMembership } from './membership';
import type { TrafficRouter } from './router';
import type { WeightWriter } from './weight-writer';

/** The MSE Ingress router. */
export class MseIngressRouter implements TrafficRouter {
  readonly name = 'mse-ingress';

  constructor(
    private readonly writer: WeightWriter,
    private readonly membership: GatewayMembership,
  ) {}

  readWeights(route: Route): Promise<Weights | undefined> {
    return this.writer.read(route);
  }

  setWeights(route: Route, weights: Weights, opts?: { revision?: number }): Promise<void> {
    return this.writer.apply(route, weights, opts);
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
