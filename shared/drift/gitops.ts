/**
 * GitOps ownership drift: a fleet-dr canary that Argo CD tracks (its tracking label or annotation, or listed in
 * an Application's resources) would be pruned or overwritten by the next sync; a base Ingress that is missing,
 * or changed so that the canaries (copies of its rules) or the policy's Service and port no longer match it.
 */
import { gatewayKeys, MANAGED_BY } from '../gateway/annotations';
import { routerNameOf } from '../gateway/router-by-route';
import { pathSet } from './routing';
import type { CompareInput, Difference } from './types';

/** Argo CD's default tracking label, and its annotation tracking method. */
export const ARGO_TRACKING_LABEL = 'app.kubernetes.io/instance';
export const ARGO_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

const UNSAFE = { safeToRepair: false } as const;

/** The GitOps ownership differences of every route. */
export function compareGitOps({ policy, snapshot }: CompareInput): Difference[] {
  const out: Difference[] = [];
  const keys = gatewayKeys(policy.gateway);
  for (const route of policy.routes) {
    const r = snapshot.routes[route.name];
    // An ASM route is steered through its DestinationRule: no canary or base Ingress of fleet-dr's to check
    // (mesh-routing.ts compares the rule).
    if (!r || routerNameOf(route) === 'asm') continue;
    const baseObject = `ingress ${route.namespace}/${route.ingress}`;
    if (!r.base) {
      out.push({
        kind: 'base-ingress-missing',
        object: baseObject,
        expected: 'the base Ingress of the route exists',
        actual: 'missing',
        ...UNSAFE,
        why: 'the base Ingress is the application\u2019s (GitOps); fleet-dr never writes it',
      });
    } else {
      const wrong = r.base.paths.filter(
        (p) => p.service !== route.service || p.port !== String(route.servicePort),
      );
      if (r.base.paths.length === 0 || wrong.length)
        out.push({
          kind: 'base-ingress-mismatch',
          object: baseObject,
          expected: `every path to ${route.service}:${route.servicePort}`,
          actual: r.base.paths.length ? pathSet({ ...r.base, paths: wrong }).join('; ') : 'no paths',
          ...UNSAFE,
          why: 'the route in the policy and the base Ingress disagree: one of them is to be changed',
        });
    }
    const tracked = new Set(
      (snapshot.applications ?? []).flatMap((a) =>
        a.resources
          .filter((x) => x.kind === 'Ingress' && (x.namespace ?? route.namespace) === route.namespace)
          .map((x) => x.name),
      ),
    );
    for (const i of r.ingresses) {
      if (i.labels[keys.managedBy] !== MANAGED_BY || i.labels[keys.route] !== route.name) continue;
      const object = `ingress ${i.namespace}/${i.name}`;
      const by =
        i.labels[ARGO_TRACKING_LABEL] !== undefined
          ? `label ${ARGO_TRACKING_LABEL}=${i.labels[ARGO_TRACKING_LABEL]}`
          : i.annotations[ARGO_TRACKING_ANNOTATION] !== undefined
            ? `annotation ${ARGO_TRACKING_ANNOTATION}`
            : tracked.has(i.name)
              ? 'listed in an Application'
              : undefined;
      if (by)
        out.push({
          kind: 'canary-gitops-tracked',
          object,
          expected: 'owned by fleet-dr alone',
          actual: `tracked by Argo CD (${by}): a sync would prune or overwrite it`,
          cluster: i.labels[keys.cluster],
          ...UNSAFE,
          why: 'take the canary out of Git (or out of the Application); fleet-dr does not edit GitOps',
        });
      if (r.base?.paths.length) {
        const want = pathSet(r.base);
        const have = pathSet(i);
        if (want.join('|') !== have.join('|'))
          out.push({
            kind: 'base-ingress-mismatch',
            object,
            expected: `the base Ingress's rules (${want.join('; ')})`,
            actual: have.join('; ') || 'no rules',
            cluster: i.labels[keys.cluster],
            ...UNSAFE,
            why: 'the canaries copy the base Ingress when weights are written; the next weight change copies it again',
          });
      }
    }
  }
  return out;
}
