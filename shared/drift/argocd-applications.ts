/**
 * Argo CD Applications on the Fleet (`argoproj.io/v1alpha1`, namespace `argocd`), read-only, through the
 * Fleet's KubeClient (its one connection pool).
 */
import type { KubeClient } from '../clients/kube-client';
import type { ApplicationView } from './types';

/** The Argo CD Application resource. */
export const APPLICATIONS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' } as const;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An Application as the drift check reads it. */
export function applicationView(raw: unknown): ApplicationView {
  const o = obj(raw);
  const meta = obj(o.metadata);
  const dest = obj(obj(o.spec).destination);
  const status = obj(o.status);
  const resources = Array.isArray(status.resources) ? status.resources : [];
  return {
    name: str(meta.name) ?? '',
    namespace: str(meta.namespace) ?? '',
    destination: {
      ...(str(dest.name) !== undefined ? { name: str(dest.name) } : {}),
      ...(str(dest.server) !== undefined ? { server: str(dest.server) } : {}),
      ...(str(dest.namespace) !== undefined ? { namespace: str(dest.namespace) } : {}),
    },
    sync: str(obj(status.sync).status) ?? '',
    health: str(obj(status.health).status) ?? '',
    resources: resources.map((r) => {
      const x = obj(r);
      return {
        kind: str(x.kind) ?? '',
        name: str(x.name) ?? '',
        ...(str(x.namespace) !== undefined ? { namespace: str(x.namespace) } : {}),
      };
    }),
  };
}

/** Lists the Applications in `namespace` on the Fleet. */
export async function listApplications(
  fleetKube: Pick<KubeClient, 'listCustomObjects'>,
  namespace = 'argocd',
): Promise<ApplicationView[]> {
  return (await fleetKube.listCustomObjects({ ...APPLICATIONS, namespace })).map(applicationView);
}
