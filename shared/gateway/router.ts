/**
 * One traffic manager behind one small interface, as Flagger keeps one router per mesh or ingress: read and
 * set a route's weights, fence a cluster off and re-admit it. The pipeline applies every committed state
 * through it, so a second traffic manager (ASM DestinationRules) is one more implementation beside
 * mse-ingress-router.ts, and decide() never knows which one carries the traffic.
 */
import type { Route } from '../config';
import type { Weights } from './canary-weights';

/** A traffic manager fleet-dr steers. */
export interface TrafficRouter {
  /** A short name for answers and logs (`mse-ingress`). */
  readonly name: string;
  /** The weights the router carries now for a route, or undefined when fleet-dr does not steer it yet. */
  readWeights(route: Route): Promise<Weights | undefined>;
  /** Set a route's weights; with `revision`, a newer commit's weights are never overwritten. Idempotent. */
  setWeights(route: Route, weights: Weights, opts?: { revision?: number }): Promise<void>;
  /** Take a cluster off the traffic manager (no-op when it is already off). */
  fence(clusterId: string): Promise<void>;
  /** Put a cluster back (at the weight the committed state gives it; no-op when it is on). */
  readmit(clusterId: string): Promise<void>;
  /** The clusters the traffic manager routes to now. */
  members(): Promise<string[]>;
  /**
   * Start reading what setWeights(route) will need — the route's current objects, each cluster's pin check —
   * beside the gathering, so none of it waits on the decision. Optional; setWeights works without it.
   */
  prepare?(route: Route): void;
}
