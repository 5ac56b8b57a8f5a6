/**
 * E2E helpers for the operator function: a drill sandbox with `fleet-dr-operator` served over the local
 * invoker's HTTP front (as its FC HTTP trigger), operators' keys, signed requests over real HTTP, the CLI in
 * process, and the traffic share through the gateway once it has applied the weights.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Drill, type DrillOptions, startDrill } from '../../sandbox/drill/drill-env';
import { waitFor } from '../../sandbox/drill/drill-helpers';
import type { HttpFront } from '../../sandbox/invoker/http-front';
import { createLocalInvoker, type LocalInvoker } from '../../sandbox/invoker/index';
import type { CliIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';
import type { RoutingState } from '../../shared/decision/routing-state';
import { OPERATOR_ENDPOINTS, type OperatorEndpoint } from '../../shared/operator/api';
import { signRequest } from '../../shared/operator/signing';
import { STATE_CONFIGMAPS } from '../../shared/state/routing-store';
import { sendRequests } from '../sandbox/traffic-helpers';

/** The deployed name of the operator function. */
export const OPERATOR_FUNCTION = 'fleet-dr-operator';

/** An operator's key as the CLI holds it, and who the function says it belongs to. */
export interface TestKey {
  id: string;
  secret: string;
  owner: string;
}

export const ALICE: TestKey = {
  id: 'alice-1',
  secret: 'e2e-alice-secret-0123456789abcdef0123',
  owner: 'alice',
};
export const BOB: TestKey = { id: 'bob-1', secret: 'e2e-bob-secret-0123456789abcdef01234567', owner: 'bob' };
export const VIEWER: TestKey = {
  id: 'viewer-1',
  secret: 'e2e-viewer-secret-0123456789abcdef0123',
  owner: 'viewer',
};

/** The function's keyring value: alice and bob may do everything, viewer only read the status. */
export const KEYRING = [
  `${ALICE.id}:${ALICE.owner}:${ALICE.secret}:*`,
  `${BOB.id}:${BOB.owner}:${BOB.secret}:*`,
  `${VIEWER.id}:${VIEWER.owner}:${VIEWER.secret}:status`,
].join(',');

/** A drill with the operator function on its own HTTP front. */
export interface OperatorDrill {
  d: Drill;
  op: LocalInvoker;
  front: HttpFront;
  /** The operator function's URL (what `--url` takes). */
  url: string;
  /** Key files for the CLI, by key id. */
  keyFile: Record<string, string>;
  stop(): Promise<void>;
}

const OPERATOR_DIR = fileURLToPath(new URL('../../functions/operator', import.meta.url));

/** Starts the drill and the operator function beside it. */
export async function startOperatorDrill(o: DrillOptions = {}): Promise<OperatorDrill> {
  const d = await startDrill(o);
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-operator-e2e-'));
  try {
    const fns = join(dir, 'functions');
    mkdirSync(fns);
    symlinkSync(OPERATOR_DIR, join(fns, OPERATOR_FUNCTION), 'dir');
    const op = createLocalInvoker({
      functionsDir: fns,
      credentialsProvider: () => d.sb.cloud.credentials.issueStsToken(),
      region: d.policy.region,
      accountId: d.sb.cloud.fc.accountId,
      freshInstance: false,
      env: { ...d.env, [d.policy.secrets.operatorHmacKeysEnv]: KEYRING },
      httpFunctions: [OPERATOR_FUNCTION],
      functions: { [OPERATOR_FUNCTION]: { timeout: 60 } },
    });
    const front = await op.listen();
    const keyFile: Record<string, string> = {};
    for (const k of [ALICE, BOB, VIEWER]) {
      keyFile[k.id] = join(dir, `${k.id}.key`);
      writeFileSync(keyFile[k.id]!, `${k.id}:${k.secret}\n`, { mode: 0o600 });
    }
    return {
      d,
      op,
      front,
      url: front.urlFor(OPERATOR_FUNCTION),
      keyFile,
      stop: async () => {
        await op.idle().catch(() => undefined);
        await op.close();
        await d.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Options of a hand-made signed request (to forge stale, replayed, tampered or unsigned ones). */
export interface SignOptions {
  key?: TestKey;
  now?: Date;
  nonce?: string;
  /** Change the headers after signing. */
  edit?: (h: Record<string, string>) => void;
  unsigned?: boolean;
  /** Send this body instead of the one signed. */
  sendBody?: string | Buffer;
  /** Send exactly these headers (a replay of an earlier request), signing nothing. */
  replay?: Record<string, string>;
}

/** A signed request to the operator function over real HTTP; status and JSON. */
export async function operatorFetch(
  url: string,
  endpoint: OperatorEndpoint,
  body?: unknown,
  o: SignOptions = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  const e = OPERATOR_ENDPOINTS[endpoint];
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const key = o.key ?? ALICE;
  const headers = o.replay
    ? { ...o.replay }
    : o.unsigned
      ? {}
      : signRequest({
          method: e.method,
          path: e.path,
          body: payload,
          keyId: key.id,
          secret: key.secret,
          now: o.now,
          nonce: o.nonce,
        });
  o.edit?.(headers);
  const sent = o.sendBody ?? payload;
  const res = await fetch(`${url}${e.path}`, {
    method: e.method,
    headers: { ...headers, ...(sent.length ? { 'content-type': 'application/json' } : {}) },
    body: sent.length ? sent : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers };
}

/** A CLI run in process whose output can be read while it runs. */
export interface LiveCli {
  done: Promise<{ code: number; stdout: string; stderr: string }>;
  stdout(): string;
}

/** Starts `fleet-dr <args>` in process. */
export function cliLive(args: string[]): LiveCli {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const done = main(args, io).then((code) => ({ code, stdout, stderr }));
  return { done, stdout: () => stdout };
}

/** Runs `fleet-dr <args>` in process. */
export function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliLive(args).done;
}

/** The routing state on the Fleet, as committed. */
export function routingState(d: Drill): RoutingState {
  const cm = d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, STATE_CONFIGMAPS.routing);
  const raw = (cm?.data as Record<string, string> | undefined)?.['state.json'];
  if (!raw) throw new Error('no routing state on the Fleet yet');
  return JSON.parse(raw) as RoutingState;
}

/** The resourceVersion of one of fleet-dr's state ConfigMaps (undefined when it does not exist). */
export function stateVersionOf(d: Drill, name: keyof typeof STATE_CONFIGMAPS): string | undefined {
  return d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, STATE_CONFIGMAPS[name])
    ?.metadata.resourceVersion;
}

/** Waits until the gateway has read the Fleet's canaries and waited out its propagation delay. */
export async function gatewaySettled(d: Drill): Promise<void> {
  await d.sb.gateway.refresh();
  await waitFor('the gateway to apply the new weights', () => d.sb.gateway.converged(), 10_000);
}

/** The share (%) of `n` requests through the gateway that `cluster` answered, how many failed, and the tally. */
export async function trafficShare(
  d: Drill,
  cluster: string,
  n = 400,
): Promise<{ share: number; failed: number; tally: string }> {
  const t = await sendRequests(d.sb.gateway.url, n, 8);
  const ok = Object.values(t.byCluster).reduce((s, x) => s + x, 0);
  const tally = JSON.stringify({ byCluster: t.byCluster, byStatus: t.byStatus });
  return { share: Math.round(((t.byCluster[cluster] ?? 0) * 100) / n), failed: n - ok, tally };
}

/** Invokes the operator function's timer, as FC's minute timer does. */
export async function tick(o: OperatorDrill): Promise<Record<string, unknown>> {
  const r = await o.op.invoke(OPERATOR_FUNCTION, {
    triggerTime: new Date().toISOString(),
    triggerName: 'operator-ramp',
    payload: '',
  });
  if (r.error) throw new Error(`operator tick failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  return JSON.parse(r.payload.toString('utf8')) as Record<string, unknown>;
}

/** Resolves at `iso` (a time an answer gave: `until`), plus a margin for clock rounding. */
export async function atTime(iso: string, marginMs = 150): Promise<void> {
  const ms = Date.parse(iso) - Date.now() + marginMs;
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}
