/**
 * `--write-test`: every write fleet-dr makes on the Fleet, sent as a server-side dry run (`dryRun=All`): the
 * API server authorises, validates and admits it and answers the object, but stores nothing. The writes are the
 * product's own: each route's canaries through IngressWeightWriter.apply (baseline weights), the routing-state
 * ConfigMap, and the MseIngressConfig's remote-clusters annotation. Reads go through the normal client.
 * `--write-test=live` (a weight-0 canary created and removed on a path the user names) is write-live.ts.
 */
import type { V1ConfigMap, V1Ingress } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { KubeApiError } from '../clients/errors';
import { type KubeClient, type KubeJson, toKubeError } from '../clients/kube-client';
import type { Policy } from '../config';
import { gatewayKeys } from '../gateway/annotations';
import { MSE_INGRESS_CONFIG } from '../gateway/membership';
import { IngressWeightWriter } from '../gateway/weight-writer';
import { STATE_CONFIGMAPS } from '../state/routing-store';
import { fail, messageOf, type PreflightCheck, pass, warn } from './types';

const DRY = 'All';

/** `kube` with every write it makes sent as a dry run and written down in `sent` (reads unchanged). */
export function dryRunKube(kube: KubeClient, kubeconfig: string, sent: string[]): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const send = async <T>(verb: string, what: string, fn: () => Promise<T>): Promise<T> => {
    sent.push(`${verb} ${what}`);
    try {
      return await fn();
    } catch (err) {
      throw toKubeError(`fleet: ${what}`, verb, err);
    }
  };
  const ref = (o: { metadata?: { namespace?: string; name?: string } }) =>
    `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`;
  return {
    ...kube,
    createIngress: (ing: V1Ingress) =>
      send('create', `ingress ${ref(ing)}`, () =>
        net.createNamespacedIngress({ namespace: ing.metadata!.namespace!, body: ing, dryRun: DRY }),
      ),
    replaceIngress: (ing: V1Ingress) =>
      send('update', `ingress ${ref(ing)}`, () =>
        net.replaceNamespacedIngress({
          name: ing.metadata!.name!,
          namespace: ing.metadata!.namespace!,
          body: ing,
          dryRun: DRY,
        }),
      ),
    createConfigMap: (cm: V1ConfigMap) =>
      send('create', `configmap ${ref(cm)}`, () =>
        core.createNamespacedConfigMap({ namespace: cm.metadata!.namespace!, body: cm, dryRun: DRY }),
      ),
    replaceConfigMap: (cm: V1ConfigMap) =>
      send('update', `configmap ${ref(cm)}`, () =>
        core.replaceNamespacedConfigMap({
          name: cm.metadata!.name!,
          namespace: cm.metadata!.namespace!,
          body: cm,
          dryRun: DRY,
        }),
      ),
    replaceClusterCustomObject: (r, o: KubeJson) =>
      send(
        'update',
        `${r.plural} ${ref(o)}`,
        () =>
          custom.replaceClusterCustomObject({
            ...r,
            name: o.metadata!.name!,
            body: o,
            dryRun: DRY,
          }) as Promise<KubeJson>,
      ),
    deleteIngress: async () => {
      throw new KubeApiError('fleet: ingress', 'delete', 400, 'the write test deletes nothing');
    },
  };
}

/** The row of one group of dry-run writes (pure). */
export function judgeWrites(name: string, sent: string[], error?: unknown): PreflightCheck {
  const row = `writes: ${name}`;
  const what = sent.join(', ') || 'nothing sent';
  if (error === undefined) return pass(row, `dry run (dryRun=All) accepted: ${what}; nothing stored`);
  const e = error instanceof KubeApiError ? error : undefined;
  if (e?.status === 403)
    return fail(
      row,
      `refused: ${messageOf(e).slice(0, 200)}`,
      'apply deploy/fleet-rbac.yaml for the functions\u2019 identity (see the rbac rows)',
    );
  if (e && (e.status === 422 || e.status === 400))
    return fail(
      row,
      `the API server refused the object: ${messageOf(e).slice(0, 240)}`,
      'check the policy (gateway annotations, route) against what the Fleet accepts',
    );
  return warn(
    row,
    `not checked: ${messageOf(error).slice(0, 200)} (sent: ${what})`,
    'see the identity and rbac rows',
  );
}

async function attempt(name: string, run: (sent: string[]) => Promise<void>): Promise<PreflightCheck> {
  const sent: string[] = [];
  try {
    await run(sent);
    return judgeWrites(name, sent);
  } catch (err) {
    return judgeWrites(name, sent, err);
  }
}

/** What the write test needs. */
export interface WriteTestDeps {
  policy: Policy;
  fleetKube: () => Promise<KubeClient>;
  hubKubeconfig: () => Promise<string>;
  memberKube: (clusterId: string) => Promise<KubeClient>;
}

/** Runs the dry-run writes: one row per route's canaries, the state ConfigMap, the MseIngressConfig. */
export async function runWriteTest(d: WriteTestDeps): Promise<PreflightCheck[]> {
  const { policy } = d;
  let dry: (sent: string[]) => Promise<KubeClient>;
  try {
    const [kube, kubeconfig] = await Promise.all([d.fleetKube(), d.hubKubeconfig()]);
    dry = async (sent) => dryRunKube(kube, kubeconfig, sent);
  } catch (err) {
    return [
      warn(
        'writes: dry run',
        `not run: the Fleet was not reachable: ${messageOf(err).slice(0, 200)}`,
        'see the identity rows',
      ),
    ];
  }
  const routes = policy.routes.map((route) =>
    attempt(`canaries of ${route.name}`, async (sent) => {
      const writer = new IngressWeightWriter({
        fleetKube: await dry(sent),
        memberKube: d.memberKube,
        clusters: policy.clusters,
        keys: gatewayKeys(policy.gateway),
      });
      await writer.apply(route, route.baselineWeights, { pinsChecked: true });
    }),
  );
  const ns = policy.fleet.stateNamespace;
  const state = attempt(`state configmap ${ns}/${STATE_CONFIGMAPS.routing}`, async (sent) => {
    const kube = await dry(sent);
    const cur = await kube.getConfigMap(ns, STATE_CONFIGMAPS.routing);
    if (cur) await kube.replaceConfigMap(cur);
    else
      await kube.createConfigMap({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: STATE_CONFIGMAPS.routing, namespace: ns },
        data: {},
      });
  });
  const cfgName = policy.fleet.mseIngressConfig;
  const gateway = attempt(`mseingressconfig ${cfgName}`, async (sent) => {
    const kube = await dry(sent);
    const obj = await kube.getClusterCustomObject(MSE_INGRESS_CONFIG, cfgName);
    if (!obj) throw new KubeApiError(`fleet: mseingressconfig ${cfgName}`, 'get', 404, 'not found');
    // The write fence/readmit make: the remote-clusters annotation rewritten (here to its current value).
    await kube.replaceClusterCustomObject(MSE_INGRESS_CONFIG, obj);
  });
  return Promise.all([...routes, state, gateway]);
}
