/**
 * The running sandbox's control endpoint: a small HTTP server on 127.0.0.1 through which
 * `npm run sandbox -- fault|heal|status` changes or reads a sandbox started by another process. Its URL
 * and a random token are written to a state file in os.tmpdir() (mode 0600).
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HealthStatus, type SyncStatus, setApplicationStatus } from './argocd';
import { detachInConsole } from './cloud/products/adcp';
import type { Sandbox } from './start-sandbox';
import type { ZoneFault } from './world';
import { ZoneError, type ZoneFaultOptions } from './zones/index';
import { closeServer, listenOn } from './zones/listen';

/** What the state file holds. */
export interface ControlState {
  pid: number;
  controlUrl: string;
  token: string;
  gatewayUrl: string;
}

/** A control request or state-file problem. */
export class SandboxControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxControlError';
  }
}

/** The state file path; FLEET_DR_SANDBOX_STATE overrides it (tests use their own). */
export function stateFilePath(): string {
  return process.env.FLEET_DR_SANDBOX_STATE ?? join(tmpdir(), 'fleet-dr-sandbox.json');
}

/** A fault request body. */
export interface FaultRequest {
  zone: string;
  kind: ZoneFault | 'heal';
  options?: ZoneFaultOptions;
}

/** Starts the control endpoint for a sandbox. */
export async function startControlServer(
  sb: Sandbox,
  extra?: StatusExtra,
): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const token = randomBytes(16).toString('hex');
  const server = createServer((req, res) => {
    void handle(sb, token, req, res, extra).catch((err: Error) => {
      const status = err instanceof ZoneError ? 400 : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err.message }));
    });
  });
  const port = await listenOn(server, 0);
  return { url: `http://127.0.0.1:${port}`, token, stop: () => closeServer(server) };
}

async function handle(
  sb: Sandbox,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  extra?: StatusExtra,
): Promise<void> {
  if (req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401).end('{"error":"bad token"}');
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (req.method === 'POST' && req.url === '/fault') {
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as FaultRequest;
    await sb.zones.fault(body.zone, body.kind, body.options);
  } else if (req.method === 'POST' && req.url === '/argocd') {
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as AppStatusRequest;
    setApplicationStatus(sb.fleet.store, body.name, body);
  } else if (req.method === 'POST' && req.url === '/detach') {
    detachInConsole(
      sb.world,
      (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { cluster: string }).cluster,
    );
  } else if (!(req.method === 'GET' && req.url === '/status')) {
    res.writeHead(404).end('{"error":"not found"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(statusOf(sb, extra)));
}

/** An Argo CD Application's new status (`npm run sandbox -- app`). */
export interface AppStatusRequest {
  name: string;
  sync?: SyncStatus;
  health?: HealthStatus;
}

/** More sections of the status, each computed at request time (e.g. `fleetDr` with --with-functions). */
export type StatusExtra = Record<string, () => unknown>;

/** Zones, cluster states and gateway totals of a sandbox (and the extra sections). */
export function statusOf(sb: Sandbox, extra: StatusExtra = {}): unknown {
  return {
    gatewayFallback: sb.gateway.healthFallback(),
    zones: sb.zones.list.map((z) => ({
      zone: z.name,
      cluster: z.cluster.id,
      fault: z.fault,
      probeUrl: z.probeUrl,
      pods: z.pods.map((p) => ({ name: p.name, port: p.port, fault: p.fault })),
    })),
    clusters: [...sb.world.clusters.values()].map((c) => ({
      id: c.id,
      state: c.state,
      attachedToFleet: c.attachedToFleet,
    })),
    gateway: { url: sb.gateway.url, totals: sb.gateway.stats().totals },
    ...Object.fromEntries(Object.entries(extra).map(([k, f]) => [k, f()])),
  };
}

/** Sends a request to the control endpoint named in the state file. */
export async function callControl(
  state: ControlState,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${state.controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${state.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new SandboxControlError(
      `no sandbox answers at ${state.controlUrl} (is \`npm run sandbox\` running?)`,
    );
  }
  const json = (await res.json()) as { error?: string };
  if (!res.ok) throw new SandboxControlError(json.error ?? `HTTP ${res.status}`);
  return json;
}
