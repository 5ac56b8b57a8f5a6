/**
 * `startSandbox()`: the whole simulated hybrid fleet in one call, seeded from the example policy: the Fleet
 * and one Kubernetes API stand-in per member cluster, the cloud stand-ins (ACK, ACK One, MSE, CloudMonitor,
 * Function Compute, DingTalk), one zone per member cluster running the demo app's pods, and the MSE
 * multi-cluster gateway. Prints nothing; `bin/sandbox.js` is the CLI around it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type Policy, PolicySchema } from '../shared/config';
import {
  ASM_RAM_POLICY_PATH,
  type CloudStandIn,
  type KubeconfigIssuer,
  mergeRamPolicies,
  readRamPolicy,
  SANDBOX_FUNCTION_ROLE,
  startCloudStandIn,
} from './cloud/index';
import { type Gateway, type HealthCheckSettings, type PassiveEjection, startGateway } from './gateway/index';
import { type KubeApiServer, type KubeObject, parseManifests, startKubeApiServer } from './kubernetes/index';
import { type MeshControlPlane, startMeshControlPlane } from './mesh/control-plane';
import { fleetSeedYaml, worldClusterOf } from './sandbox-seed';
import { FleetWorld } from './world';
import { Zones } from './zones/index';

/** DingTalk robot the sandbox registers; the policy's token env vars should hold these values. */
export const SANDBOX_DINGTALK = {
  accessToken: 'sandbox-dingtalk-token',
  secret: 'SECsandboxdingtalksecret0001',
};

/** Printed whenever a drill or the sandbox runs with the gateway's own fallback off. */
export const NO_GATEWAY_FALLBACK_WARNING =
  "warning: the gateway's own health fallback is OFF (--no-gateway-fallback). This is not a production setup: " +
  "MSE's multi-cluster gateway always checks endpoint health and routes around unhealthy ones, and fleet-dr runs " +
  'beside it, never instead of it. Use this mode only to study fleet-dr alone.';

/** Options of `startSandbox` (the first four are the agreed contract; the rest tune timers for tests). */
export interface SandboxOptions {
  policyPath?: string;
  alarmPeriodMs?: number;
  /** Gateway config propagation delay; default 2000 ms. */
  propagationDelayMs?: number;
  /** Gateway health fallback; default on. */
  healthFallback?: boolean;
  /** How long after a zone dies its pods show not ready; default 40000 ms (Kubernetes' node grace period). */
  readinessLagMs?: number;
  /** Gateway upstream deadline; default 3000 ms. */
  upstreamTimeoutMs?: number;
  /** Gateway active health check interval; default 2000 ms (MSE's documented example). */
  healthCheckIntervalMs?: number;
  /** The gateway's active health check; default TCP with MSE's documented example values (see gateway/health.ts). */
  gatewayHealthCheck?: Partial<HealthCheckSettings>;
  /** UNVERIFIED passive ejection and retry in the gateway; off unless given. */
  gatewayPassive?: PassiveEjection;
  /** Pods per member cluster; default 3. */
  replicas?: number;
  seed?: number;
  /** Start the CloudMonitor alarm timer; default true. */
  autoTick?: boolean;
  /** RAM: the functions' role (STS credentials) gets deploy/ram-policy.json only; default true. */
  enforceRam?: boolean;
  /** RBAC: the functions' Kubernetes user gets deploy/fleet-rbac.yaml only, on the Fleet and members; default true. */
  enforceRbac?: boolean;
  /** Opt-in: also start the ASM control plane stand-in and the servicemesh OpenAPI product (`mesh/`); default off. */
  mesh?: boolean;
}

/** The Fleet RBAC manifests applied at start (deploy/README.md steps 4 and 5). */
export const FLEET_RBAC_PATH = fileURLToPath(new URL('../deploy/fleet-rbac.yaml', import.meta.url));

/**
 * deploy/fleet-rbac.yaml rendered for `user` as the guide's `sed` does, split as the guide applies it: the
 * documents labelled `fleet-dr.io/apply-to: member-clusters` go to every member, the rest to the Fleet.
 */
export function fleetRbacFor(
  user: string,
  path = FLEET_RBAC_PATH,
): { fleet: KubeObject[]; member: KubeObject[] } {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the variable as deploy/fleet-rbac.yaml spells it.
  const text = readFileSync(path, 'utf8').replaceAll('${FLEET_DR_RBAC_USER}', user);
  const docs = parseManifests(text);
  const toMembers = (o: KubeObject) => o.metadata.labels?.['fleet-dr.io/apply-to'] === 'member-clusters';
  return { fleet: docs.filter((o) => !toMembers(o)), member: docs.filter(toMembers) };
}

/** A running sandbox. */
export interface Sandbox {
  world: FleetWorld;
  fleet: KubeApiServer;
  members: Map<string, KubeApiServer>;
  cloud: CloudStandIn;
  gateway: Gateway;
  zones: Zones;
  /** The ASM control plane stand-in, only with `mesh: true`. */
  mesh?: MeshControlPlane;
  /** The policy with probe URLs (and the DingTalk URL) pointing at the sandbox. */
  policy: Policy;
  /**
   * The functions' identity on Kubernetes: ACK maps their RAM role to the user named by the role's id; the
   * kubeconfigs cs DescribeClusterUserKubeconfig / adcp DescribeHubClusterKubeconfig issue to the role's STS
   * credentials carry it (the world's kubeconfigs stay the administrator's).
   */
  functionIdentity: { user: string; kubeconfig(target: 'fleet' | string): string };
  stop(): Promise<void>;
}

/** The example policy shipped in deploy/policy.yaml. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../deploy/policy.yaml', import.meta.url));

/** Reads and validates a policy file (YAML or JSON). */
export function readPolicy(path: string): Policy {
  return PolicySchema.parse(parse(readFileSync(path, 'utf8')));
}

/** Starts everything; on any failure stops what had started and rethrows. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const policy = readPolicy(opts.policyPath ?? DEFAULT_POLICY_PATH);
  const world = new FleetWorld({ fleetId: policy.fleet.id, regionId: policy.region });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse().splice(0)) await s().catch(() => {});
  };
  try {
    const roleUser = SANDBOX_FUNCTION_ROLE.id;
    const rbac = fleetRbacFor(roleUser);
    const enforceRbac = opts.enforceRbac ?? true;
    const roleKubeconfigs = new Map<string, string>();
    const fleet = await startKubeApiServer({
      name: policy.fleet.id,
      seedYaml: fleetSeedYaml(policy),
      enforceRbac,
    });
    stops.push(() => fleet.stop());
    // The administrator applied the Fleet RBAC (deploy/README.md step 4) before the functions run.
    for (const o of rbac.fleet) fleet.store.upsert(o);
    // client-node 2.x refuses plain-http kubeconfigs ("HTTP protocol is not allowed"): hand out TLS ones.
    world.fleetKubeconfig = fleet.kubeconfig(undefined, { tls: true });
    roleKubeconfigs.set('fleet', fleet.kubeconfig(fleet.addRbacUser(roleUser), { tls: true }));
    const members = new Map<string, KubeApiServer>();
    for (const c of policy.clusters) {
      const m = await startKubeApiServer({ name: c.id, enforceRbac });
      stops.push(() => m.stop());
      members.set(c.id, m);
      for (const o of rbac.member) m.store.upsert(o); // step 5, on every member
      roleKubeconfigs.set(c.id, m.kubeconfig(m.addRbacUser(roleUser), { tls: true }));
      world.addCluster({
        ...worldClusterOf(c, policy.region),
        kubeconfig: m.kubeconfig(undefined, { tls: true }),
      });
    }
    const kubeconfigFor: KubeconfigIssuer = (principal, target) =>
      principal?.type === 'role'
        ? roleKubeconfigs.get('fleet' in target ? 'fleet' : target.clusterId)
        : undefined;
    const mesh = opts.mesh ? await startMeshControlPlane({ enforceRbac }) : undefined;
    if (mesh) stops.push(() => mesh.stop());
    const cloud = await startCloudStandIn({
      world,
      alarmPeriodMs: opts.alarmPeriodMs,
      autoTick: opts.autoTick,
      enforceRam: opts.enforceRam,
      kubeconfigFor,
      // With the mesh, the role carries deploy/ram-policy-asm.json too, as an ASM deployment attaches it.
      ...(mesh
        ? {
            serviceMesh: [{ serviceMeshId: mesh.serviceMeshId, kubeconfig: () => mesh.kubeconfig() }],
            rolePolicy: mergeRamPolicies(readRamPolicy(), readRamPolicy(ASM_RAM_POLICY_PATH)),
          }
        : {}),
    });
    stops.push(() => cloud.stop());
    cloud.dingtalk.addRobot({ ...SANDBOX_DINGTALK, keywords: policy.notify.dingtalk.keywords });
    const zones = await Zones.start(
      world,
      policy.clusters.flatMap((c) =>
        policy.routes.map((r) => ({
          clusterId: c.id,
          app: { namespace: r.namespace, name: r.service, servicePort: r.servicePort },
          podLabel: c.podLabel,
          store: members.get(c.id)!.store,
          memberApi: members.get(c.id)!,
          replicas: opts.replicas,
          seed: opts.seed,
          readinessLagMs: opts.readinessLagMs,
        })),
      ),
    );
    stops.push(() => zones.stop());
    const gateway = await startGateway({
      fleet: { url: fleet.url, token: fleet.adminToken },
      members: new Map([...members].map(([id, m]) => [id, { url: m.url, token: m.adminToken }])),
      mseIngressConfig: policy.fleet.mseIngressConfig,
      keys: policy.gateway,
      propagationDelayMs: opts.propagationDelayMs,
      healthFallback: opts.healthFallback,
      upstreamTimeoutMs: opts.upstreamTimeoutMs,
      healthCheckIntervalMs: opts.healthCheckIntervalMs,
      healthCheck: opts.gatewayHealthCheck,
      passive: opts.gatewayPassive,
      seed: opts.seed,
      world,
    });
    stops.push(() => gateway.stop());
    const sandboxPolicy: Policy = {
      ...policy,
      clusters: policy.clusters.map((c) => ({
        ...c,
        probes: c.probes.map((p) => ({ ...p, url: probeUrlFor(zones, c.id, p.url) })),
      })),
      notify: { ...policy.notify, dingtalk: { ...policy.notify.dingtalk, url: cloud.dingtalk.url } },
    };
    const functionIdentity = {
      user: roleUser,
      kubeconfig: (target: string) => {
        const k = roleKubeconfigs.get(target);
        if (!k) throw new Error(`sandbox: no cluster ${target}`);
        return k;
      },
    };
    return {
      world,
      fleet,
      members,
      cloud,
      gateway,
      zones,
      ...(mesh ? { mesh } : {}),
      policy: sandboxPolicy,
      functionIdentity,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The zone's entry point with the original probe's path (e.g. /healthz). */
function probeUrlFor(zones: Zones, clusterId: string, original: string): string {
  const u = new URL(zones.probeUrl(clusterId));
  u.pathname = new URL(original).pathname;
  return u.toString();
}
