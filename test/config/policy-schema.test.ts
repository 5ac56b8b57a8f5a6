import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asmRegionOf, destinationRuleOf, localityOf } from '../../shared/config';
import { validatePolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { example } from './helpers';

/** The problems validatePolicy reports for `data` (fails the test if it validates). */
function problems(data: unknown): string[] {
  try {
    validatePolicy(data);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected the policy to be rejected');
}

describe('policy schema', () => {
  it('accepts the example policy and fills defaults', () => {
    const p = example();
    delete p.detection;
    delete p.timing;
    const policy = validatePolicy(p);
    assert.equal(policy.detection.failuresToDown, 3);
    assert.equal(policy.timing.cooldownSeconds, 300);
    assert.equal(policy.clusters[0]?.probes[0]?.expectedStatus, 200);
    assert.deepEqual(policy.clusters[0]?.probes[0]?.secretHeadersEnv, {});
    assert.equal(policy.notify.dingtalk.url, 'https://oapi.dingtalk.com/robot/send');
  });

  it('fills in the maximum reading age, above the one-minute timer period', () => {
    const p = example();
    delete p.detection;
    assert.equal(validatePolicy(p).detection.maxReadingAgeSeconds, 120);
    const q = example();
    delete q.detection.maxReadingAgeSeconds;
    assert.equal(validatePolicy(q).detection.maxReadingAgeSeconds, 120);
    q.detection.maxReadingAgeSeconds = 300;
    assert.equal(validatePolicy(q).detection.maxReadingAgeSeconds, 300);
  });

  it('refuses a maximum reading age that is not a whole number of seconds from 1 to 86400', () => {
    for (const bad of [0, -5, 1.5, 86_401, '120']) {
      const p = example();
      p.detection.maxReadingAgeSeconds = bad;
      const list = problems(p);
      assert.ok(
        list.some((l) => l.startsWith('detection.maxReadingAgeSeconds:')),
        `${bad}: ${list.join('\n')}`,
      );
    }
  });

  it('names the field path of an invalid probe URL', () => {
    const p = example();
    p.clusters[1].probes[0].url = 'not a url';
    assert.deepEqual(problems(p), ['clusters[1].probes[0].url: invalid URL (http or https)']);
  });

  it('refuses a probe URL that is not http(s)', () => {
    const p = example();
    p.clusters[0].probes[0].url = 'ftp://x.internal/';
    assert.match(problems(p).join('\n'), /clusters\[0\]\.probes\[0\]\.url: invalid URL/);
  });

  it('lists every problem at once, not the first only', () => {
    const p = example();
    p.region = 'Hangzhou';
    p.clusters[0].role = 'leader';
    p.clusters[1].probes[0].timeoutMs = 0;
    p.safety.minHealthyWeight = 101;
    p.notify.dingtalk.secretEnv = 'SECabc123';
    p.extra = true;
    const list = problems(p);
    for (const path of [
      'region:',
      'clusters[0].role:',
      'clusters[1].probes[0].timeoutMs:',
      'safety.minHealthyWeight:',
      'notify.dingtalk.secretEnv:',
      'extra: unknown field',
    ])
      assert.ok(
        list.some((l) => l.startsWith(path)),
        `${path} in\n${list.join('\n')}`,
      );
  });

  it('says "required" for a missing field', () => {
    const p = example();
    delete p.fleet.id;
    assert.deepEqual(problems(p), ['fleet.id: required (expected string)']);
  });

  it('refuses secrets written inline where an env var name is expected', () => {
    const p = example();
    p.secrets.callbackTokenEnv = 'my-token-value';
    assert.match(problems(p)[0] ?? '', /^secrets\.callbackTokenEnv: must be an environment variable name/);
  });

  it('refuses a non-CIDR block', () => {
    const p = example();
    p.network.onPremisesCidrs = ['192.168.0.0'];
    assert.match(problems(p)[0] ?? '', /^network\.onPremisesCidrs\[0\]: must be an IPv4 CIDR/);
  });

  it('keeps every route on mse-ingress unless it says router: asm', () => {
    const policy = validatePolicy(example());
    assert.equal(policy.routes[0]?.router, 'mse-ingress');
    assert.equal(policy.asm, undefined);
  });

  it('fills in the ASM defaults: no internal kubeconfig, the policy region, the route Service as DestinationRule', () => {
    const p = example();
    p.asm = { serviceMeshId: 'c-mesh' };
    p.routes[0].router = 'asm';
    const policy = validatePolicy(p);
    assert.deepEqual(policy.asm, { serviceMeshId: 'c-mesh', privateIpAddress: false });
    assert.equal(asmRegionOf(policy), 'cn-hangzhou');
    assert.equal(asmRegionOf({ ...policy, asm: { ...policy.asm!, regionId: 'cn-shanghai' } }), 'cn-shanghai');
    const route = policy.routes[0]!;
    assert.deepEqual(destinationRuleOf(route), { name: 'web-demo', namespace: 'web-demo' });
    assert.deepEqual(destinationRuleOf({ ...route, destinationRule: { name: 'dr' } }), {
      name: 'dr',
      namespace: 'web-demo',
    });
    assert.equal(localityOf(policy, policy.clusters[1]!), 'cn-hangzhou/cn-hangzhou-i');
  });

  it('refuses an unknown router and an asm section without serviceMeshId, by path', () => {
    const p = example();
    p.routes[0].router = 'istio';
    p.asm = { regionId: 'Hangzhou' };
    const list = problems(p);
    assert.ok(
      list.some((l) => /^routes\[0\]\.router: /.test(l)),
      list.join('\n'),
    );
    assert.ok(list.includes('asm.serviceMeshId: required (expected string)'), list.join('\n'));
    assert.ok(
      list.some((l) => /^asm\.regionId: must be a region id/.test(l)),
      list.join('\n'),
    );
  });
});
