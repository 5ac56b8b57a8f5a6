/**
 * Check 1, identity: the credentials resolve, and each RAM action the deployed functions call is granted. A
 * read action is tried with a harmless real read (the same client method the functions use); a denial is a
 * FAIL naming the action. A write action cannot be tried without writing, so it is reported as not checked.
 * RAM_ACTIONS must list every action of deploy/ram-policy.json (test/preflight/identity.test.ts checks).
 */
import type { AckClient } from '../clients/ack-client';
import type { CredentialSource } from '../clients/credentials';
import { CloudAuthError } from '../clients/errors';
import type { FleetClient } from '../clients/fleet-client';
import type { MseClient } from '../clients/mse-client';
import type { Policy } from '../config';
import { fail, messageOf, type PreflightCheck, pass, warn } from './types';

/** What the identity checks call. */
export interface IdentityDeps {
  policy: Policy;
  env: NodeJS.ProcessEnv;
  credentials: CredentialSource;
  ack: Pick<AckClient, 'clusterDetail' | 'memberKubeconfig'>;
  fleet: Pick<FleetClient, 'managedClusters' | 'hubKubeconfig'>;
  mse: Pick<MseClient, 'serviceHealth'>;
}

/** A read that proves the action is granted; resolves to the evidence, or undefined when it cannot run. */
type ActionRead = (d: IdentityDeps) => Promise<string | { skip: string }>;

/** One RAM action of the functions' role, and how (whether) preflight can try it. */
export interface RamActionCheck {
  action: string;
  /** Which functions call it (for the evidence). */
  usedBy: string;
  read?: ActionRead;
}

const perCluster = async (p: Policy, fn: (id: string) => Promise<string>) =>
  (await Promise.all(p.clusters.map(async (c) => `${c.id}: ${await fn(c.id)}`))).join(', ');

/** Every action deploy/ram-policy.json grants, with its harmless read where one exists. */
export const RAM_ACTIONS: RamActionCheck[] = [
  {
    action: 'cs:DescribeClusterDetail',
    usedBy: 'health-check, alarm-failover, drift-check (ACK cluster state)',
    read: (d) => perCluster(d.policy, async (id) => (await d.ack.clusterDetail(id)).state),
  },
  {
    action: 'cs:DescribeClusterUserKubeconfig',
    usedBy: 'every function reading a member cluster',
    read: (d) =>
      perCluster(
        d.policy,
        async (id) => `kubeconfig issued (${(await d.ack.memberKubeconfig(id)).length} bytes)`,
      ),
  },
  {
    action: 'adcp:DescribeManagedClusters',
    usedBy: 'drift-check, cluster-event (Fleet association)',
    read: async (d) => `${(await d.fleet.managedClusters()).length} clusters listed`,
  },
  {
    action: 'adcp:DescribeHubClusterKubeconfig',
    usedBy: "every function (the Fleet's Kubernetes API)",
    read: async (d) => `kubeconfig issued (${(await d.fleet.hubKubeconfig()).length} bytes)`,
  },
  {
    action: 'mse:ListGatewayService',
    usedBy: 'alarm-failover, health-check (gateway service health)',
    read: async (d) => {
      const gw = d.policy.fleet.gatewayId;
      const route = d.policy.routes[0];
      if (!gw || !route) return { skip: 'the policy sets no fleet.gatewayId (or no route): not called' };
      const h = await d.mse.serviceHealth(gw, route.service, route.namespace, []);
      return `service ${route.namespace}/${route.service} on ${gw}: ${h.healthStatus}`;
    },
  },
  { action: 'adcp:AttachClusterToHub', usedBy: 'drift-check repair (re-associate)' },
  { action: 'cms:PutCustomEvent', usedBy: 'the audit events' },
  { action: 'cms:PutCustomMetric', usedBy: 'health-check (probe metrics)' },
  { action: 'fc:InvokeFunction', usedBy: 'alarm-failover, operator (wake notify)' },
];

/** Whether an error is RAM (or the signature) refusing the caller. */
export const isDenial = (e: unknown): e is CloudAuthError => e instanceof CloudAuthError;

/** The check of one action from the outcome of its read (pure). */
export function judgeAction(
  a: RamActionCheck,
  outcome: { ok: string } | { skip: string } | { error: unknown },
): PreflightCheck {
  const name = `identity: ${a.action}`;
  if ('ok' in outcome) return pass(name, `allowed: ${outcome.ok}`);
  if ('skip' in outcome)
    return warn(name, `not checked: ${outcome.skip}`, 'set fleet.gatewayId in the policy to check it');
  const e = outcome.error;
  if (isDenial(e))
    return fail(
      name,
      `denied: ${e.code}${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}: ${messageOf(e).slice(0, 160)}`,
      `add "${a.action}" to the functions' RAM role policy (deploy/ram-policy.json has it; used by ${a.usedBy}), then run preflight again`,
    );
  return warn(
    name,
    `not checked: the read failed for another reason: ${messageOf(e).slice(0, 200)}`,
    'check the endpoint and the network (FLEET_DR_ENDPOINTS), then run preflight again',
  );
}

/** Where the credentials come from, in words (never the key). */
export function credentialSource(env: NodeJS.ProcessEnv): string {
  if (env.ALIBABA_CLOUD_ACCESS_KEY_ID)
    return env.ALIBABA_CLOUD_SECURITY_TOKEN
      ? 'temporary STS credentials from the environment (ALIBABA_CLOUD_SECURITY_TOKEN set)'
      : 'a long-lived AccessKey from the environment (not the functions\u2019 role: their RAM policy is not what is checked)';
  return 'the Alibaba Cloud default credential chain (profile, ECS RAM role, OIDC)';
}

/** Runs check 1. */
export async function checkIdentity(d: IdentityDeps): Promise<PreflightCheck[]> {
  const out: PreflightCheck[] = [];
  try {
    await d.credentials();
  } catch (e) {
    return [
      fail(
        'identity: credentials',
        `no credentials: ${messageOf(e)}`,
        'set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for the role) or a profile',
      ),
    ];
  }
  const longLived = Boolean(d.env.ALIBABA_CLOUD_ACCESS_KEY_ID && !d.env.ALIBABA_CLOUD_SECURITY_TOKEN);
  out.push(
    (longLived ? warn : pass)(
      'identity: credentials',
      `resolved: ${credentialSource(d.env)}; who they are is not knowable from the APIs the role may call`,
      longLived
        ? "assume the functions' RAM role (aliyun sts AssumeRole) and run with its STS credentials to check its policy"
        : '',
    ),
  );
  const writes: string[] = [];
  for (const a of RAM_ACTIONS) {
    if (!a.read) {
      writes.push(a.action);
      continue;
    }
    let outcome: { ok: string } | { skip: string } | { error: unknown };
    try {
      const r = await a.read(d);
      outcome = typeof r === 'string' ? { ok: r } : r;
    } catch (error) {
      outcome = { error };
    }
    out.push(judgeAction(a, outcome));
  }
  if (writes.length > 0)
    out.push(
      warn(
        'identity: write actions',
        `${writes.join(', ')}: could not be checked without writing`,
        "compare the role's attached policy with deploy/ram-policy.json (aliyun ram ListPoliciesForRole / GetPolicyVersion)",
      ),
    );
  return out;
}
