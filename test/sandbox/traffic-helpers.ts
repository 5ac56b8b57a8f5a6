/** Test helpers: send bounded-concurrency traffic through the sandbox gateway and tally where it went. */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { KubeObject } from '../../sandbox/kubernetes/types';

/** What a burst of requests did. */
export interface Tally {
  total: number;
  /** Answered 2xx, by the cluster that answered. */
  byCluster: Record<string, number>;
  /** By pod name (2xx only). */
  byPod: Record<string, number>;
  /** By status code (0 = client-side error). */
  byStatus: Record<number, number>;
  /** Fastest 2xx answer per cluster, ms. */
  minLatency: Record<string, number>;
}

/** Sends `n` GETs to `url` with at most `concurrency` in flight over keep-alive connections. */
export async function sendRequests(
  url: string,
  n: number,
  concurrency = 16,
  headers: Record<string, string> = {},
): Promise<Tally> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const t: Tally = { total: n, byCluster: {}, byPod: {}, byStatus: {}, minLatency: {} };
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      const req = request(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          t.byStatus[status] = (t.byStatus[status] ?? 0) + 1;
          if (status < 300) {
            const b = JSON.parse(Buffer.concat(chunks).toString()) as { cluster: string; pod: string };
            t.byCluster[b.cluster] = (t.byCluster[b.cluster] ?? 0) + 1;
            t.byPod[b.pod] = (t.byPod[b.pod] ?? 0) + 1;
            const ms = Date.now() - started;
            t.minLatency[b.cluster] = Math.min(t.minLatency[b.cluster] ?? ms, ms);
          }
          resolve();
        });
      });
      req.on('error', () => {
        t.byStatus[0] = (t.byStatus[0] ?? 0) + 1;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return t;
}

/** A canary Ingress on the Fleet pinned by `subset-labels: "<key> <value>"` (`subset` names the service subset). */
export function canaryIngress(name: string, weight: number, pin: string, subset = ''): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: 'web-demo',
      annotations: {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': String(weight),
        'mse.ingress.kubernetes.io/service-subset': subset,
        'mse.ingress.kubernetes.io/subset-labels': pin,
      },
    },
    spec: {
      ingressClassName: 'mse',
      rules: [
        {
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-demo', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** A canary Ingress pinned to one cluster by the cluster label, as the reference describes. */
export function pinnedCanary(cluster: string, weight: number, labelValue = cluster): KubeObject {
  return canaryIngress(`web-demo-${cluster}`, weight, `topology.istio.io/cluster ${labelValue}`);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true or `timeoutMs` passes (then throws). */
export async function until(
  fn: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether something accepts TCP connections on `port` of 127.0.0.1. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
