// The servicemesh adapter without a stand-in: its endpoint, the request it builds, how it reads the answer and
// how failures are named. Calls over HTTP are left to a contract test against the ASM stand-in (to be written).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overridesFromEnv, resolveEndpoint } from '../../shared/clients/endpoints';
import { CloudApiError, CloudAuthError, CloudThrottlingError } from '../../shared/clients/errors';
import { toCloudError } from '../../shared/clients/openapi';
import { isTransient } from '../../shared/clients/retry';
import {
  createServiceMeshClient,
  KUBECONFIG_ACTION,
  kubeconfigFromAnswer,
  kubeconfigQuery,
  SERVICEMESH_VERSION,
} from '../../shared/clients/servicemesh-client';

const creds = async () => ({ accessKeyId: 'id', accessKeySecret: 'secret' });

describe('servicemesh endpoint', () => {
  it('is the central public endpoint whatever the region, unless overridden explicitly', () => {
    const o = { serviceMeshId: 'c-mesh', credentials: creds };
    assert.equal(
      createServiceMeshClient({ ...o, region: 'cn-shanghai' }).endpoint,
      'https://servicemesh.aliyuncs.com',
    );
    assert.equal(resolveEndpoint('servicemesh', 'cn-hangzhou').url, 'https://servicemesh.aliyuncs.com');
    const overrides = overridesFromEnv({ FLEET_DR_ENDPOINTS: '{"servicemesh":"127.0.0.1:4300"}' });
    assert.equal(
      createServiceMeshClient({ ...o, region: 'cn-hangzhou', overrides }).endpoint,
      'http://127.0.0.1:4300',
    );
  });
});

describe('DescribeServiceMeshKubeconfig (unverified action and fields)', () => {
  it('asks for the instance, with the internal-network address only when told', () => {
    assert.equal(KUBECONFIG_ACTION, 'DescribeServiceMeshKubeconfig');
    assert.equal(SERVICEMESH_VERSION, '2020-01-11');
    assert.deepEqual(kubeconfigQuery('c-mesh', false), {
      ServiceMeshId: 'c-mesh',
      PrivateIpAddress: 'false',
    });
    assert.deepEqual(kubeconfigQuery('c-mesh', true), { ServiceMeshId: 'c-mesh', PrivateIpAddress: 'true' });
  });

  it('returns the Kubeconfig of the answer', () => {
    const kc = 'apiVersion: v1\nkind: Config\n';
    assert.equal(kubeconfigFromAnswer('c-mesh', { Kubeconfig: kc, RequestId: 'r1' }), kc);
  });

  it('names the action, the instance and the request when the answer has no kubeconfig', () => {
    for (const body of [{ RequestId: 'r2' }, { Kubeconfig: '', RequestId: 'r2' }, { Kubeconfig: 42 }]) {
      assert.throws(
        () => kubeconfigFromAnswer('c-mesh', body),
        (e: unknown) =>
          e instanceof CloudApiError &&
          e.api === 'DescribeServiceMeshKubeconfig' &&
          e.code === 'EmptyKubeconfig' &&
          /service mesh c-mesh: no kubeconfig returned/.test(e.message) &&
          (body.RequestId === undefined || /request r2/.test(e.message)),
      );
    }
  });

  it("maps the SDK's failures to the project's named errors, with the action", () => {
    const sdk = (code: string, statusCode: number) => ({
      name: 'ClientError',
      code,
      statusCode,
      requestId: 'q',
    });
    const missing = toCloudError(KUBECONFIG_ACTION, sdk('ServiceMesh.NotFound', 404));
    assert.ok(missing instanceof CloudApiError);
    assert.match(missing.message, /^DescribeServiceMeshKubeconfig: ServiceMesh\.NotFound: /);
    assert.equal(isTransient(missing), false);
    const auth = toCloudError(KUBECONFIG_ACTION, sdk('Forbidden.RAM', 403));
    assert.ok(auth instanceof CloudAuthError);
    const throttled = toCloudError(KUBECONFIG_ACTION, sdk('Throttling', 400));
    assert.ok(throttled instanceof CloudThrottlingError);
    assert.equal(isTransient(throttled), true);
  });
});
