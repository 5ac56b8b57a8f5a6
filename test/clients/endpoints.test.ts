import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAckClient } from '../../shared/clients/ack-client';
import { createCmsClient } from '../../shared/clients/cms-client';
import { resolveCredentials } from '../../shared/clients/credentials';
import { overridesFromEnv, resolveEndpoint } from '../../shared/clients/endpoints';
import { createFcClient } from '../../shared/clients/fc-client';
import { createFleetClient } from '../../shared/clients/fleet-client';
import { createMseClient } from '../../shared/clients/mse-client';
import { ConfigError } from '../../shared/errors';

const creds = async () => ({ accessKeyId: 'id', accessKeySecret: 'secret' });

describe('endpoints without the sandbox', () => {
  it('each client resolves the real public endpoint for its region', () => {
    const o = { region: 'cn-shanghai', credentials: creds };
    assert.equal(createAckClient(o).endpoint, 'https://cs.cn-shanghai.aliyuncs.com');
    assert.equal(
      createFleetClient({ ...o, fleetId: 'c-f' }).endpoint,
      'https://adcp.cn-shanghai.aliyuncs.com',
    );
    assert.equal(createMseClient(o).endpoint, 'https://mse.cn-shanghai.aliyuncs.com');
    assert.equal(createCmsClient(o).endpoint, 'https://metrics.cn-shanghai.aliyuncs.com');
    assert.equal(
      createFcClient({ ...o, accountId: '1234567890' }).endpoint,
      'https://1234567890.cn-shanghai.fc.aliyuncs.com',
    );
    assert.equal(resolveEndpoint('dingtalk', 'cn-shanghai').url, 'https://oapi.dingtalk.com');
  });

  it('uses a local stand-in only when configured explicitly', () => {
    const overrides = overridesFromEnv({
      FLEET_DR_ENDPOINTS: '{"cs":"127.0.0.1:4100","fc":"http://127.0.0.1:4200"}',
    });
    assert.equal(
      createAckClient({ region: 'cn-hangzhou', credentials: creds, overrides }).endpoint,
      'http://127.0.0.1:4100',
    );
    assert.equal(
      createFcClient({ region: 'cn-hangzhou', credentials: creds, overrides, accountId: '1' }).endpoint,
      'http://127.0.0.1:4200',
    );
    assert.equal(
      createMseClient({ region: 'cn-hangzhou', credentials: creds, overrides }).endpoint,
      'https://mse.cn-hangzhou.aliyuncs.com',
    );
    assert.deepEqual(overridesFromEnv({}), {});
  });

  it('rejects a malformed FLEET_DR_ENDPOINTS instead of guessing', () => {
    assert.throws(() => overridesFromEnv({ FLEET_DR_ENDPOINTS: 'cs=127.0.0.1' }), ConfigError);
    assert.throws(() => overridesFromEnv({ FLEET_DR_ENDPOINTS: '{"ecs":"x"}' }), ConfigError);
  });
});

describe('credentials', () => {
  it('prefers the Function Compute context (the role STS token)', async () => {
    const src = resolveCredentials({
      context: { credentials: { accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't' } },
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'env', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env' },
    });
    assert.deepEqual(await src(), { accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't' });
  });

  it('falls back to the environment', async () => {
    const src = resolveCredentials({
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIx',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sec',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'tok',
      },
    });
    assert.deepEqual(await src(), { accessKeyId: 'LTAIx', accessKeySecret: 'sec', securityToken: 'tok' });
  });

  it('refuses half a key pair', () => {
    assert.throws(() => resolveCredentials({ env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIx' } }), ConfigError);
  });

  it('otherwise uses the @alicloud/credentials default chain, lazily', async () => {
    const src = resolveCredentials({ env: {} });
    assert.equal(typeof src, 'function');
  });
});
