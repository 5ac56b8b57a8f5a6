/**
 * Reads the DestinationRule of each route the ASM router carries (`router: asm`) from the ASM control plane,
 * read-only, for the mesh comparisons (mesh-routing.ts). A policy without such a route reads nothing here (no
 * servicemesh call); a rule that cannot be read is null, its error named, and it is not compared.
 */
import type { KubeJson } from '../clients/kube-client';
import { destinationRuleOf } from '../config';
import type { DestinationRuleSpec } from '../gateway/asm-distribute';
import { routerNameOf } from '../gateway/router-by-route';
import type { Wiring } from '../runtime/wiring';
import type { DestinationRuleView, DriftSnapshot } from './types';

/** Runs one read; a failure is named in the snapshot's errors and gives null. */
type Attempt = <T>(what: string, fn: () => Promise<T>) => Promise<T | null>;

/** A DestinationRule as the comparisons read it (`found: false` when there is none). */
export function destinationRuleView(
  namespace: string,
  name: string,
  obj: KubeJson | undefined,
): DestinationRuleView {
  if (!obj) return { found: false, namespace, name };
  const spec = (obj.spec && typeof obj.spec === 'object' ? obj.spec : {}) as DestinationRuleSpec;
  const od = spec.trafficPolicy?.outlierDetection;
  const lb = spec.trafficPolicy?.loadBalancer?.localityLbSetting;
  return {
    found: true,
    namespace,
    name,
    annotations: { ...(obj.metadata?.annotations ?? {}) },
    localityLbSetting: lb && typeof lb === 'object' ? structuredClone(lb) : null,
    outlierDetection: od && typeof od === 'object' ? structuredClone(od) : null,
  };
}

/** Each `router: asm` route's DestinationRule, or undefined when no route uses the ASM router. */
export async function readDestinationRules(
  wiring: Pick<Wiring, 'policy' | 'destinationRules'>,
  attempt: Attempt,
): Promise<DriftSnapshot['destinationRules']> {
  const routes = wiring.policy.routes.filter((r) => routerNameOf(r) === 'asm');
  if (routes.length === 0) return undefined;
  const rules = await attempt('service mesh DestinationRules', () => wiring.destinationRules());
  const read = await Promise.all(
    routes.map(async (route) => {
      const { namespace, name } = destinationRuleOf(route);
      const view = rules
        ? await attempt(`route ${route.name} destinationrule ${namespace}/${name}`, async () =>
            destinationRuleView(namespace, name, await rules.get(namespace, name)),
          )
        : null;
      return [route.name, view] as const;
    }),
  );
  return Object.fromEntries(read);
}
