/**
 * Every comparison of one snapshot, in a stable order, and what identifies a difference across runs: its key
 * (kind and object: the same disagreement) and its fingerprint (what it is now: expected and actual). A key
 * that appears, or whose fingerprint changes, is reported; a key that goes away is reported as resolved.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../config';
import { compareApplications } from './applications';
import { compareCapacity } from './capacity';
import { compareGitOps } from './gitops';
import { compareMembership } from './membership';
import { compareMeshRouting } from './mesh-routing';
import { compareRouting } from './routing';
import { finishing, stateOf } from './safety';
import { compareSelf } from './self';
import { type CompareInput, type Difference, DRIFT_KINDS, type DriftKind, type DriftSnapshot } from './types';

/** Every difference in the snapshot, ordered by kind then object. */
export function compareAll(input: CompareInput): Difference[] {
  const all = [
    ...compareRouting(input),
    ...compareMeshRouting(input),
    ...compareGitOps(input),
    ...compareMembership(input),
    ...compareApplications(input),
    ...compareCapacity(input),
    ...compareSelf(input),
  ];
  const seen = new Set<string>();
  return all
    .filter((d) => {
      const k = `${driftKey(d)}|${fingerprint(d)}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(
      (a, b) =>
        DRIFT_KINDS.indexOf(a.kind) - DRIFT_KINDS.indexOf(b.kind) ||
        a.object.localeCompare(b.object) ||
        a.expected.localeCompare(b.expected),
    );
}

/** The key of a difference: the same disagreement, run after run. */
export function driftKey(d: Pick<Difference, 'kind' | 'object'>): string {
  return `${d.kind}: ${d.object}`;
}

/** What a difference is now; a new fingerprint under the same key is reported again. */
export function fingerprint(d: Pick<Difference, 'expected' | 'actual'>): string {
  return createHash('sha256')
    .update(JSON.stringify([d.expected, d.actual]))
    .digest('hex')
    .slice(0, 16);
}

/** What a run may repair, and why it repairs nothing when it may not. */
export interface RepairChoice {
  repairs: Difference[];
  /** Why nothing is repaired (report-only policy, paused, nothing safe). */
  skipped?: string;
}

/** The repairs a run makes: the safe differences, only with `drift.repair: safe` and never while paused. */
export function chooseRepairs(policy: Policy, snapshot: DriftSnapshot, diffs: Difference[]): RepairChoice {
  const safe = diffs.filter((d) => d.safeToRepair);
  if (policy.drift.repair !== 'safe')
    return { repairs: [], skipped: 'drift.repair is report: nothing is repaired' };
  if (policy.paused)
    return { repairs: [], skipped: 'paused by the policy (paused: true): drift is only reported' };
  const paused = stateOf(snapshot)?.paused;
  if (paused)
    return { repairs: [], skipped: `paused by ${paused.by} at ${paused.at}: drift is only reported` };
  if (policy.dryRun) return { repairs: [], skipped: 'dry run: nothing is repaired' };
  if (safe.length === 0) return { repairs: [], skipped: 'nothing is safe to repair' };
  return { repairs: safe };
}

const ROUTE_KINDS: DriftKind[] = [
  'canary-missing',
  'canary-weight',
  'canary-revision',
  'canary-pin',
  'pin-selects-nothing',
  'foreign-canary',
  'canary-gitops-tracked',
  'base-ingress-missing',
  'base-ingress-mismatch',
  'service-missing',
  'service-no-ready-endpoints',
  'capacity-low',
];

const MESH_KINDS: DriftKind[] = [
  'mesh-rule-missing',
  'mesh-rule-weights',
  'mesh-rule-foreign-edit',
  'mesh-outlier-missing',
];

/**
 * The kinds this snapshot could not judge, because a source they compare was not read. A difference of such a
 * kind that was reported before is neither resolved nor reported again: a failed read is not a fix.
 */
export function unjudgedKinds(snapshot: DriftSnapshot): Set<DriftKind> {
  const out = new Set<DriftKind>();
  if (!snapshot.state) return new Set(DRIFT_KINDS);
  if (!snapshot.fleetMembers) out.add('fleet-association');
  if (!snapshot.gateway) {
    out.add('gateway-membership');
    out.add('gateway-not-listening');
  }
  if (!snapshot.applications)
    for (const k of [
      'application-out-of-sync',
      'application-unhealthy',
      'application-missing',
      'canary-gitops-tracked',
    ] as const)
      out.add(k);
  const routes = Object.values(snapshot.routes);
  if (routes.some((r) => r === null)) for (const k of ROUTE_KINDS) out.add(k);
  if (routes.some((r) => r && Object.values(r.workloads).some((w) => !w.read)))
    for (const k of [
      'pin-selects-nothing',
      'service-missing',
      'service-no-ready-endpoints',
      'capacity-low',
    ] as const)
      out.add(k);
  if (Object.values(snapshot.destinationRules ?? {}).some((r) => r === null))
    for (const k of MESH_KINDS) out.add(k);
  if (finishing(snapshot))
    for (const k of [
      'canary-missing',
      'canary-weight',
      'canary-revision',
      'canary-pin',
      'mesh-rule-weights',
      'mesh-rule-foreign-edit',
    ] as const)
      out.add(k);
  if (!snapshot.backlog) {
    out.add('outbox-backlog');
    out.add('failback-stuck');
  }
  return out;
}

/** The kind in a difference key (`canary-weight: ingress …` → `canary-weight`). */
export const kindOfKey = (key: string): string => key.slice(0, key.indexOf(':'));
