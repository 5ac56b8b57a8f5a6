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

/** The cluster rows (pure); `details` is ACK's detail of each cluster, or why it was not read. */
export function judgeClusters(
  policy: Policy,
  snapshot: DriftSnapshot,
  details: Record<string, ClusterDetail | { error: string }>,
): PreflightCheck[] {
  const out: PreflightCheck[] = [];
  const input = { policy, snapshot };
  const assocRow = `clusters: associated with Fleet ${policy.fleet.id}`;
  if (!snapshot.fleetMembers)
    out.push(
      warn(
        assocRow,
        `not checked: ${snapshot.errors.find((e) => e.startsWith('DescribeManagedClusters')) ?? 'not read'}`,
        NOT_READ_FIX,
      ),
    );
  else {
    const missing = compareMembership(input).filter(
      (d) => d.kind === 'fleet-association' && d.actual.startsWith('not listed'),
    );
    if (missing.length > 0)
      out.push(
        fail(
          assocRow,
          `${missing.map((d) => d.cluster).join(', ')} not listed by DescribeManagedClusters (lists ${snapshot.fleetMembers.join(', ') || 'nothing'})`,
          `associate ${missing.map((d) => d.cluster).join(', ')} with the Fleet (ACK One console, or aliyun adcp AttachClusterToHub)`,
        ),
      );
    else
      out.push(
        pass(assocRow, `DescribeManagedClusters lists ${policy.clusters.map((c) => c.id).join(', ')}`),
      );
  }

  const zoneRow = 'clusters: in different zones';
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
  if (new Set(zones).size < zones.length)
    out.push(
      fail(
        zoneRow,
        seen.join('; '),
        'the clusters must be in different zones: a zone failover to the same zone protects nothing',
      ),
    );
  else if (disagree.length > 0)
    out.push(
      fail(
        zoneRow,
        seen.join('; '),
        `correct clusters[].zone of ${disagree.map((c) => c.id).join(', ')} in the policy`,
      ),
    );
  else if (policy.clusters.some((c) => 'error' in (details[c.id] ?? { error: '' })))
    out.push(warn(zoneRow, seen.join('; '), NOT_READ_FIX));
  else out.push(pass(zoneRow, seen.join('; ')));

  const appRow = 'clusters: Argo CD applications Synced and Healthy';
  if (!snapshot.applications)
    out.push(
      warn(
        appRow,
        `not checked: ${snapshot.errors.find((e) => e.startsWith('Argo CD applications')) ?? 'not read'}`,
        NOT_READ_FIX,
      ),
    );
  else {
    const bad = compareApplications(input).filter((d) => d.kind.startsWith('application-'));
    if (bad.length > 0)
      out.push(
        fail(
          appRow,
          bad.map((d) => `${d.object}: ${d.actual} (expected ${d.expected})`).join('; '),
          'sync the Applications in Argo CD (GitOps owns the workloads; fleet-dr only reads them)',
        ),
      );
    else {
      const ns = new Set(policy.routes.map((r) => r.namespace));
      const mine = snapshot.applications.filter(
        (a) => a.destination.namespace && ns.has(a.destination.namespace),
      );
      out.push(pass(appRow, `${mine.map((a) => `${a.namespace}/${a.name}`).join(', ')}: Synced, Healthy`));
    }
  }
  return out;
}
