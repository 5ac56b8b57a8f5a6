/**
 * Builds every client a function needs from FC's `context` and the environment: credentials from the
 * context (the role's STS token), endpoints from FLEET_DR_ENDPOINTS (sandbox only by explicit configuration),
 * the Fleet's Kubernetes API, the traffic router (weights and membership), routing store and outbox.
 */
import { type AckClient, createAckClient } from '../clients/ack-client';
import { type CmsClient, createCmsClient } from '../clients/cms-client';
import { type FcContextLike, resolveCredentials } from '../clients/credentials';
import { overridesFromEnv } from '../clients/endpoints';
import { createFcClient, type FcClient } from '../clients/fc-client';
import { createFleetClient, type FleetClient } from '../clients/fleet-client';
import type { KubeClient } from '../clients/kube-client';
import { createMseClient, type MseClient } from '../clients/mse-client';
import {
  createServiceMeshClient,
  type DestinationRuleClient,
  type ServiceMeshClient,
} from '../clients/servicemesh-client';
import { asmRegionOf, type Policy } from '../config';
import { ConfigError } from '../errors';
import { gatewayKeys } from '../gateway/annotations';
import { clusterLocalities } from '../gateway/asm-distribute';
import { AsmRouter } from '../gateway/asm-router';
import { GatewayMembership } from '../gateway/membership';
import { MseIngressRouter } from '../gateway/mse-ingress-router';
import type { TrafficRouter } from '../gateway/router';
import { RouterByRoute, routerNameOf } from '../gateway/router-by-route';
import { IngressWeightWriter } from '../gateway/weight-writer';
import { type Logger, setLogSink } from '../log';
import { createDingTalkSender } from '../notify/dingtalk-client';
import { Outbox } from '../notify/outbox';
import { RoutingStore, STATE_CONFIGMAPS } from '../state/routing-store';

/** The clients of one invocation. */
export interface Wiring {
  policy: Policy;
  env: NodeJS.ProcessEnv;
  ack: AckClient;
  mse: MseClient;
  cms: CmsClient;
  fc: FcClient;
  fleet: FleetClient;
  fleetKube: () => Promise<KubeClient>;
  /** A member cluster's Kubernetes API (ACK's kubeconfig for it), cached per cluster. */
  memberKube: (clusterId: string) => Promise<KubeClient>;
  routing: () => Promise<RoutingStore>;
  /** The traffic manager the committed state is applied through. */
  router: () => Promise<TrafficRouter>;
  membership: () => Promise<GatewayMembership>;
  /** The ASM control plane's DestinationRules (read by the drift check); needs the policy's `asm` section. */
  destinationRules: () => Promise<DestinationRuleClient>;
  outbox: (now: () => number, log?: Logger) => Promise<Outbox>;
}

/** FC's context as fleet-dr reads it. */
export interface FcContext extends FcContextLike {
  requestId?: string;
  accountId?: string;
  region?: string;
}

/** Wires the clients for one invocation (cheap: nothing is called until used). */
export function wire(policy: Policy, context: FcContext, env: NodeJS.ProcessEnv = process.env): Wiring {
  const credentials = resolveCredentials({ context, env });
  const overrides = overridesFromEnv(env);
  const region = policy.region;
  const accountId = context.accountId ?? env.FC_ACCOUNT_ID ?? '';
  const ack = createAckClient({ region, credentials, overrides });
  const fleet = createFleetClient({ fleetId: policy.fleet.id, region, credentials, overrides });
  const memberCache = new Map<string, Promise<KubeClient>>();
  const memberKube = (id: string) => {
    let k = memberCache.get(id);
    if (!k) {
      k = ack.memberKube(id);
      memberCache.set(id, k);
    }
    return k;
  };
  const fleetKube = () => fleet.kube();
  const membership = async () =>
    new GatewayMembership(
      await fleetKube(),
      policy.fleet.mseIngressConfig,
      policy.gateway.remoteClustersAnnotation,
    );
  const mseRouter = async () => {
    const writer = new IngressWeightWriter({
      fleetKube: await fleetKube(),
      memberKube,
      clusters: policy.clusters,
      keys: gatewayKeys(policy.gateway),
    });
    return new MseIngressRouter(
      writer,
      await membership(),
      policy.clusters.map((c) => c.id),
    );
  };
  // One servicemesh client per invocation, for the ASM router's writes and the drift check's reads.
  let mesh: ServiceMeshClient | undefined;
  const meshClient = (): ServiceMeshClient => {
    const asm = policy.asm;
    if (!asm) throw new ConfigError('a route has router "asm" but the policy has no asm section');
    mesh ??= createServiceMeshClient({
      serviceMeshId: asm.serviceMeshId,
      region: asmRegionOf(policy),
      privateIpAddress: asm.privateIpAddress,
      credentials,
      overrides,
    });
    return mesh;
  };
  const asmRouter = () =>
    new AsmRouter({
      rules: meshClient().destinationRules,
      clusters: clusterLocalities(policy),
      routes: policy.routes.filter((r) => routerNameOf(r) === 'asm'),
      memberReader: memberKube,
    });
  const destinationRules = async () => meshClient().destinationRules;
  return {
    policy,
    env,
    ack,
    mse: createMseClient({ region, credentials, overrides }),
    cms: createCmsClient({ region, credentials, overrides }),
    fc: createFcClient({ region, accountId, credentials, overrides }),
    fleet,
    fleetKube,
    memberKube,
    async routing() {
      return new RoutingStore(await fleetKube(), policy);
    },
    async router() {
      const uses = new Set(policy.routes.map(routerNameOf));
      const mse = uses.has('mse-ingress') ? await mseRouter() : undefined;
      if (!uses.has('asm') && mse) return mse;
      return new RouterByRoute({ ...(mse ? { 'mse-ingress': mse } : {}), asm: asmRouter() });
    },
    membership,
    destinationRules,
    async outbox(now, log) {
      const dingtalk = policy.notify.dingtalk;
      const accessToken = env[dingtalk.accessTokenEnv];
      if (!accessToken)
        throw new ConfigError(`environment variable ${dingtalk.accessTokenEnv} (DingTalk token) is not set`);
      const secret = dingtalk.secretEnv ? env[dingtalk.secretEnv] : undefined;
      const url = overrides.dingtalk
        ? new URL('/robot/send', toUrl(overrides.dingtalk)).toString()
        : dingtalk.url;
      return new Outbox({
        fleetKube: await fleetKube(),
        namespace: policy.fleet.stateNamespace,
        name: STATE_CONFIGMAPS.outbox,
        robot: { url, accessToken, secret },
        robotId: `dingtalk:${dingtalk.accessTokenEnv}`,
        send: createDingTalkSender({ now, log }),
        mentions: { atMobiles: dingtalk.atMobiles, atUserIds: dingtalk.atUserIds, isAtAll: dingtalk.isAtAll },
        keywords: dingtalk.keywords,
        now,
        log,
      });
    },
  };
}

const toUrl = (s: string) => (/^https?:\/\//.test(s) ? s : `http://${s}`);

/** FLEET_DR_LOG=off silences the function's own log lines (drills print their own report instead). */
export function applyLogSetting(env: NodeJS.ProcessEnv = process.env): void {
  if (env.FLEET_DR_LOG === 'off') setLogSink(() => {});
}
