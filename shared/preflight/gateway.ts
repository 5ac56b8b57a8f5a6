/**
 * Check 3, the gateway, judged on the drift check's snapshot with the drift check's own comparisons
 * (shared/drift/membership.ts, gitops.ts, routing.ts; the pin is judged by shared/gateway/pin-check.ts as the
 * weight writer judges it before writing a canary): the MseIngressConfig exists and is Listening, its
 * remote-clusters lists every policy cluster, each route's base Ingress exists, each cluster's pin selects the
 * route's Service endpoints in that cluster only; and the MSE gateway runs a version that supports
 * service-subset (gateway-version.ts). A part that could not be read is a WARN (the identity and RBAC rows say
 * why), never a FAIL.
 */
import type { Policy } from '../config';
import { compareGitOps } from '../drift/gitops';
import { compareMembership } from '../drift/membership';
import { compareRouting } from '../drift/routing';
import type { Difference, DriftSnapshot } from '../drift/types';
import { gatewayKeys } from '../gateway/annotations';
import { judgeGatewayVersion, type VersionRead } from './gateway-version';
import { fail, type PreflightCheck, pass, warn } from './types';

export { readGatewayVersion, type VersionRead } from './gateway-version';

const errorAbout = (s: DriftSnapshot, prefix: string) => s.errors.find((e) => e.startsWith(prefix));
const NOT_READ_FIX = 'see the identity and rbac rows: the credentials could not read it';

type Input = { policy: Policy; snapshot: DriftSnapshot };

/** The MseIngressConfig exists and is Listening. */
function judgeIngressConfig({ policy, snapshot }: Input): PreflightCheck {
  const cfgName = policy.fleet.mseIngressConfig;
  const row = `gateway: mseingressconfig ${cfgName}`;
  const gw = snapshot.gateway;
  if (!gw) {
    const e = errorAbout(snapshot, `mseingressconfig ${cfgName}`) ?? 'not read';
    return /not found/.test(e)
      ? fail(
          row,
          `the Fleet has no MseIngressConfig ${cfgName}`,
          'create the MSE multi-cluster gateway for the Fleet (ACK One console) or correct fleet.mseIngressConfig in the policy',
        )
      : warn(row, `not checked: ${e}`, NOT_READ_FIX);
  }
  if (gw.status !== 'Listening')
    return fail(
      row,
      `status.status is ${gw.status ?? 'absent'}, not Listening`,
      'bring the MSE gateway up (MSE console); fleet-dr does not',
    );
  return pass(row, 'exists, status Listening');
}

/** Its remote-clusters annotation lists every policy cluster. */
function judgeRemoteClusters(input: Input): PreflightCheck {
  const { policy, snapshot } = input;
  const cfgName = policy.fleet.mseIngressConfig;
  const annotation = gatewayKeys(policy.gateway).remoteClusters;
  const row = `gateway: remote-clusters of ${cfgName}`;
  const gw = snapshot.gateway;
  if (!gw) return warn(row, 'not checked: the MseIngressConfig was not read', NOT_READ_FIX);
  const membership = compareMembership(input);
  const missing = membership.filter((d) => d.kind === 'gateway-membership' && d.actual === 'not listed');
  const state = snapshot.state;
  const listed = gw.members.join(', ') || 'nothing';
  if (state && !state.ok)
    return warn(
      row,
      `lists ${listed}; the routing state does not parse (${state.error}), so fences are unknown`,
      'run fleet-dr drift',
    );
  if (missing.length > 0) {
    const names = missing.map((d) => d.cluster).join(', ');
    return fail(
      row,
      `${names} not listed in annotation ${annotation} (lists ${listed})`,
      `add ${names} to the annotation ${annotation} of MseIngressConfig ${cfgName} (kubectl annotate --overwrite), or associate the cluster with the gateway in the ACK One console`,
    );
  }
  const fencedListed = membership.some((d) => d.kind === 'gateway-membership');
  return pass(
    row,
    `lists ${gw.members.join(', ')}${fencedListed ? ' (a fenced cluster is still listed: see fleet-dr drift)' : ''}`,
  );
}

/** Each route's base Ingress exists and sends to the route's Service. */
function judgeBaseIngress(
  input: Input,
  route: Policy['routes'][number],
  gitops: Difference[],
): PreflightCheck {
  const row = `gateway: base ingress ${route.namespace}/${route.ingress}`;
  const diff = gitops.find(
    (d) =>
      (d.kind === 'base-ingress-missing' || d.kind === 'base-ingress-mismatch') &&
      d.object === `ingress ${route.namespace}/${route.ingress}`,
  );
  if (!input.snapshot.routes[route.name])
    return warn(
      row,
      `not checked: ${errorAbout(input.snapshot, `route ${route.name} ingresses`) ?? 'not read'}`,
      NOT_READ_FIX,
    );
  if (diff)
    return fail(
      row,
      `${diff.expected}: ${diff.actual}`,
      `deploy the route's base Ingress (GitOps) sending to ${route.service}:${route.servicePort}, or correct routes[${route.name}] in the policy`,
    );
  return pass(row, `exists, sends to ${route.service}:${route.servicePort}`);
}

/** Each cluster's pin selects the route's Service endpoints in that cluster only. */
function judgePin(
  input: Input,
  route: Policy['routes'][number],
  clusterId: string,
  pins: Difference[],
): PreflightCheck {
  const row = `gateway: pin of ${clusterId} for ${route.name}`;
  const wl = input.snapshot.routes[route.name]?.workloads[clusterId];
  const diff = pins.find(
    (d) => d.cluster === clusterId && d.object.startsWith(`service ${route.namespace}/${route.service} `),
  );
  if (diff)
    return fail(
      row,
      `${diff.expected}; ${diff.actual}`,
      `label the pods (workload manifests) or change gateway.pin / clusters[${clusterId}].podLabel in the policy`,
    );
  if (!wl?.read) return warn(row, `not checked: ${wl && !wl.read ? wl.error : 'not read'}`, NOT_READ_FIX);
  if (!wl.service)
    return fail(
      row,
      `Service ${route.namespace}/${route.service} is missing in ${clusterId}: nothing to pin`,
      `deploy the Service in ${clusterId} (GitOps)`,
    );
  if (wl.pin?.ok)
    return pass(
      row,
      `the ${input.policy.gateway.pin} pin selects the Service's endpoints in ${clusterId} only`,
    );
  return warn(row, 'not judged: the Service has no selector or no endpoint view', 'run fleet-dr drift');
}

/**
 * The gateway rows (pure), in order: the MseIngressConfig, its remote-clusters, per route the base Ingress and
 * each cluster's pin, then the gateway version (`version`: what ListGateway returned; absent: not read).
 */
export function judgeGateway(
  policy: Policy,
  snapshot: DriftSnapshot,
  version: VersionRead = { skip: 'not read' },
): PreflightCheck[] {
  const input = { policy, snapshot };
  const gitops = compareGitOps(input);
  const pins = compareRouting(input).filter((d) => d.kind === 'pin-selects-nothing');
  return [
    judgeIngressConfig(input),
    judgeRemoteClusters(input),
    ...policy.routes.flatMap((route) => [
      judgeBaseIngress(input, route, gitops),
      ...policy.clusters.map((c) => judgePin(input, route, c.id, pins)),
    ]),
    judgeGatewayVersion(policy, version),
  ];
}
