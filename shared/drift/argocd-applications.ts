/**
 * Argo CD Applications on the Fleet (`argoproj.io/v1alpha1`, namespace `argocd`), read-only. The Fleet's
 * KubeClient (shared/clients/kube-client.ts) has no namespaced custom-object list yet, so this adapter builds
 * its own CustomObjectsApi from the Fleet kubeconfig; it belongs in kube-client.ts as
 * `listNamespacedCustomObject` (docs/drift.md, "Open points").
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { toKubeError } from '../clients/kube-client';
import { DEFAULT_LIMITS, retryRead } from '../clients/retry';
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

/** Lists the Applications in `namespace` with the Fleet's kubeconfig. */
export async function listApplications(kubeconfig: string, namespace = 'argocd'): Promise<ApplicationView[]> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const what = `fleet: applications ${namespace}`;
  const body = await retryRead(
    what,
    async () => {
      try {
        return (await custom.listNamespacedCustomObject({ ...APPLICATIONS, namespace })) as {
          items?: unknown[];
        };
      } catch (err) {
        throw toKubeError(what, 'list', err);
      }
    },
    DEFAULT_LIMITS,
  );
  return (body.items ?? []).map(applicationView);
}
