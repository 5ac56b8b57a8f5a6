/**
 * Istio's `networking.istio.io/v1` DestinationRule as the ASM control plane stand-in serves it: the resource
 * type (namespaced, short name `dr`, a CRD) and the part of Istio's validating webhook that concerns locality
 * load balancing, read from Istio's `ValidateLocalityLbSetting` (pkg/config/validation): `distribute` and
 * `failover` are mutually exclusive, every `distribute[].to` weight is in [1, 100] and they total 100, locality
 * strings are `region/zone/subzone` with at most one `*`, at the end, and no empty part; `failover` names
 * different regions, without `/` or `*`.
 */
import { KubeStatusError } from '../kubernetes/errors';
import type { ResourceType } from '../kubernetes/resources';
import type { KubeObject } from '../kubernetes/types';

/** `spec.trafficPolicy.loadBalancer.localityLbSetting` of a DestinationRule. */
export interface LocalityLbSetting {
  enabled?: boolean;
  distribute?: Array<{ from?: string; to?: Record<string, number> }>;
  failover?: Array<{ from?: string; to?: string }>;
}

/** `spec.trafficPolicy.outlierDetection` (the fields the stand-in models; durations as Istio writes them). */
export interface OutlierDetectionSpec {
  consecutive5xxErrors?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
}

/** The part of a DestinationRule's spec the mesh stand-in reads. */
export interface DestinationRuleSpec {
  host?: string;
  trafficPolicy?: {
    loadBalancer?: { localityLbSetting?: LocalityLbSetting };
    outlierDetection?: OutlierDetectionSpec;
  };
}

/**
 * The webhook's name in Kubernetes' denial message. UNVERIFIED for ASM (the one place for the denial's shape):
 * open-source istiod registers `validation.istio.io`; ASM's managed control plane may name it otherwise. The
 * status is the one Kubernetes' webhook plugin (`ToStatusErr`, apiserver 1.2x) builds from Istio's answer,
 * which carries only a message: code below 400 becomes **400**, status Failure, no reason, message
 * `admission webhook "<name>" denied the request: <webhook message>`, and Istio's message is
 * `configuration is invalid: <error>`. Newer apiservers may answer 403 Forbidden with the prefix
 * `<resource> "<name>" is forbidden: ` instead: clients should match on "denied the request", not the code.
 */
export const ISTIO_WEBHOOK_NAME = 'validation.istio.io';

/** A validating-webhook denial, sent as the Status Kubernetes builds for it (no `reason`). */
export class AdmissionDeniedError extends KubeStatusError {
  constructor(webhookMessage: string, webhook = ISTIO_WEBHOOK_NAME) {
    super(400, 'BadRequest', `admission webhook "${webhook}" denied the request: ${webhookMessage}`);
  }

  override toStatus(): Record<string, unknown> {
    const { reason: _r, ...rest } = super.toStatus();
    return rest;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Istio's `getLocalityParam`: split into at most 3 parts, none empty; undefined when a part is empty. */
function localityParts(locality: string): string[] | undefined {
  const parts = locality.split('/');
  const head = parts.slice(0, 2);
  const items = parts.length > 3 ? [...head, parts.slice(2).join('/')] : parts;
  return items.some((p) => p === '') ? undefined : items;
}

/** Istio's `validateLocalities`: wildcard only once and at the end, parts non-empty, no overlap. */
function localitiesError(localities: string[]): string | undefined {
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith('*')))
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    if (seen.has('*')) return `locality ${locality} overlap with previous specified ones`;
    const parts = localityParts(locality);
    if (!parts) return `locality ${locality} must not contain empty region/zone/subzone info`;
    const [region, zone, subzone] = parts as [string, string?, string?];
    const zones = seen.get(region);
    if (zone === undefined) {
      if (zones) return `locality ${locality} overlap with previous specified ones`;
      seen.set(region, new Map([['*', new Set(['*'])]]));
      continue;
    }
    if (zones?.has('*')) return `locality ${locality} overlap with previous specified ones`;
    const subzones = zones?.get(zone);
    if (subzone === undefined) {
      if (subzones) return `locality ${locality} overlap with previous specified ones`;
      (zones ?? seen.set(region, new Map()).get(region)!).set(zone, new Set(['*']));
      continue;
    }
    if (subzones?.has('*') || subzones?.has(subzone))
      return `locality ${locality} overlap with previous specified ones`;
    if (subzones) subzones.add(subzone);
    else (zones ?? seen.set(region, new Map()).get(region)!).set(zone, new Set([subzone]));
  }
  return undefined;
}

/** The errors Istio's webhook finds in a localityLbSetting (Istio stops at the first for most of them). */
export function localityLbSettingErrors(lb: unknown): string[] {
  if (!isObj(lb)) return [];
  const distribute = Array.isArray(lb.distribute) ? lb.distribute : [];
  const failover = Array.isArray(lb.failover) ? lb.failover : [];
  if (distribute.length > 0 && failover.length > 0)
    return ["can not simultaneously specify 'distribute' and 'failover'"];
  const froms: string[] = [];
  for (const d of distribute) {
    const from = isObj(d) && typeof d.from === 'string' ? d.from : '';
    froms.push(from);
    const to = isObj(d) && isObj(d.to) ? d.to : {};
    let total = 0;
    for (const w of Object.values(to)) {
      if (typeof w !== 'number' || !Number.isInteger(w) || w <= 0 || w > 100)
        return ['locality weight must be in range [1, 100]'];
      total += w;
    }
    if (total !== 100) return [`total locality weight ${total} != 100`];
    const err = localitiesError(Object.keys(to));
    if (err) return [err];
  }
  const fromErr = localitiesError(froms);
  if (fromErr) return [fromErr];
  const errs: string[] = [];
  for (const f of failover) {
    const from = isObj(f) && typeof f.from === 'string' ? f.from : '';
    const to = isObj(f) && typeof f.to === 'string' ? f.to : '';
    if (from === to) errs.push('locality lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) errs.push('locality lb failover only specify region');
    if (from.includes('*') || to.includes('*'))
      errs.push("locality lb failover region should not contain '*' wildcard");
  }
  return errs;
}

/** Istio's multi-error text (hashicorp/go-multierror) for several errors, the error itself for one. */
function joinErrors(errs: string[]): string {
  if (errs.length === 1) return errs[0]!;
  return `${errs.length} errors occurred:\n${errs.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

/** The webhook's check of a DestinationRule: throws AdmissionDeniedError when Istio would refuse it. */
export function admitDestinationRule(obj: KubeObject): void {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: string[] = [];
  const tp = isObj(spec.trafficPolicy) ? spec.trafficPolicy : {};
  const lb = isObj(tp.loadBalancer) ? tp.loadBalancer.localityLbSetting : undefined;
  errs.push(...localityLbSettingErrors(lb));
  if (errs.length > 0) throw new AdmissionDeniedError(`configuration is invalid: ${joinErrors(errs)}`);
}

/** The DestinationRule type: pass it in `extraResourceTypes` to serve it (the ASM control plane does). */
export const DESTINATION_RULE_TYPE: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1',
  kind: 'DestinationRule',
  plural: 'destinationrules',
  singular: 'destinationrule',
  namespaced: true,
  shortNames: ['dr'],
  statusSubresource: true,
  columns: [['HOST', ['spec', 'host']]],
  customResource: true,
  admit: admitDestinationRule,
};
