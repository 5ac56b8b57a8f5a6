/** Shared fixtures for the cloud stand-in contract tests: a world, SDK configs and a tampering proxy. */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenApiModule, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { FleetWorld } from '../../sandbox/world';

/**
 * The SDK client class of an @alicloud package. Under ESM the default import is the CommonJS module object
 * (the class is its `.default`), while TypeScript types it as the class itself: this bridges both.
 */
export function esmDefault<T>(m: T): T {
  const d = (m as { default?: T }).default;
  return typeof m === 'function' || d === undefined ? m : d;
}

/** The openapi-core client class (generic `callApi`). */
export const OpenApi = esmDefault(OpenApiModule);
/** An openapi-core client instance. */
export type OpenApiClient = InstanceType<typeof OpenApi>;

/** A world with the example policy's two clusters, both attached. */
export function exampleWorld(): FleetWorld {
  const world = new FleetWorld({ fleetId: 'c-fleet-demo', regionId: 'cn-hangzhou' });
  world.fleetKubeconfig =
    'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: http://127.0.0.1:1\n  name: fleet\n';
  world.addCluster({
    id: 'c-ack-az1',
    name: 'ack-az1',
    zone: 'cn-hangzhou-h',
    regionId: 'cn-hangzhou',
    vpcId: 'vpc-demo',
    clusterType: 'ManagedKubernetes',
    state: 'running',
    attachedToFleet: true,
    kubeconfig: 'apiVersion: v1\nkind: Config\n# member c-ack-az1\n',
  });
  world.addCluster({
    id: 'c-reg-az2',
    name: 'reg-az2',
    zone: 'cn-hangzhou-i',
    regionId: 'cn-hangzhou',
    vpcId: 'vpc-demo',
    clusterType: 'ExternalKubernetes',
    state: 'running',
    attachedToFleet: true,
  });
  return world;
}

/** An SDK Config pointing at an endpoint. */
export function sdkConfig(
  endpoint: string,
  cred: { accessKeyId: string; accessKeySecret: string; securityToken?: string },
  readTimeout = 3000,
): $OpenApiUtil.Config {
  return new $OpenApiUtil.Config({
    ...cred,
    regionId: 'cn-hangzhou',
    endpoint,
    protocol: 'http',
    readTimeout,
    connectTimeout: 2000,
  });
}

/** Call an RPC action through openapi-core `callApi` (how fleet-dr reaches MSE and adcp). */
export async function callRpc(
  client: OpenApiClient,
  action: string,
  version: string,
  query: Record<string, unknown>,
  body?: Record<string, unknown>,
): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const params = new $OpenApiUtil.Params({
    action,
    version,
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const req = new $OpenApiUtil.OpenApiRequest({
    query: OpenApiUtil.query(query),
    body: body ? OpenApiUtil.parseToMap(body) : undefined,
  });
  return (await client.callApi(params, req, new $dara.RuntimeOptions({}))) as {
    statusCode: number;
    body: Record<string, unknown>;
  };
}

/** A request as the tampering proxy sees it; the hook may change anything. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A 127.0.0.1 proxy that lets a test tamper with (or replay) signed requests on their way. */
export async function startTamperProxy(targetPort: number): Promise<{
  endpoint: string;
  tamper?: (r: ProxiedRequest) => void;
  replay: boolean;
  stop(): Promise<void>;
}> {
  const state: { tamper?: (r: ProxiedRequest) => void; replay: boolean } = { replay: false };
  const forward = (r: ProxiedRequest) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const { 'transfer-encoding': _te, ...rest } = r.headers;
      const headers = { ...rest, 'content-length': String(r.body.length) };
      const out = request(
        { host: '127.0.0.1', port: targetPort, method: r.method, path: r.url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      out.on('error', reject);
      out.end(r.body);
    });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const r: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: { ...req.headers },
        body: Buffer.concat(chunks),
      };
      state.tamper?.(r);
      try {
        if (state.replay) await forward(r);
        const answer = await forward(r);
        res.writeHead(answer.status, {
          'content-type': String(answer.headers['content-type'] ?? 'application/json'),
        });
        res.end(answer.body);
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    endpoint: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  });
}

/** The error an SDK call throws, for asserting its code and status. */
export async function sdkError(
  p: Promise<unknown>,
): Promise<{ code?: string; statusCode?: number; name?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; statusCode?: number; name?: string; message: string };
  }
  throw new Error('expected the call to fail');
}
