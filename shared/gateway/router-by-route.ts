/**
 * The traffic routers of one policy behind the one TrafficRouter the pipeline applies committed state through:
 * each route goes to the router its `router` setting names (`mse-ingress`, the default, or `asm`), and a
 * fence or re-admit goes to every router that carries a route, since a fenced cluster must get no traffic from
 * any of them. A cluster is a member only when every such router has it.
 */
import type { Route } from '../config';
import { ConfigError } from '../errors';
import type { Weights } from './canary-weights';
import type { TrafficRouter } from './router';

/** The router names a route may choose (config.ts `routes[].router`). */
export type RouterName = 'mse-ingress' | 'asm';

/** The router a route is carried by. */
export const routerNameOf = (route: Route): RouterName => route.router ?? 'mse-ingress';

/** One TrafficRouter over the routers the policy's routes use. */
export class RouterByRoute implements TrafficRouter {
  readonly name: string;

  constructor(private readonly routers: Partial<Record<RouterName, TrafficRouter>>) {
    const names = Object.keys(routers);
    if (names.length === 0) throw new ConfigError('no traffic router: the policy has no route');
    this.name = names.join('+');
  }

  private of(route: Route): TrafficRouter {
    const name = routerNameOf(route);
    const r = this.routers[name];
    if (!r) throw new ConfigError(`route ${route.name}: router "${name}" is not wired`);
    return r;
  }

  private get all(): TrafficRouter[] {
    return Object.values(this.routers).filter((r): r is TrafficRouter => r !== undefined);
  }

  prepare(route: Route): void {
    this.of(route).prepare?.(route);
  }

  async readWeights(route: Route): Promise<Weights | undefined> {
    return this.of(route).readWeights(route);
  }

  async setWeights(route: Route, weights: Weights, opts?: { revision?: number }): Promise<void> {
    return this.of(route).setWeights(route, weights, opts);
  }

  async fence(clusterId: string): Promise<void> {
    for (const r of this.all) await r.fence(clusterId);
  }

  async readmit(clusterId: string): Promise<void> {
    for (const r of this.all) await r.readmit(clusterId);
  }

  async members(): Promise<string[]> {
    const each = await Promise.all(this.all.map((r) => r.members()));
    return each.reduce((a, b) => a.filter((id) => b.includes(id)));
  }
}
