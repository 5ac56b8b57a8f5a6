/**
 * The Alibaba Cloud stand-ins of the sandbox: one OpenAPI endpoint per product (cs, adcp, mse, cms; each serves
 * only its product, as the real per-product hosts do) checking the ACS3-HMAC-SHA256 signature, the CloudMonitor alarm engine, the Function Compute invoke endpoint and the
 * DingTalk robot, all on 127.0.0.1 with per-product fault switches. Cluster state comes from FleetWorld.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FleetWorld } from '../world';
import { AlarmEngine, type AlarmRule, type RuleError } from './alarm-engine';
import { CredentialStore, type StsCredentials } from './credentials';
import { type DingTalkStandIn, type RobotSpec, startDingTalk } from './dingtalk';
import { FaultRegistry, type FaultSpec } from './faults';
import { type FcDispatcher, type FcInvocationRecord, startFc } from './fc';
import { type MetricPoint, MetricStore } from './metric-store';
import { type OpenApiListener, startOpenApiServers } from './openapi-server';
import { adcpProduct } from './products/adcp';
import { type CustomEvent, cmsProduct, customMetricNamespace } from './products/cms';
import { csProduct } from './products/cs';
import { type MseGateway, mseProduct } from './products/mse';
import { type ServiceMeshSpec, servicemeshProduct } from './products/servicemesh';
import {
  checkPolicyDocument,
  evaluatePolicy,
  type KubeconfigIssuer,
  RamAuthorizer,
  type RamDecision,
  type RamPolicyDocument,
  SANDBOX_FUNCTION_ROLE,
} from './ram';
import type { SiteProbe } from './site-probe';

export type { AlertState, CallbackForm } from './alarm-callback';
export type { AlarmRule, RuleError } from './alarm-engine';
export { SANDBOX_ACCESS_KEY, type StsCredentials } from './credentials';
export { dingTalkSign } from './dingtalk';
export { OPENAPI_ERRORS } from './errors';
export type { FaultSpec } from './faults';
export { type FcDispatcher, type FcInvocation, FunctionNotFoundError } from './fc';
export { SITE_MONITOR_NAMESPACE } from './metric-store';
export { customMetricNamespace } from './products/cms';
export type { ServiceMeshSpec } from './products/servicemesh';
export {
  evaluatePolicy,
  type KubeconfigIssuer,
  type RamDecision,
  type RamPolicyDocument,
  type RamPrincipal,
  SANDBOX_FUNCTION_ROLE,
  wildcardMatch,
} from './ram';
export type { SiteProbe } from './site-probe';

/** The RAM policy the functions' role carries by default. */
export const DEFAULT_RAM_POLICY_PATH = fileURLToPath(
  new URL('../../deploy/ram-policy.json', import.meta.url),
);

/** The RAM policy a deployment attaches too when a route has `router: asm` (the servicemesh kubeconfig). */
export const ASM_RAM_POLICY_PATH = fileURLToPath(
  new URL('../../deploy/ram-policy-asm.json', import.meta.url),
);

/** Reads deploy/ram-policy.json (or another policy document). */
export function readRamPolicy(path = DEFAULT_RAM_POLICY_PATH): RamPolicyDocument {
  return checkPolicyDocument(JSON.parse(readFileSync(path, 'utf8')));
}

/** One role's policies as one document: every statement of each. */
export function mergeRamPolicies(...docs: RamPolicyDocument[]): RamPolicyDocument {
  return checkPolicyDocument({ Version: '1', Statement: docs.flatMap((d) => d.Statement) });
}

/** Options of the cloud stand-ins. */
export interface CloudStandInOptions {
  world: FleetWorld;
  /** Alarm evaluation period; default 60000 as in the real service. */
  alarmPeriodMs?: number;
  /** Clock for signatures, token expiry, metrics and alarms (DingTalk has its own `setNow`). */
  now?: () => number;
  /** Start the alarm engine's timer (default true; tests often drive `cms.tick()` themselves). */
  autoTick?: boolean;
  /** Alarm callback delivery: 5 s timeout, 3 retries, 1 s between tries by default. */
  callback?: { timeoutMs?: number; retries?: number; retryDelayMs?: number };
  /** The account id used as CloudMonitor `userId` and FC account (default '1234567890123456'). */
  accountId?: string;
  /** Random source for `errorRate` faults (tests pass a deterministic one). */
  random?: () => number;
  /** Check every call of the functions' role (STS credentials) against its RAM policy; default true. */
  enforceRam?: boolean;
  /** The policy attached to the functions' role; default deploy/ram-policy.json. */
  rolePolicy?: RamPolicyDocument;
  /** The kubeconfig ACK / ACK One issue to a caller (default: the world's administrator kubeconfigs). */
  kubeconfigFor?: KubeconfigIssuer;
  /**
   * Opt-in: serve the ASM `servicemesh` product (its own listener, RAM `servicemesh:<Action>`) for these meshes
   * (`sandbox/mesh/`). Absent (the default), no servicemesh listener is started.
   */
  serviceMesh?: ServiceMeshSpec[];
}

/** The products with an OpenAPI endpoint of their own. */
export type OpenApiProductName = 'cs' | 'adcp' | 'mse' | 'cms';

/** Every endpoint the stand-ins serve, by product: the value of FLEET_DR_ENDPOINTS for these stand-ins. */
export type StandInEndpoints = Record<OpenApiProductName | 'fc' | 'dingtalk', string> & {
  servicemesh?: string;
};

/** The running cloud stand-ins. */
export interface CloudStandIn {
  /** Each product's own OpenAPI listener (a call for another product is refused, as by the real hosts). */
  openapi: Record<OpenApiProductName, OpenApiListener>;
  /** The servicemesh listener, only when started with `serviceMesh` (then in `endpoints` too). */
  servicemesh?: OpenApiListener;
  /**
   * The one map product → endpoint of the sandbox (`host:port` for the OpenAPI products, URLs for fc and
   * dingtalk): hand `JSON.stringify(endpoints)` to the functions as FLEET_DR_ENDPOINTS.
   */
  endpoints: StandInEndpoints;
  faults: {
    set(product: string, f: FaultSpec): void;
    clear(product?: string): void;
    /** Resolves once the servers acted on the faults (a `refuse` closed its listener, a clear re-opened it). */
    settled(): Promise<void>;
  };
  credentials: {
    /** Another long-lived key: the account's administrator (full RAM access). */
    addAccessKey(id: string, secret: string): void;
    /** STS credentials of the functions' RAM role (checked against `ram.rolePolicy()`). */
    issueStsToken(opts?: { ttlMs?: number; sessionName?: string }): StsCredentials;
  };
  /** RAM: the policy attached to the functions' role; long-lived keys keep full access. */
  ram: {
    role: { name: string; id: string; arn: string };
    rolePolicy(): RamPolicyDocument;
    setRolePolicy(doc: RamPolicyDocument): void;
    /** Back to deploy/ram-policy.json (or the `rolePolicy` option). */
    resetRolePolicy(): void;
    /** Take one action away from the role (exactly that action; a wildcard grant gets a Deny for it). */
    revoke(action: string): void;
    grant(action: string, resource?: string): void;
    /** What RAM would answer the role for `action` on `resource` (ignores `enforce`). */
    evaluate(action: string, resource?: string): RamDecision;
    /** Every call of the role RAM denied so far (action, resource, ImplicitDeny/ExplicitDeny). */
    denials(): Array<{ action: string; resource: string; decision: RamDecision; at: number }>;
    /** Enforcement on/off (the `enforceRam` option). */
    enforce: boolean;
  };
  cms: {
    addRule(rule: AlarmRule): void;
    rules(): AlarmRule[];
    /** Rules whose last evaluation failed (the others kept evaluating), with the error. */
    ruleErrors(): RuleError[];
    tick(): Promise<void>;
    customEvents(): CustomEvent[];
    metrics(): MetricPoint[];
    putMetric(p: Omit<MetricPoint, 'timestamp'> & { timestamp?: number }): void;
    addSiteProbe(probe: SiteProbe): void;
    removeSiteProbe(taskId: string): void;
    alertLog: AlarmEngine['alertLog'];
    customNamespace: string;
    periodMs: number;
  };
  mse: { failNext(action: string, code: string, message: string): void; gateways: MseGateway[] };
  fc: {
    url: string;
    endpoint: string;
    accountId: string;
    setDispatcher(fn: FcDispatcher): void;
    invocations: FcInvocationRecord[];
    drain(): Promise<void>;
  };
  dingtalk: Pick<DingTalkStandIn, 'url' | 'messages' | 'setNow'> & { addRobot(opts: RobotSpec): void };
  stop(): Promise<void>;
}

/** The RAM controls of the functions' role. */
function ramControl(ram: RamAuthorizer, userId: string): CloudStandIn['ram'] {
  return {
    role: {
      name: SANDBOX_FUNCTION_ROLE.name,
      id: SANDBOX_FUNCTION_ROLE.id,
      arn: `acs:ram::${userId}:role/${SANDBOX_FUNCTION_ROLE.name}`,
    },
    rolePolicy: () => ram.rolePolicy(),
    setRolePolicy: (d) => ram.setRolePolicy(d),
    resetRolePolicy: () => ram.resetRolePolicy(),
    revoke: (a) => ram.revoke(a),
    grant: (a, r) => ram.grant(a, r),
    evaluate: (a, r = '*') => evaluatePolicy(ram.rolePolicy(), a, r),
    denials: () => ram.denials.map((d) => ({ ...d })),
    get enforce() {
      return ram.enforce;
    },
    set enforce(v: boolean) {
      ram.enforce = v;
    },
  };
}

/** The CloudMonitor controls: rules, the alarm engine, custom events and metrics. */
function cmsControl(
  engine: AlarmEngine,
  store: MetricStore,
  events: CustomEvent[],
  userId: string,
  now: () => number,
): CloudStandIn['cms'] {
  return {
    addRule: (r) => engine.addRule(r),
    rules: () => engine.listRules(),
    ruleErrors: () => [...engine.ruleErrors.values()].map((e) => ({ ...e })),
    tick: () => engine.tick(),
    customEvents: () => events.map((e) => ({ ...e })),
    metrics: () => store.all(),
    putMetric: (p) => store.put({ ...p, timestamp: p.timestamp ?? now() }),
    addSiteProbe: (p) => engine.addSiteProbe(p),
    removeSiteProbe: (id) => engine.removeSiteProbe(id),
    alertLog: engine.alertLog,
    customNamespace: customMetricNamespace(userId),
    periodMs: engine.periodMs,
  };
}

/** Start every cloud stand-in on 127.0.0.1 (ports chosen by the OS). */
export async function startCloudStandIn(opts: CloudStandInOptions): Promise<CloudStandIn> {
  const now = opts.now ?? Date.now;
  const userId = opts.accountId ?? '1234567890123456';
  const credentials = new CredentialStore(now);
  const faults = new FaultRegistry(opts.random);
  const store = new MetricStore();
  const events: CustomEvent[] = [];
  const engine = new AlarmEngine({
    store,
    now,
    periodMs: opts.alarmPeriodMs,
    userId,
    regionId: opts.world.regionId,
    delivery: opts.callback,
  });
  const policy = opts.rolePolicy ?? readRamPolicy();
  const ram = new RamAuthorizer(policy, userId, opts.enforceRam ?? true);
  const mse = mseProduct(opts.world, userId);
  const products = [
    csProduct(opts.world, { accountId: userId, kubeconfigFor: opts.kubeconfigFor }),
    adcpProduct(opts.world, { kubeconfigFor: opts.kubeconfigFor }),
    mse.product,
    cmsProduct({ store, engine, events, userId, now }),
    ...(opts.serviceMesh ? [servicemeshProduct(opts.serviceMesh)] : []),
  ];
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const openapi = await startOpenApiServers({ products, credentials, faults, now, ram });
    started.push(openapi);
    const fc = await startFc({
      credentials,
      faults,
      now,
      accountId: userId,
      ram,
      regionId: opts.world.regionId,
    });
    started.push(fc);
    const dingtalk = await startDingTalk({ faults });
    started.push(dingtalk);
    if (opts.autoTick ?? true) engine.start();
    const api = openapi.listeners as Record<OpenApiProductName, OpenApiListener>;
    return {
      openapi: api,
      ...(opts.serviceMesh ? { servicemesh: openapi.listeners.servicemesh } : {}),
      endpoints: {
        cs: api.cs.endpoint,
        adcp: api.adcp.endpoint,
        mse: api.mse.endpoint,
        cms: api.cms.endpoint,
        fc: fc.url,
        dingtalk: dingtalk.url,
        ...(opts.serviceMesh ? { servicemesh: openapi.listeners.servicemesh!.endpoint } : {}),
      },
      faults: {
        set: (p, f) => faults.set(p, f),
        clear: (p) => faults.clear(p),
        settled: () => faults.settled(),
      },
      credentials: {
        addAccessKey: (id, secret) => credentials.addAccessKey(id, secret),
        issueStsToken: (o) => credentials.issueStsToken(o),
      },
      ram: ramControl(ram, userId),
      cms: cmsControl(engine, store, events, userId, now),
      mse: mse.control,
      fc: {
        url: fc.url,
        endpoint: fc.endpoint,
        accountId: fc.accountId,
        setDispatcher: fc.setDispatcher,
        invocations: fc.invocations,
        drain: fc.drain,
      },
      dingtalk: {
        url: dingtalk.url,
        addRobot: dingtalk.addRobot,
        messages: dingtalk.messages,
        setNow: dingtalk.setNow,
      },
      stop: async () => {
        await engine.stop();
        await Promise.all(started.map((s) => s.stop()));
      },
    };
  } catch (err) {
    await engine.stop();
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
}
