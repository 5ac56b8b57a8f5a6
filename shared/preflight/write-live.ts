/**
 * `--write-test=live --test-path <path>`: shows the gateway's admission accepts fleet-dr's canary annotations
 * without moving traffic. On the first route's host, on a path the user names and no route serves, it creates
 * a test base Ingress (that path only, `Exact`, to the route's Service: a canary applies only beside a base on
 * the same host and path) and one canary built by the product's writer (IngressWeightWriter.canary: the
 * policy's pin, service-subset, subset-labels) at weight 0, so the base keeps all of the test path's traffic;
 * reads it back; and always removes both (IngressWeightWriter.release, in `finally`). Before writing, a
 * SelfSubjectAccessReview checks that the identity may delete Ingresses there: nothing is created that could
 * not be removed. The functions' role has no `delete` (deploy/fleet-rbac.yaml); the preflight identity needs
 * it in the route's namespace (liveTestRbac, docs/preflight.md). Not proven: that the gateway then routes by
 * the subset (MSE's routing is not observable from the Kubernetes API).
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { KubeClient } from '../clients/kube-client';
import type { Policy, Route } from '../config';
import { type GatewayKeys, gatewayKeys, MANAGED_BY } from '../gateway/annotations';
import { IngressWeightWriter } from '../gateway/weight-writer';
import { accessReviewer } from './rbac';
import { fail, messageOf, type PreflightCheck, pass, warn } from './types';

/** The test base Ingress's name and the test route's name (its canary is `<this>-fleet-dr-<cluster>`). */
export const LIVE_TEST_NAME = 'fleet-dr-preflight';
const ROW = 'writes: live canary at weight 0';

/** Why a test path cannot be used, or undefined (pure). */
export function testPathProblem(path: string): string | undefined {
  if (!/^\/[A-Za-z0-9._~/-]{1,200}$/.test(path))
    return `--test-path must be a URL path like /fleet-dr-preflight (letters, digits, . _ ~ - /), got ${JSON.stringify(path)}`;
  if (path === '/' || path.includes('//')) return `--test-path ${path} is not a path of its own`;
  return undefined;
}

/** The Role and RoleBinding that let `user` remove the test's Ingresses in `namespace` (docs/preflight.md). */
export function liveTestRbac(namespace: string, user: string) {
  const name = 'fleet-dr-preflight-live-write';
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace },
      rules: [
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['ingresses'],
          verbs: ['get', 'list', 'create', 'delete'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  ];
}

/** The test base Ingress: the test path only, on `host`, to the route's Service. */
export function testBaseIngress(
  route: Route,
  base: V1Ingress,
  host: string | undefined,
  path: string,
  policy: Policy,
): V1Ingress {
  const k = gatewayKeys(policy.gateway);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: LIVE_TEST_NAME,
      namespace: route.namespace,
      labels: { [k.managedBy]: MANAGED_BY, [k.route]: LIVE_TEST_NAME },
    },
    spec: {
      ingressClassName: base.spec?.ingressClassName,
      rules: [
        {
          ...(host ? { host } : {}),
          http: {
            paths: [
              {
                path,
                pathType: 'Exact',
                backend: { service: { name: route.service, port: { number: route.servicePort } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** What the live write test needs. */
export interface LiveWriteDeps {
  policy: Policy;
  testPath: string;
  fleetKube: () => Promise<KubeClient>;
  hubKubeconfig: () => Promise<string>;
}

/** The paths the base Ingress serves on `host`. */
const pathsOn = (base: V1Ingress, host: string | undefined) =>
  (base.spec?.rules ?? []).filter((r) => (r.host || undefined) === host).flatMap((r) => r.http?.paths ?? []);

/** Runs the live write test; always one row. */
export async function runLiveWriteTest(d: LiveWriteDeps): Promise<PreflightCheck> {
  const { policy, testPath } = d;
  const route = policy.routes[0]!;
  let kube: KubeClient;
  let base: V1Ingress | undefined;
  try {
    kube = await d.fleetKube();
    base = await kube.getIngress(route.namespace, route.ingress);
  } catch (err) {
    return warn(
      ROW,
      `not run: the Fleet was not readable: ${messageOf(err).slice(0, 200)}`,
      'see the identity and rbac rows',
    );
  }
  if (!base)
    return warn(
      ROW,
      `not run: the base Ingress ${route.namespace}/${route.ingress} does not exist`,
      'see the gateway rows',
    );
  const host = base.spec?.rules?.[0]?.host || undefined;
  const where = `${host ? `host ${host} path ` : 'path '}${testPath} in ${route.namespace}`;
  if (pathsOn(base, host).some((p) => p.path === testPath))
    return fail(
      ROW,
      `not run: ${testPath} is a path ${route.ingress} serves`,
      'name a --test-path no route serves',
    );
  if (policy.routes.some((r) => r.name === LIVE_TEST_NAME || r.ingress === LIVE_TEST_NAME))
    return fail(ROW, `not run: a route of the policy is named ${LIVE_TEST_NAME}`, 'rename that route');
  let refused: string | undefined;
  try {
    refused = await mayNotRemove(d, route.namespace);
  } catch (err) {
    return warn(
      ROW,
      `not run: SelfSubjectAccessReview failed: ${messageOf(err).slice(0, 200)}`,
      'see the rbac rows',
    );
  }
  if (refused)
    return fail(
      ROW,
      `not run: the identity may not ${refused} Ingresses in ${route.namespace}, so a test canary could not be removed`,
      `apply the Role and RoleBinding of docs/preflight.md ("--write-test=live") for the preflight identity in ${route.namespace}`,
    );
  return createAndRemove(d, kube, route, testBaseIngress(route, base, host, testPath, policy), where);
}

/** The verb among create/delete the identity may not use on Ingresses in `namespace`, or undefined. */
async function mayNotRemove(d: LiveWriteDeps, namespace: string): Promise<string | undefined> {
  const review = accessReviewer(await d.hubKubeconfig());
  for (const verb of ['create', 'delete']) {
    const r = await review({
      target: 'fleet',
      group: 'networking.k8s.io',
      resource: 'ingresses',
      verb,
      namespace,
      grantedBy: '',
    });
    if (!r.allowed) return verb;
  }
  return undefined;
}

/** Creates the test base and the weight-0 canary, reads the canary back; removes both whatever happened. */
async function createAndRemove(
  d: LiveWriteDeps,
  kube: KubeClient,
  route: Route,
  testBase: V1Ingress,
  where: string,
): Promise<PreflightCheck> {
  const { policy } = d;
  const testRoute: Route = { ...route, name: LIVE_TEST_NAME, ingress: LIVE_TEST_NAME };
  const writer = new IngressWeightWriter({
    fleetKube: kube,
    memberKube: () => Promise.reject(new Error('the live write test reads no member')),
    clusters: policy.clusters,
    keys: gatewayKeys(policy.gateway),
  });
  const clusterId = policy.clusters[0]!.id;
  const canary = writer.canary(testRoute, testBase, clusterId, 0);
  const ns = route.namespace;
  let error: unknown;
  let seen = '';
  let left = '';
  try {
    await kube.createIngress(testBase);
    await kube.createIngress(canary);
    const back = await kube.getIngress(ns, canary.metadata!.name!);
    const changed = Object.entries(canary.metadata!.annotations ?? {}).filter(
      ([key, v]) => back?.metadata?.annotations?.[key] !== v,
    );
    if (!back || changed.length)
      throw new Error(
        `the stored canary differs from what was written: ${back ? changed.map(([key]) => key).join(', ') : 'not found'}`,
      );
    seen = `created ${canary.metadata!.name} (canary-weight 0, service-subset ${clusterId}) beside test base ${LIVE_TEST_NAME} on ${where}; the annotations were accepted as written`;
  } catch (err) {
    error = err;
  } finally {
    left = await removeTest(writer, kube, testRoute, gatewayKeys(policy.gateway));
  }
  const fix = `kubectl delete ingress -n ${ns} ${LIVE_TEST_NAME} ${canary.metadata!.name}`;
  if (left)
    return fail(ROW, `${error ? `${messageOf(error).slice(0, 200)}; ` : ''}not removed: ${left}`, fix);
  if (error)
    return fail(
      ROW,
      `refused: ${messageOf(error).slice(0, 240)} (on ${where}); removed what was created`,
      'read the refusal: an admission webhook or the gateway controller may reject the canary annotations (gateway.annotationPrefix, gateway.pin)',
    );
  return pass(ROW, `${seen}; removed both`);
}

/** Removes the test's Ingresses; answers what is left (empty: nothing). */
async function removeTest(
  writer: IngressWeightWriter,
  kube: KubeClient,
  testRoute: Route,
  k: GatewayKeys,
): Promise<string> {
  try {
    // What the test created carries its labels (an Ingress of that name someone else owns does not).
    await writer.release(testRoute);
    const left = await kube.listIngresses(
      testRoute.namespace,
      `${k.managedBy}=${MANAGED_BY},${k.route}=${LIVE_TEST_NAME}`,
    );
    return left.map((i) => i.metadata?.name ?? '?').join(', ');
  } catch (err) {
    return `the removal failed: ${messageOf(err).slice(0, 200)}`;
  }
}
