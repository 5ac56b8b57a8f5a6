import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayEndpoint } from '../../sandbox/gateway/endpoints';
import { chooseBackend, matchRoute, pickEndpoint } from '../../sandbox/gateway/pick';
import { buildRoutingTable, parseSubsetLabels } from '../../sandbox/gateway/routing-table';
import type { KubeObject } from '../../sandbox/kubernetes/types';
import { seededRng } from '../../sandbox/zones/rng';

const POD_LABEL = 'topology.istio.io/cluster';
const NGINX = 'nginx.ingress.kubernetes.io';
const MSE = 'mse.ingress.kubernetes.io';

function eps(cluster: string, n: number, ready = true): GatewayEndpoint[] {
  return Array.from({ length: n }, (_, i) => ({
    cluster,
    namespace: 'web-demo',
    service: 'web-demo',
    pod: `web-demo-${cluster}-${i}`,
    address: '127.0.0.1',
    port: (cluster === 'a' ? 1000 : 2000) + i,
    podIP: `10.0.0.${i}`,
    labels: { app: 'web-demo', [POD_LABEL]: cluster },
    ready,
  }));
}

function ingress(
  name: string,
  annotations: Record<string, string> = {},
  host?: string,
  path = '/',
): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'web-demo', annotations },
    spec: {
      ingressClassName: 'mse',
      rules: [
        {
          host,
          http: {
            paths: [
              { path, pathType: 'Prefix', backend: { service: { name: 'web-demo', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

function pin(cluster: string, weight: number, extra: Record<string, string> = {}): KubeObject {
  return ingress(`web-demo-${cluster}`, {
    [`${NGINX}/canary`]: 'true',
    [`${NGINX}/canary-weight`]: String(weight),
    [`${MSE}/service-subset`]: '',
    [`${MSE}/subset-labels`]: `${POD_LABEL} ${cluster}`,
    ...extra,
  });
}

const mse = (clusters: string): KubeObject => ({
  apiVersion: 'mse.alibabacloud.com/v1alpha1',
  kind: 'MseIngressConfig',
  metadata: { name: 'ackone-gateway', annotations: { 'mse.alibabacloud.com/remote-clusters': clusters } },
});

/** Sends `n` simulated requests through the pure core and counts the clusters picked. */
function spread(
  ingresses: KubeObject[],
  endpoints: GatewayEndpoint[],
  clusters = 'a,b',
  n = 4000,
  headers = {},
) {
  const table = buildRoutingTable({ ingresses, mseIngressConfig: mse(clusters), endpoints });
  const rng = seededRng(42);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const info = { host: 'x', path: '/', headers };
    const route = matchRoute(table, info);
    assert.ok(route, 'a route matches');
    const ep = pickEndpoint(chooseBackend(route, info, rng).backend.endpoints, rng);
    const k = ep?.cluster ?? 'none';
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

describe('gateway routing core', () => {
  it('pools a base Ingress over every member cluster by pod count', () => {
    const c = spread([ingress('web-demo')], [...eps('a', 3), ...eps('b', 1)]);
    assert.ok(Math.abs(c.a! / 4000 - 0.75) < 0.03, JSON.stringify(c));
  });

  it('splits canaries pinned to each cluster 70/30', () => {
    const c = spread([ingress('web-demo'), pin('a', 70), pin('b', 30)], [...eps('a', 3), ...eps('b', 3)]);
    assert.ok(Math.abs(c.a! / 4000 - 0.7) < 0.03, JSON.stringify(c));
  });

  it('honours canary-weight-total', () => {
    const total = { [`${NGINX}/canary-weight-total`]: '1000' };
    const c = spread(
      [ingress('web-demo'), pin('a', 900, total), pin('b', 100, total)],
      [...eps('a', 1), ...eps('b', 5)],
    );
    assert.ok(Math.abs(c.a! / 4000 - 0.9) < 0.03, JSON.stringify(c));
  });

  it('sends a pin that matches no pod to all pods of the Service', () => {
    const wrong = pin('a', 100, { [`${MSE}/subset-labels`]: `${POD_LABEL} no-such-cluster` });
    const c = spread([ingress('web-demo'), wrong], [...eps('a', 2), ...eps('b', 2)]);
    assert.ok(Math.abs(c.a! / 4000 - 0.5) < 0.04, JSON.stringify(c));
    assert.ok(c.b! > 1500);
  });

  it('ignores subset-labels written under the nginx prefix (an MSE-only key)', () => {
    const misprefixed = ingress('web-demo-a', {
      [`${NGINX}/canary`]: 'true',
      [`${NGINX}/canary-weight`]: '100',
      [`${NGINX}/service-subset`]: '',
      [`${NGINX}/subset-labels`]: `${POD_LABEL} a`,
    });
    const c = spread([ingress('web-demo'), misprefixed], [...eps('a', 2), ...eps('b', 2)]);
    assert.ok(c.b! > 1500, JSON.stringify(c));
  });

  it('gives nothing to a cluster missing from remote-clusters', () => {
    const c = spread(
      [ingress('web-demo'), pin('a', 50), pin('b', 50)],
      [...eps('a', 2), ...eps('b', 2)],
      'b',
    );
    assert.equal(c.a, undefined);
    assert.equal(c.b, 4000);
  });

  it('skips endpoints that are not ready', () => {
    const c = spread([ingress('web-demo')], [...eps('a', 2, false), ...eps('b', 2)]);
    assert.deepEqual(c, { b: 4000 });
  });

  it('matches header canaries before weights', () => {
    const hdr = ingress('web-demo-hdr', {
      [`${NGINX}/canary`]: 'true',
      [`${NGINX}/canary-by-header`]: 'X-Cluster',
      [`${NGINX}/canary-by-header-value`]: 'b',
      [`${MSE}/service-subset`]: '',
      [`${MSE}/subset-labels`]: `${POD_LABEL} b`,
    });
    const ings = [ingress('web-demo'), pin('a', 100), hdr];
    const all = [...eps('a', 2), ...eps('b', 2)];
    assert.deepEqual(spread(ings, all, 'a,b', 200, { 'x-cluster': 'b' }), { b: 200 });
    assert.deepEqual(spread(ings, all, 'a,b', 200, { 'x-cluster': 'other' }), { a: 200 });
  });

  it('ignores Ingresses of another class and canaries without a base', () => {
    const other = { ...ingress('web-demo'), spec: { ingressClassName: 'nginx', rules: [] } };
    const table = buildRoutingTable({
      ingresses: [other, pin('a', 50)],
      mseIngressConfig: mse('a,b'),
      endpoints: eps('a', 1),
    });
    assert.equal(table.routes.length, 0);
  });

  it('matches hosts and Prefix paths element-wise, longest first', () => {
    const table = buildRoutingTable({
      ingresses: [ingress('root'), ingress('api', {}, 'shop.example.com', '/api')],
      mseIngressConfig: mse('a'),
      endpoints: eps('a', 1),
    });
    const at = (host: string, path: string) => matchRoute(table, { host, path, headers: {} })?.base.ingress;
    assert.equal(at('shop.example.com:8080', '/api/x'), 'api');
    assert.equal(at('shop.example.com', '/apix'), 'root');
    assert.equal(at('other', '/api'), 'root');
  });

  it('parses subset-labels pairs', () => {
    assert.deepEqual(parseSubsetLabels('a 1\nb 2'), { a: '1', b: '2' });
    assert.deepEqual(parseSubsetLabels(`${POD_LABEL} c-ack-az1`), { [POD_LABEL]: 'c-ack-az1' });
  });
});
