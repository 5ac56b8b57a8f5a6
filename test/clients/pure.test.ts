import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CloudApiError,
  CloudAuthError,
  CloudServerError,
  CloudThrottlingError,
  KubeApiError,
  WeightsError,
} from '../../shared/clients/errors';
import { kubeconfigNotAfter } from '../../shared/clients/kubeconfig-expiry';
import { checkMseEnvelope } from '../../shared/clients/mse-client';
import { clusterOfAddress, endpointsByCluster, inCidr } from '../../shared/clients/mse-cluster-mapping';
import { toCloudError } from '../../shared/clients/openapi';
import { isTransient, neverSent, writeOnce } from '../../shared/clients/retry';
import { canaryName, gatewayKeys, subsetLabelsValue } from '../../shared/gateway/annotations';
import { canaryWeights, normaliseTo100 } from '../../shared/gateway/canary-weights';
import { parseRemoteClusters } from '../../shared/gateway/membership';
import { examplePolicy } from './fixture';
import { testCertificate } from './test-certificate';

describe('annotation keys', () => {
  it('come from policy.gateway and can be overridden', () => {
    const p = examplePolicy();
    const k = gatewayKeys(p.gateway);
    assert.equal(k.canaryWeight, 'nginx.ingress.kubernetes.io/canary-weight');
    assert.equal(k.subsetLabels, 'mse.ingress.kubernetes.io/subset-labels');
    assert.equal(
      gatewayKeys({ ...p.gateway, msePrefix: 'example.com' }).serviceSubset,
      'example.com/service-subset',
    );
    assert.equal(canaryName('web-demo', 'c1'), 'web-demo-fleet-dr-c1');
    assert.equal(
      subsetLabelsValue({ key: 'topology.istio.io/cluster', value: 'c1' }),
      'topology.istio.io/cluster c1',
    );
  });
});

describe('canary weights', () => {
  it('fill absent clusters with 0 and refuse sums other than 100, unknown clusters, fractions', () => {
    assert.deepEqual(canaryWeights({ a: 100 }, ['a', 'b']), { a: 100, b: 0 });
    assert.throws(() => canaryWeights({ a: 50 }, ['a', 'b']), WeightsError);
    assert.throws(() => canaryWeights({ a: 50, z: 50 }, ['a', 'b']), /unknown clusters: z/);
    assert.throws(() => canaryWeights({ a: 50.5, b: 49.5 }, ['a', 'b']), /integer/);
  });

  it('normalise any shares to integers summing to exactly 100', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), {
          minKeys: 1,
          maxKeys: 6,
        }),
        (shares) => {
          fc.pre(Object.values(shares).some((v) => v > 0));
          const w = normaliseTo100(shares);
          assert.equal(
            Object.values(w).reduce((a, b) => a + b, 0),
            100,
          );
          for (const [k, v] of Object.entries(shares)) if (v === 0) assert.equal(w[k], 0);
        },
      ),
    );
  });
});

describe('MSE health mapped to clusters by pod CIDR (unverified mapping)', () => {
  const clusters = [
    { clusterId: 'a', podCidr: '172.20.0.0/16' },
    { clusterId: 'b', podCidr: '172.22.0.0/16' },
  ];
  it('attributes endpoints by address', () => {
    assert.equal(inCidr('172.20.3.4:8080', '172.20.0.0/16'), true);
    assert.equal(inCidr('172.21.3.4', '172.20.0.0/16'), false);
    assert.equal(clusterOfAddress('10.0.0.1', clusters), undefined);
    assert.deepEqual(
      endpointsByCluster(['172.20.0.1:80', '172.20.0.2:80', '172.22.0.1:80'], ['172.20.0.2:80'], clusters),
      [
        { clusterId: 'a', healthy: 1, unhealthy: 1 },
        { clusterId: 'b', healthy: 1, unhealthy: 0 },
      ],
    );
  });
  it('treats an HTTP-200 Success:false answer as an error', () => {
    assert.throws(
      () => checkMseEnvelope('ListGateway', { Success: false, Code: 'X', Message: 'm', RequestId: 'r' }),
      /ListGateway: X: m \(request r\)/,
    );
    assert.deepEqual(checkMseEnvelope('ListGateway', { Success: true, Data: 1 }), { Success: true, Data: 1 });
  });
});

describe('SDK errors mapped to named errors', () => {
  // The shapes @alicloud/openapi-core throws for a 4xx/5xx `{Code, Message, RequestId}` answer.
  const sdk = (code: string, statusCode: number) => ({
    name: 'ClientError',
    code,
    statusCode,
    requestId: 'req-1',
    message: `${code}: failed`,
  });

  it('classifies each credential failure as CloudAuthError, never transient', () => {
    for (const code of [
      'SignatureDoesNotMatch',
      'IncompleteSignature',
      'InvalidAccessKeyId.NotFound',
      'InvalidSecurityToken.Expired',
      'MissingSecurityToken',
    ]) {
      const e = toCloudError('DescribeClusterDetail', sdk(code, 400));
      assert.ok(e instanceof CloudAuthError, code);
      assert.equal((e as CloudAuthError).code, code);
      assert.equal((e as CloudAuthError).requestId, 'req-1');
      assert.equal(isTransient(e), false, code);
    }
  });

  it('classifies throttling and 5xx as retryable for reads, anything else as CloudApiError', () => {
    const t = toCloudError('X', sdk('Throttling.User', 400));
    assert.ok(t instanceof CloudThrottlingError);
    assert.equal(isTransient(t), true);
    const s = toCloudError('X', sdk('ServiceUnavailable', 503));
    assert.ok(s instanceof CloudServerError);
    assert.equal(isTransient(s), true);
    const o = toCloudError('X', sdk('InvalidTimeStamp.Expired', 400));
    assert.ok(o instanceof CloudApiError && !(o instanceof CloudAuthError));
    assert.equal(isTransient(o), false);
  });
});

describe('a write is repeated only when it never reached the server', () => {
  const limits = { timeoutMs: 2_000, retries: 2, minBackoffMs: 1, maxBackoffMs: 5 };
  /** A port nothing listens on any more. */
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });

  it('knows a refused or never-made connection from one that may have delivered the request', async () => {
    const refused = await fetch(`http://127.0.0.1:${await closedPort()}/`).catch((e: unknown) => e);
    assert.ok(neverSent(refused), 'fetch to a closed port: ECONNREFUSED in its cause');
    const wrapped = new KubeApiError('fleet: configmap ns/x', 'update', 0, 'fetch failed', {
      cause: refused,
    });
    assert.ok(neverSent(wrapped), 'through the KubeApiError that wraps it');
    const connectTimeout = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    assert.ok(neverSent(connectTimeout));
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'EPIPE'])
      assert.equal(neverSent(Object.assign(new Error(code), { code })), false, code);
    assert.equal(neverSent(new KubeApiError('x', 'update', 409, 'Conflict')), false);
  });

  it('repeats a write whose connection was refused, and sends one that may have landed once', async () => {
    let calls = 0;
    const port = await closedPort();
    const out = await writeOnce(
      'PUT x',
      async () => {
        calls++;
        if (calls < 3) await fetch(`http://127.0.0.1:${port}/`);
        return 'written';
      },
      limits,
    );
    assert.equal(out, 'written');
    assert.equal(calls, 3);
    let resetCalls = 0;
    await assert.rejects(
      writeOnce(
        'PUT y',
        async () => {
          resetCalls++;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        },
        limits,
      ),
      /socket hang up/,
    );
    assert.equal(resetCalls, 1, 'a reset may come after the server applied it: never repeated');
  });
});

describe('gateway membership annotation', () => {
  it('parses remote-clusters', () => {
    assert.deepEqual(parseRemoteClusters(' c1, c2,,'), ['c1', 'c2']);
    assert.deepEqual(parseRemoteClusters(undefined), []);
  });
});

describe('kubeconfig expiry', () => {
  it('reads the client certificate notAfter, and none for a token user', () => {
    {
      const cert = testCertificate(2).certB64;
      const kc = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: https://127.0.0.1:6443 } }]
users: [{ name: u, user: { client-certificate-data: ${cert}, client-key-data: x } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`;
      const notAfter = kubeconfigNotAfter(kc)!;
      const expected = Date.now() + 2 * 86_400_000;
      assert.ok(Math.abs(notAfter - expected) < 120_000, `notAfter ${new Date(notAfter).toISOString()}`);
      assert.equal(
        kubeconfigNotAfter(kc.replace(/client-certificate-data: \S+, client-key-data: x/, 'token: abc')),
        undefined,
      );
    }
  });
});
