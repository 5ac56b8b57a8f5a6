/**
 * Check 5, the clusters: every policy cluster is associated with the Fleet (DescribeManagedClusters, judged by
 * the drift check's membership comparison), the clusters are in different zones (the policy, and ACK's detail
 * where it reports a zone), and the Argo CD Applications deploying the routes are Synced and Healthy (the
 * drift check's application comparison over the same listing the GitOps reading uses).
 */
import type { ClusterDetail } from '../clients/ack-client';
import type { Policy } from '../config';
import { compareApplications } from '../drift/applications';
import { compareMembership } from '../drift/membership';
import type { DriftSnapshot } from '../drift/types';
import { fail, type PreflightCheck, pass, warn } from './types';

const NOT_READ_FIX = 'see the identity and rbac rows: the credentials could not read it';

type Input = { policy: Policy; snapshot: DriftSnapshot };
type Details = Record<string, ClusterDetail | { error: string }>;

/** Every policy cluster is listed by DescribeManagedClusters. */
function judgeAssociation(input: Input): PreflightCheck {
  const { policy, snapshot } = input;
  const row = `clusters: associated with Fleet ${policy.fleet.id}`;
  if (!snapshot.fleetMembers)
    return warn(
      row,
      `not checked: ${snapshot.errors.find((e) => e.startsWith('DescribeManagedClusters')) ?? 'not read'}`,
      NOT_READ_FIX,
    );
  const missing = compareMembership(input).filter(
    (d) => d.kind === 'fleet-association' && d.actual.startsWith('not listed'),
  );
  if (missing.length === 0)
    return pass(row, `DescribeManagedClusters lists ${policy.clusters.map((c) => c.id).join(', ')}`);
  const names = missing.map((d) => d.cluster).join(', ');
  return fail(
    row,
    `${names} not listed by DescribeManagedClusters (lists ${snapshot.fleetMembers.join(', ') || 'nothing'})`,
    `associate ${names} with the Fleet (ACK One console, or aliyun adcp AttachClusterToHub)`,
  );
}

/** The clusters are in different zones, and ACK agrees with the policy where it reports a zone. */
function judgeZones(policy: Policy, details: Details): PreflightCheck {
  const row = 'clusters: in different zones';
  const zones = policy.clusters.map((c) => c.zone);
  const seen = policy.clusters.map((c) => {
    const d = details[c.id];
    if (!d || 'error' in d) return `${c.id}: policy ${c.zone}, ACK not read (${d?.error ?? 'not read'})`;
    if (d.zoneId && d.zoneId !== c.zone) return `${c.id}: policy ${c.zone} but ACK says ${d.zoneId}`;
    return `${c.id}: ${c.zone}${d.zoneId ? ' (ACK agrees)' : ' (ACK reports no zone)'}`;
  });
  const disagree = policy.clusters.filter((c) => {
    const d = details[c.id];
    return d && !('error' in d) && d.zoneId && d.zoneId !== c.zone;
  });
  const evidence = seen.join('; ');
  if (new Set(zones).size < zones.length)
    return fail(
      row,
      evidence,
      'the clusters must be in different zones: a zone failover to the same zone protects nothing',
    );
  if (disagree.length > 0)
    return fail(
      row,
      evidence,
      `correct clusters[].zone of ${disagree.map((c) => c.id).join(', ')} in the policy`,
    );
  if (policy.clusters.some((c) => 'error' in (details[c.id] ?? { error: '' })))
    return warn(row, evidence, NOT_READ_FIX);
  return pass(row, evidence);
}

/** The Argo CD Applications deploying the routes are Synced and Healthy. */
function judgeApplications(input: Input): PreflightCheck {
  const { policy, snapshot } = input;
  const row = 'clusters: Argo CD applications Synced and Healthy';
  if (!snapshot.applications)
    return warn(
      row,
      `not checked: ${snapshot.errors.find((e) => e.startsWith('Argo CD applications')) ?? 'not read'}`,
      NOT_READ_FIX,
    );
  const bad = compareApplications(input).filter((d) => d.kind.startsWith('application-'));
  if (bad.length > 0)
    return fail(
      row,
      bad.map((d) => `${d.object}: ${d.actual} (expected ${d.expected})`).join('; '),
      'sync the Applications in Argo CD (GitOps owns the workloads; fleet-dr only reads them)',
    );
  const ns = new Set(policy.routes.map((r) => r.namespace));
  const mine = snapshot.applications.filter(
    (a) => a.destination.namespace && ns.has(a.destination.namespace),
  );
  return pass(row, `${mine.map((a) => `${a.namespace}/${a.name}`).join(', ')}: Synced, Healthy`);
}

/** The cluster rows (pure); `details` is ACK's detail of each cluster, or why it was not read. */
export function judgeClusters(policy: Policy, snapshot: DriftSnapshot, details: Details): PreflightCheck[] {
  const input = { policy, snapshot };
  return [judgeAssociation(input), judgeZones(policy, details), judgeApplications(input)];
}
