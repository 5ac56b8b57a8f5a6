/**
 * Check 2, Kubernetes RBAC: for each verb on each resource the functions use, on the Fleet and on each member
 * cluster, a SelfSubjectAccessReview with the kubeconfig the functions would get (adcp
 * DescribeHubClusterKubeconfig and cs DescribeClusterUserKubeconfig with the same credentials, as the wiring
 * gets them). The review creates nothing: the API server answers it and keeps nothing. A denial is a FAIL
 * naming verb, resource and namespace, and the line of deploy/fleet-rbac.yaml that grants it.
 */
import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Policy } from '../config';
import { fail, messageOf, type PreflightCheck, pass, warn } from './types';

/** One verb on one resource the functions need. */
export interface RbacNeed {
  target: 'fleet' | 'member';
  group: string;
  resource: string;
  verb: string;
  /** Undefined for a cluster-scoped resource. */
  namespace?: string;
  name?: string;
  /** The document of deploy/fleet-rbac.yaml that grants it. */
  grantedBy: string;
}

/** Everything the functions do on Kubernetes under this policy (deploy/fleet-rbac.yaml's comment lists it). */
export function rbacNeeds(policy: Policy): RbacNeed[] {
  const routeNs = [...new Set(policy.routes.map((r) => r.namespace))];
  const out: RbacNeed[] = [];
  const state = policy.fleet.stateNamespace;
  for (const verb of ['get', 'create', 'update'])
    out.push({
      target: 'fleet',
      group: '',
      resource: 'configmaps',
      verb,
      namespace: state,
      grantedBy: `Role fleet-dr-state (namespace ${state})`,
    });
  for (const ns of routeNs)
    for (const verb of ['get', 'list', 'create', 'update'])
      out.push({
        target: 'fleet',
        group: 'networking.k8s.io',
        resource: 'ingresses',
        verb,
        namespace: ns,
        grantedBy: `Role fleet-dr-canaries (namespace ${ns})`,
      });
  for (const verb of ['get', 'update'])
    out.push({
      target: 'fleet',
      group: 'mse.alibabacloud.com',
      resource: 'mseingressconfigs',
      verb,
      name: policy.fleet.mseIngressConfig,
      grantedBy: `ClusterRole fleet-dr-gateway-membership (resourceNames [${policy.fleet.mseIngressConfig}])`,
    });
  out.push({
    target: 'fleet',
    group: 'argoproj.io',
    resource: 'applications',
    verb: 'list',
    namespace: 'argocd',
    grantedBy: 'Role fleet-dr-applications-reader (namespace argocd)',
  });
  for (const ns of routeNs) {
    out.push({
      target: 'member',
      group: '',
      resource: 'services',
      verb: 'get',
      namespace: ns,
      grantedBy: `Role fleet-dr-member-reader (namespace ${ns})`,
    });
    out.push({
      target: 'member',
      group: '',
      resource: 'pods',
      verb: 'list',
      namespace: ns,
      grantedBy: `Role fleet-dr-member-reader (namespace ${ns})`,
    });
    out.push({
      target: 'member',
      group: 'apps',
      resource: 'deployments',
      verb: 'list',
      namespace: ns,
      grantedBy: `Role fleet-dr-member-reader (namespace ${ns})`,
    });
  }
  out.push({
    target: 'member',
    group: '',
    resource: 'nodes',
    verb: 'list',
    grantedBy: 'ClusterRole fleet-dr-member-nodes-reader',
  });
  return out;
}

/** Asks one API server whether the caller may do `need` (true/false), with the reason it gave. */
export type AccessReviewer = (need: RbacNeed) => Promise<{ allowed: boolean; reason?: string }>;

/** A reviewer on the API server of `kubeconfig` (SelfSubjectAccessReview; nothing is stored). */
export function accessReviewer(kubeconfig: string): AccessReviewer {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const api = kc.makeApiClient(AuthorizationV1Api);
  return async (n) => {
    const r = await api.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            group: n.group,
            resource: n.resource,
            verb: n.verb,
            ...(n.namespace ? { namespace: n.namespace } : {}),
            ...(n.name ? { name: n.name } : {}),
          },
        },
      },
    });
    return { allowed: r.status?.allowed === true, reason: r.status?.reason };
  };
}

const resourceText = (n: Pick<RbacNeed, 'group' | 'resource'>) =>
  n.group ? `${n.resource}.${n.group}` : n.resource;
const where = (n: RbacNeed) =>
  n.namespace ? `in ${n.namespace}` : n.name ? `named ${n.name}` : '(cluster-scoped)';

/** One row per (cluster, resource, namespace): PASS when every verb is allowed (pure). */
export function judgeRbac(
  cluster: string,
  needs: RbacNeed[],
  answers: Array<{ allowed: boolean; reason?: string } | { error: string }>,
  applyStep: string,
): PreflightCheck[] {
  const groups = new Map<string, number[]>();
  needs.forEach((n, i) => {
    const k = `${resourceText(n)} ${where(n)}`;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const out: PreflightCheck[] = [];
  for (const [k, idx] of groups) {
    const name = `rbac: ${cluster} ${k}`;
    const first = needs[idx[0]!]!;
    const errs = idx.map((i) => answers[i]!).filter((a): a is { error: string } => 'error' in a);
    const denied = idx.filter((i) => {
      const a = answers[i]!;
      return 'allowed' in a && !a.allowed;
    });
    const verbs = idx.map((i) => needs[i]!.verb);
    if (denied.length > 0) {
      const dv = denied.map((i) => needs[i]!.verb);
      out.push(
        fail(
          name,
          `denied: ${dv.join(', ')} on ${resourceText(first)} ${where(first)} (SelfSubjectAccessReview allowed=false)`,
          `deploy/fleet-rbac.yaml ${first.grantedBy}: rule apiGroups ["${first.group}"] resources [${first.resource}] verbs must include [${dv.join(', ')}]; re-apply it (${applyStep})`,
        ),
      );
    } else if (errs.length > 0)
      out.push(
        warn(
          name,
          `not checked: ${errs[0]!.error}`,
          'see the identity rows (the kubeconfig is issued through RAM)',
        ),
      );
    else out.push(pass(name, `allowed: ${verbs.join(', ')}`));
  }
  return out;
}

/** What the RBAC check needs: the kubeconfigs the functions would be issued. */
export interface RbacDeps {
  policy: Policy;
  fleetKubeconfig: () => Promise<string>;
  memberKubeconfig: (clusterId: string) => Promise<string>;
  /** Tests may pass their own; default {@link accessReviewer}. */
  reviewer?: (kubeconfig: string) => AccessReviewer;
}

async function reviewAll(
  kubeconfig: () => Promise<string>,
  needs: RbacNeed[],
  reviewer: (k: string) => AccessReviewer,
): Promise<Array<{ allowed: boolean; reason?: string } | { error: string }>> {
  let review: AccessReviewer;
  try {
    review = reviewer(await kubeconfig());
  } catch (e) {
    const error = `no kubeconfig: ${messageOf(e).slice(0, 160)}`;
    return needs.map(() => ({ error }));
  }
  return Promise.all(
    needs.map(async (n) => {
      try {
        return await review(n);
      } catch (e) {
        return { error: `SelfSubjectAccessReview failed: ${messageOf(e).slice(0, 160)}` };
      }
    }),
  );
}

/** Runs check 2. */
export async function checkRbac(d: RbacDeps): Promise<PreflightCheck[]> {
  const needs = rbacNeeds(d.policy);
  const reviewer = d.reviewer ?? accessReviewer;
  const fleetNeeds = needs.filter((n) => n.target === 'fleet');
  const memberNeeds = needs.filter((n) => n.target === 'member');
  const out = judgeRbac(
    `fleet ${d.policy.fleet.id}`,
    fleetNeeds,
    await reviewAll(d.fleetKubeconfig, fleetNeeds, reviewer),
    'deploy/README.md step 4, on the Fleet',
  );
  for (const c of d.policy.clusters)
    out.push(
      ...judgeRbac(
        c.id,
        memberNeeds,
        await reviewAll(() => d.memberKubeconfig(c.id), memberNeeds, reviewer),
        `deploy/README.md step 5, on ${c.id}`,
      ),
    );
  return out;
}
