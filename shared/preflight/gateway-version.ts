/**
 * The MSE gateway's version, read with ListGateway (the MSE adapter's gatewayStatus), against the version the
 * canary's `service-subset` annotation needs (ACK One gateway documentation: 1.2.25 or later).
 * The functions never call ListGateway, so it is in the preflight-only grant (deploy/ram-policy-preflight.json).
 */
import type { GatewayStatus, MseClient } from '../clients/mse-client';
import type { Policy } from '../config';
import { fail, type PreflightCheck, pass, unreadRow, warn } from './types';

/**
 * UNVERIFIED, in this one place: that ListGateway's `GatewayVersion` (the mse 2019-05-31 SDK's "The version of
 * the gateway", example `1.2.9`) is the version the ACK One documentation's "1.2.25 or later" for
 * service-subset refers to (AppVersion and CurrentVersion are other fields of the same answer).
 */
export const SERVICE_SUBSET_MIN_VERSION = '1.2.25';

export const VERSION_ROW = 'gateway: version supports service-subset';

/** What ListGateway returned for the policy's gateway. */
export type VersionRead = { status: GatewayStatus } | { error: unknown } | { skip: string };

/** The numeric parts of a dotted version (`1.2.25-mse` → [1, 2, 25]); undefined when it has none. */
export function versionParts(v: string): number[] | undefined {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1]!.split('.').map(Number) : undefined;
}

/** a >= b, part by part (missing parts are 0). */
export function versionAtLeast(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The version row (pure). */
export function judgeGatewayVersion(policy: Policy, read: VersionRead): PreflightCheck {
  const gw = policy.fleet.gatewayId;
  if ('skip' in read)
    return warn(VERSION_ROW, `not checked: ${read.skip}`, 'set fleet.gatewayId in the policy to check it');
  if ('error' in read)
    return unreadRow(VERSION_ROW, read.error, {
      api: 'ListGateway',
      action: 'mse:ListGateway',
      otherwise: 'check the MSE endpoint and fleet.gatewayId',
    });
  const v = read.status.version;
  const parts = v === undefined ? undefined : versionParts(v);
  if (!v || !parts)
    return warn(
      VERSION_ROW,
      `ListGateway reports no usable GatewayVersion for ${gw} (${v ?? 'absent'})`,
      `check the gateway version in the MSE console: service-subset needs ${SERVICE_SUBSET_MIN_VERSION} or later`,
    );
  if (!versionAtLeast(parts, versionParts(SERVICE_SUBSET_MIN_VERSION)!))
    return fail(
      VERSION_ROW,
      `gateway ${gw} runs ${v}; service-subset needs ${SERVICE_SUBSET_MIN_VERSION} or later`,
      `upgrade the MSE gateway ${gw} to ${SERVICE_SUBSET_MIN_VERSION} or later (MSE console: the gateway's basic information, upgrade)`,
    );
  return pass(
    VERSION_ROW,
    `gateway ${gw} runs ${v} (service-subset needs ${SERVICE_SUBSET_MIN_VERSION} or later)`,
  );
}

/** Reads the version of the policy's gateway with the credentials preflight runs with. */
export async function readGatewayVersion(
  policy: Policy,
  mse: Pick<MseClient, 'gatewayStatus'>,
): Promise<VersionRead> {
  const gw = policy.fleet.gatewayId;
  if (!gw) return { skip: 'the policy sets no fleet.gatewayId' };
  try {
    return { status: await mse.gatewayStatus(gw) };
  } catch (error) {
    return { error };
  }
}
