/**
 * A small HTTP front that routes like a mesh sidecar (the "mesh" traffic manager of the sandbox, beside the MSE
 * gateway stand-in, which it does not touch): every `pollIntervalMs` it lists the DestinationRules of the ASM
 * control plane stand-in over its Kubernetes HTTP API, takes the one whose `spec.host` is the service's host,
 * and sends each request to the endpoint `locality-lb.ts` picks, counting 5xx per endpoint for
 * `outlier.ts` when the rule has `outlierDetection`.
 *
 * Stand-in convention: the caller's locality comes from the request header `x-fleet-dr-caller-locality`
 * (`region/zone[/subzone]`; a real sidecar knows its own node's locality) or the proxy's `defaultCaller`. The
 * answer carries `x-mesh-endpoint: <endpoint id>`. With no endpoint at all: 503 `no healthy upstream`; an upstream
 * past its deadline: 504 `upstream request timeout`; a failed or reset connection: 503.
 */
import { Agent, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { closeServer, createJsonServer, listenLocal, readBody } from '../cloud/http-util';
import { type Rng, seededRng } from '../zones/rng';
import type { Zones } from '../zones/zones';
import type { DestinationRuleSpec } from './destination-rule';
import { type Locality, type MeshEndpoint, parseLocality, pickEndpoint } from './locality-lb';
import { OutlierDetector, outlierSettingsOf } from './outlier';

/** The caller-locality header (a stand-in convention). */
export const CALLER_LOCALITY_HEADER = 'x-fleet-dr-caller-locality';

/** An endpoint the proxy can reach. */
export interface ProxyEndpoint extends MeshEndpoint {
  /** http://127.0.0.1:PORT */
  url: string;
}

/** Options of `startMeshProxy`. */
export interface MeshProxyOptions {
  /** The control plane's API (plain http URL and a token that may list DestinationRules). */
  controlPlane: { url: string; token: string };
  /** The service host DestinationRules are matched on (`spec.host`), e.g. `web-demo.web-demo.svc.cluster.local`. */
  host: string;
  /** The service's endpoints (a function: re-read on every request). */
  endpoints: () => ProxyEndpoint[];
  /** The caller's locality when the request names none. */
  defaultCaller?: Locality;
  /** Default 100 ms. */
  pollIntervalMs?: number;
  /** Upstream deadline; default 3000 ms. */
  upstreamTimeoutMs?: number;
  /** Seed of the picks; default 1. */
  seed?: number;
}

/** One answered request (for tests and stats). */
export interface MeshRequestRecord {
  endpoint: string;
  status: number | 'error';
}

/** A running mesh proxy. */
export interface MeshProxy {
  url: string;
  /** Lists the DestinationRules now (instead of waiting for the next poll). */
  refresh(): Promise<void>;
  /** The rule in effect (undefined: none for the host). */
  rule(): DestinationRuleSpec | undefined;
  outlier: OutlierDetector;
  /** Calls `fn` after every proxied request; returns unsubscribe. */
  onRequest(fn: (r: MeshRequestRecord) => void): () => void;
  stop(): Promise<void>;
}

/** The zones' demo pods as mesh endpoints (id `<cluster>/<pod>`, locality from the cluster's region and zone). */
export function zonePodEndpoints(zones: Zones): () => ProxyEndpoint[] {
  return () =>
    zones.list.flatMap((z) =>
      z.pods.map((p) => ({
        id: `${z.cluster.id}/${p.name}`,
        locality: { region: z.cluster.regionId, zone: z.cluster.zone },
        url: `http://127.0.0.1:${p.port}`,
      })),
    );
}

async function listRules(cp: MeshProxyOptions['controlPlane']): Promise<DestinationRuleSpec[]> {
  const res = await fetch(`${cp.url}/apis/networking.istio.io/v1/destinationrules`, {
    headers: { authorization: `Bearer ${cp.token}` },
  });
  if (!res.ok) throw new Error(`listing DestinationRules: HTTP ${res.status}`);
  const list = (await res.json()) as { items?: Array<{ spec?: DestinationRuleSpec }> };
  return (list.items ?? []).map((o) => o.spec ?? {});
}

function forward(
  ep: ProxyEndpoint,
  req: IncomingMessage,
  body: Buffer,
  agent: Agent,
  timeoutMs: number,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer } | 'error' | 'timeout'> {
  return new Promise((resolve) => {
    const u = new URL(ep.url);
    const up = request(
      {
        host: u.hostname,
        port: u.port,
        method: req.method,
        path: req.url,
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ct = res.headers['content-type'];
          resolve({
            status: res.statusCode ?? 502,
            headers: ct ? { 'content-type': ct } : {},
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', () => resolve('error'));
      },
    );
    up.on('timeout', () => {
      resolve('timeout');
      up.destroy();
    });
    up.on('error', () => resolve('error'));
    up.end(body);
  });
}

/** Starts the proxy on 127.0.0.1 (OS-picked port) and its first DestinationRule read. */
export async function startMeshProxy(opts: MeshProxyOptions): Promise<MeshProxy> {
  const random: Rng = seededRng(opts.seed ?? 1);
  // With a `timeout`, the agent honours the pods' Keep-Alive hint (5 s) and drops an idle connection before the pod
  // does, as the gateway stand-in and the load do: else a request can go out on a connection the pod is closing
  // (Envoy's "503 UC" behind Node servers), a race a starved single-process sandbox makes frequent.
  const agent = new Agent({ keepAlive: true, timeout: 60_000 });
  const outlier = new OutlierDetector();
  const listeners = new Set<(r: MeshRequestRecord) => void>();
  let rule: DestinationRuleSpec | undefined;

  const refresh = async () => {
    const next = (await listRules(opts.controlPlane)).find((r) => r.host === opts.host);
    rule = next;
    outlier.configure(outlierSettingsOf(next?.trafficPolicy?.outlierDetection));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const header = req.headers[CALLER_LOCALITY_HEADER];
    const caller = typeof header === 'string' ? parseLocality(header) : opts.defaultCaller;
    if (!caller) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`no ${CALLER_LOCALITY_HEADER} header\n`);
      return;
    }
    const endpoints = opts.endpoints();
    outlier.setHosts(endpoints.map((e) => e.id));
    const detect = rule?.trafficPolicy?.outlierDetection !== undefined;
    const ep = pickEndpoint({ rule, endpoints, caller, ejected: outlier.ejected(), random });
    if (!ep) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream');
      return;
    }
    const out = await forward(ep, req, body, agent, opts.upstreamTimeoutMs ?? 3000);
    const status = typeof out === 'string' ? 'error' : out.status;
    if (detect) outlier.record(ep.id, status);
    for (const fn of [...listeners]) fn({ endpoint: ep.id, status });
    // Envoy's answers: 504 when the upstream's deadline passed, 503 when the connection failed or was reset.
    if (out === 'timeout') {
      res.writeHead(504, { 'x-mesh-endpoint': ep.id }).end('upstream request timeout');
      return;
    }
    if (out === 'error') {
      res.writeHead(503, { 'x-mesh-endpoint': ep.id }).end('upstream connect error or disconnect/reset');
      return;
    }
    res.writeHead(out.status, { ...out.headers, 'x-mesh-endpoint': ep.id }).end(out.body);
  };

  const server: Server = createJsonServer(handle, (res, err) => {
    if (!res.headersSent) res.writeHead(500).end(String(err));
  });
  const port = await listenLocal(server);
  await refresh();
  outlier.start();
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    refresh()
      .catch(() => {
        // The control plane unreachable: keep the last rule, as a sidecar keeps its last config.
      })
      .finally(() => {
        polling = false;
      });
  }, opts.pollIntervalMs ?? 100);
  return {
    url: `http://127.0.0.1:${port}`,
    refresh,
    rule: () => rule,
    outlier,
    onRequest: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    stop: async () => {
      clearInterval(poll);
      outlier.stop();
      agent.destroy();
      await closeServer(server);
    },
  };
}
