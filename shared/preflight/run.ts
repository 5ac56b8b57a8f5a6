/**
 * Runs every preflight check in order (identity, rbac, gateway, signals, clusters; then writes with
 * `--write-test`, notify with `--notify-test`) with the clients the functions would get
 * (shared/runtime/wiring.ts) and returns the rows. Read-only without those flags: Kubernetes sees GETs, LISTs
 * and SelfSubjectAccessReview creates (which store nothing); the cloud APIs see Describe/List calls only.
 * `--write-test` adds dry-run writes (dryRun=All: stored nothing); `--write-test=live` a weight-0 canary created
 * and removed on a test path; `--notify-test` one DingTalk message. The probes are asked from the deployed
 * health-check function (one synchronous InvokeFunction; the function only probes) unless it cannot be.
 */
import type { ClusterDetail } from '../clients/ack-client';
import { resolveCredentials } from '../clients/credentials';
import { initialRoutingState } from '../decision/routing-state';
import { observeDrift } from '../drift/observe';
import type { DriftSnapshot } from '../drift/types';
import type { Wiring } from '../runtime/wiring';
import { judgeClusters } from './clusters';
import { judgeGateway, readGatewayVersion } from './gateway';
import { checkIdentity } from './identity';
import { runNotifyTest } from './notify-test';
import { checkRbac } from './rbac';
import { checkSignals } from './signals';
import { messageOf, type PreflightCheck } from './types';
import { runLiveWriteTest } from './write-live';
import { runWriteTest } from './write-test';

/** A snapshot in which nothing could be read (the Fleet's kubeconfig was refused, say). */
export function unreadSnapshot(
  wiring: Pick<Wiring, 'policy'>,
  error: string,
  at = Date.now(),
): DriftSnapshot {
  return {
    at,
    state: null,
    routes: Object.fromEntries(wiring.policy.routes.map((r) => [r.name, null])),
    fleetMembers: null,
    gateway: null,
    applications: null,
    clusterStates: {},
    backlog: null,
    errors: [error],
  };
}

/**
 * The snapshot the comparisons judge. When the routing state could not be read it is taken as the initial
 * state (nothing fenced, nothing detached): before automation is turned on that is what it is.
 */
export function forJudging(wiring: Pick<Wiring, 'policy'>, s: DriftSnapshot): DriftSnapshot {
  return s.state ? s : { ...s, state: { ok: true, value: initialRoutingState(wiring.policy) } };
}

/** What the command adds to the read-only checks. */
export interface PreflightOptions {
  /** The deployed alarm-failover URL the alarm rules must call (`--alarm-failover-url`). */
  alarmFailoverUrl?: string;
  /** `--write-test`: dry-run every write fleet-dr makes on the Fleet. */
  writeTest?: boolean;
  /** `--notify-test`: send one test message to the DingTalk robot. */
  notifyTest?: boolean;
  /** `--write-test=live --test-path <path>`: a weight-0 canary created and removed on that path. */
  liveWrite?: { testPath: string };
  /**
   * Where the probes are asked: the deployed health-check function (the default), or this host (`why` set
   * when the function cannot be asked, absent for `--probe-from here`).
   */
  probeFrom?: { kind: 'function' } | { kind: 'here'; why?: string };
}

/** ACK's detail of each policy cluster, or why it was not read. */
async function clusterDetails(wiring: Wiring): Promise<Record<string, ClusterDetail | { error: string }>> {
  const details = await Promise.all(
    wiring.policy.clusters.map(async (c) => {
      try {
        return [c.id, await wiring.ack.clusterDetail(c.id)] as const;
      } catch (e) {
        return [c.id, { error: messageOf(e).slice(0, 120) }] as const;
      }
    }),
  );
  return Object.fromEntries(details);
}

/** Runs every check; never throws for what it finds (a failed read is a WARN row). */
export async function runPreflight(wiring: Wiring, o: PreflightOptions = {}): Promise<PreflightCheck[]> {
  const { policy, env } = wiring;
  const identity = await checkIdentity({
    policy,
    env,
    credentials: resolveCredentials({ env }),
    ack: wiring.ack,
    fleet: wiring.fleet,
    mse: wiring.mse,
  });
  const rbac = await checkRbac({
    policy,
    fleetKubeconfig: () => wiring.fleet.hubKubeconfig(),
    memberKubeconfig: (id) => wiring.ack.memberKubeconfig(id),
  });
  const [snapshot, signals, details, version] = await Promise.all([
    observeDrift(wiring).catch((e) => unreadSnapshot(wiring, `Fleet: ${messageOf(e)}`)),
    checkSignals({
      policy,
      env,
      cms: wiring.cms,
      alarmFailoverUrl: o.alarmFailoverUrl,
      probeSource: o.probeFrom?.kind === 'here' ? o.probeFrom : { kind: 'function', fc: wiring.fc },
    }),
    clusterDetails(wiring),
    readGatewayVersion(policy, wiring.mse),
  ]);
  const judged = forJudging(wiring, snapshot);
  const writes = o.writeTest
    ? await runWriteTest({
        policy,
        fleetKube: wiring.fleetKube,
        hubKubeconfig: () => wiring.fleet.hubKubeconfig(),
        memberKube: wiring.memberKube,
      })
    : [];
  const live = o.liveWrite
    ? [
        await runLiveWriteTest({
          policy,
          testPath: o.liveWrite.testPath,
          fleetKube: wiring.fleetKube,
          hubKubeconfig: () => wiring.fleet.hubKubeconfig(),
        }),
      ]
    : [];
  const notify = o.notifyTest ? [await runNotifyTest(policy, env)] : [];
  return [
    ...identity,
    ...rbac,
    ...judgeGateway(policy, judged, version),
    ...signals,
    ...judgeClusters(policy, judged, details),
    ...writes,
    ...live,
    ...notify,
  ];
}
