/**
 * The drift check's read of the ASM routes' DestinationRules: a policy without such a route asks the service
 * mesh nothing; a missing rule reads as missing, a failed read as null with its error. Pure: a fake client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeJson } from '../../shared/clients/kube-client';
import type { DestinationRuleClient } from '../../shared/clients/servicemesh-client';
import type { Policy } from '../../shared/config';
import { readDestinationRules } from '../../shared/drift/mesh-rules';
import { examplePolicy } from '../clients/fixture';

const policy: Policy = examplePolicy();
const route = policy.routes[0]!;
const asmPolicy: Policy = {
  ...policy,
  asm: { serviceMeshId: 'c-asm', privateIpAddress: false },
  routes: [{ ...route, router: 'asm' }],
};

function harness(get: DestinationRuleClient['get']) {
  const errors: string[] = [];
  let asked = 0;
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
      return null;
    }
  };
  const rules: DestinationRuleClient = { get, replace: async (o) => o };
  const destinationRules = async () => {
    asked++;
    return rules;
  };
  return { errors, attempt, destinationRules, asked: () => asked };
}

describe('reading the DestinationRules for the drift check', () => {
  it('asks the service mesh nothing when no route uses the ASM router', async () => {
    const h = harness(async () => assert.fail('no read expected'));
    const got = await readDestinationRules({ policy, destinationRules: h.destinationRules }, h.attempt);
    assert.equal(got, undefined);
    assert.equal(h.asked(), 0);
  });

  it('reads the rule’s annotations, locality setting and outlier detection', async () => {
    const obj: KubeJson = {
      metadata: {
        name: route.service,
        namespace: route.namespace,
        annotations: { 'fleet-dr.io/revision': '3' },
      },
      spec: {
        host: route.service,
        trafficPolicy: {
          outlierDetection: { consecutive5xxErrors: 3 },
          loadBalancer: { localityLbSetting: { enabled: true, distribute: [] } },
        },
      },
    };
    const seen: string[] = [];
    const h = harness(async (ns, name) => {
      seen.push(`${ns}/${name}`);
      return obj;
    });
    const got = await readDestinationRules(
      { policy: asmPolicy, destinationRules: h.destinationRules },
      h.attempt,
    );
    assert.deepEqual(seen, [`${route.namespace}/${route.service}`]);
    assert.deepEqual(got, {
      [route.name]: {
        found: true,
        namespace: route.namespace,
        name: route.service,
        annotations: { 'fleet-dr.io/revision': '3' },
        localityLbSetting: { enabled: true, distribute: [] },
        outlierDetection: { consecutive5xxErrors: 3 },
      },
    });
    assert.deepEqual(h.errors, []);
  });

  it('a missing rule reads as missing; a failed read as null, named in the errors', async () => {
    const missing = harness(async () => undefined);
    assert.deepEqual(
      await readDestinationRules(
        { policy: asmPolicy, destinationRules: missing.destinationRules },
        missing.attempt,
      ),
      { [route.name]: { found: false, namespace: route.namespace, name: route.service } },
    );
    const failing = harness(async () => {
      throw new Error('connect ETIMEDOUT');
    });
    assert.deepEqual(
      await readDestinationRules(
        { policy: asmPolicy, destinationRules: failing.destinationRules },
        failing.attempt,
      ),
      { [route.name]: null },
    );
    assert.deepEqual(failing.errors, [
      `route ${route.name} destinationrule ${route.namespace}/${route.service}: connect ETIMEDOUT`,
    ]);
  });
});
