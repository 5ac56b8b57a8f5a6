/**
 * Check 3, the gateway, judged on the drift check's snapshot with the drift check's own comparisons
 * (shared/drift/membership.ts, gitops.ts, routing.ts; the pin is judged by shared/gateway/pin-check.ts as the
 * weight writer judges it before writing a canary): the MseIngressConfig exists and is Listening, its
 * remote-clusters lists every policy cluster, each route's base Ingress exists, each cluster's pin selects the
 * route's Service endpoints in that cluster only. A part that could not be read is a WARN (the identity and
 * RBAC rows say why), never a FAIL.
 */
import type { Policy } from '../config';
import { compareGitOps } from '../drift/gitops';
import { compareMembership } from '../drift/membership';
import { compareRouting } from '../drift/routing';
import type { Difference, DriftSnapshot } from '../drift/types';
import { gatewayKeys } from '../gateway/annotations';
import { fail, type PreflightCheck, pass, warn } from './types';

const errorAbout = (s: DriftSnapshot, prefix: string) => s.errors.find((e) => e.startsWith(prefix));
const NOT_READ_FIX = 'see the identity and rbac rows: the credentials could not read it';

/** The gateway rows (pure). */
export function judgeGateway(policy: Policy, snapshot: DriftSnapshot): PreflightCheck[] {
  const out: PreflightCheck[] = [];
  const cfgName = policy.fleet.mseIngressConfig;
  const annotation = gatewayKeys(policy.gateway).remoteClusters;
  const input = { policy, snapshot };
  const membership = compareMembership(input);
  const gw = snapshot.gateway;
  const cfgRow = `gateway: mseingressconfig ${cfgName}`;
  if (!gw) {
    const e = errorAbout(snapshot, `mseingressconfig ${cfgName}`) ?? 'not read';
    out.push(
      /not found/.test(e)
        ? fail(
            cfgRow,
            `the Fleet has no MseIngressConfig ${cfgName}`,
            'create the MSE multi-cluster gateway for the Fleet (ACK One console) or correct fleet.mseIngressConfig in the policy',
          )
        : warn(cfgRow, `not checked: ${e}`, NOT_READ_FIX),
    );
  } else if (gw.status !== 'Listening')
    out.push(
      fail(
        cfgRow,
        `status.status is ${gw.status ?? 'absent'}, not Listening`,
        'bring the MSE gateway up (MSE console); fleet-dr does not',
      ),
    );
  else out.push(pass(cfgRow, 'exists, status Listening'));

  const rcRow = `gateway: remote-clusters of ${cfgName}`;
  if (gw) {
    const missing = membership.filter((d) => d.kind === 'gateway-membership' && d.actual === 'not listed');
    const state = snapshot.state;
    if (state && !state.ok)
      out.push(
        warn(
          rcRow,
          `lists ${gw.members.join(', ') || 'nothing'}; the routing state does not parse (${state.error}), so fences are unknown`,
          'run fleet-dr drift',
        ),
      );
    else if (missing.length > 0)
      out.push(
        fail(
          rcRow,
          `${missing.map((d) => d.cluster).join(', ')} not listed in annotation ${annotation} (lists ${gw.members.join(', ') || 'nothing'})`,
          `add ${missing.map((d) => d.cluster).join(', ')} to the annotation ${annotation} of MseIngressConfig ${cfgName} (kubectl annotate --overwrite), or associate the cluster with the gateway in the ACK One console`,
        ),
      );
    else
      out.push(
        pass(
          rcRow,
          `lists ${gw.members.join(', ')}${membership.some((d) => d.kind === 'gateway-membership') ? ' (a fenced cluster is still listed: see fleet-dr drift)' : ''}`,
        ),
      );
  } else out.push(warn(rcRow, 'not checked: the MseIngressConfig was not read', NOT_READ_FIX));

  const gitops = compareGitOps(input);
  const pins = compareRouting(input).filter((d) => d.kind === 'pin-selects-nothing');
  for (const route of policy.routes) {
    const r = snapshot.routes[route.name];
    const baseRow = `gateway: base ingress ${route.namespace}/${route.ingress}`;
    const baseDiff = gitops.find(
      (d) =>
        (d.kind === 'base-ingress-missing' || d.kind === 'base-ingress-mismatch') &&
        d.object === `ingress ${route.namespace}/${route.ingress}`,
    );
    if (!r)
      out.push(
        warn(
          baseRow,
          `not checked: ${errorAbout(snapshot, `route ${route.name} ingresses`) ?? 'not read'}`,
          NOT_READ_FIX,
        ),
      );
    else if (baseDiff)
      out.push(
        fail(
          baseRow,
          `${baseDiff.expected}: ${baseDiff.actual}`,
          `deploy the route's base Ingress (GitOps) sending to ${route.service}:${route.servicePort}, or correct routes[${route.name}] in the policy`,
        ),
      );
    else out.push(pass(baseRow, `exists, sends to ${route.service}:${route.servicePort}`));

    for (const c of policy.clusters) {
      const row = `gateway: pin of ${c.id} for ${route.name}`;
      const wl = r?.workloads[c.id];
      const diff = pins.find(
        (d: Difference) =>
          d.cluster === c.id && d.object.startsWith(`service ${route.namespace}/${route.service} `),
      );
      if (diff)
        out.push(
          fail(
            row,
            `${diff.expected}; ${diff.actual}`,
            `label the pods (workload manifests) or change gateway.pin / clusters[${c.id}].podLabel in the policy`,
          ),
        );
      else if (!wl?.read)
        out.push(warn(row, `not checked: ${wl && !wl.read ? wl.error : 'not read'}`, NOT_READ_FIX));
      else if (!wl.service)
        out.push(
          fail(
            row,
            `Service ${route.namespace}/${route.service} is missing in ${c.id}: nothing to pin`,
            `deploy the Service in ${c.id} (GitOps)`,
          ),
        );
      else if (wl.pin?.ok)
        out.push(pass(row, `the ${policy.gateway.pin} pin selects the Service's endpoints in ${c.id} only`));
      else
        out.push(
          warn(row, 'not judged: the Service has no selector or no endpoint view', 'run fleet-dr drift'),
        );
    }
  }
  out.push(
    warn(
      'gateway: version supports service-subset',
      'not checked: neither the MSE API fleet-dr calls (ListGateway, ListGatewayService) nor the MseIngressConfig reports the gateway version',
      'check the gateway version in the MSE console against the version the canary subset annotation needs',
    ),
  );
  return out;
}
