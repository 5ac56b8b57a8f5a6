/** The composite router: each route to the router it names; fences and re-admits to every router. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import type { Weights } from '../../shared/gateway/canary-weights';
import type { TrafficRouter } from '../../shared/gateway/router';
import { RouterByRoute } from '../../shared/gateway/router-by-route';

/** A router that records what it was asked, with its own member list. */
function recorder(name: string, members: string[]) {
  const calls: string[] = [];
  const weights = new Map<string, Weights>();
  const r: TrafficRouter = {
    name,
    readWeights: async (route) => weights.get(route.name),
    setWeights: async (route, w) => {
      calls.push(`set ${route.name}`);
      weights.set(route.name, w);
    },
    fence: async (id) => {
      calls.push(`fence ${id}`);
    },
    readmit: async (id) => {
      calls.push(`readmit ${id}`);
    },
    members: async () => members,
    prepare: (route) => {
      calls.push(`prepare ${route.name}`);
    },
  };
  return { r, calls };
}

const route = (name: string, router?: 'mse-ingress' | 'asm'): Route =>
  ({
    name,
    namespace: 'web-demo',
    ingress: name,
    service: name,
    servicePort: 80,
    baselineWeights: { a: 50, b: 50 },
    ...(router ? { router } : {}),
  }) as Route;

describe('RouterByRoute', () => {
  it('sends each route to the router it names (mse-ingress when it names none), and only there', async () => {
    const mse = recorder('mse-ingress', ['a', 'b']);
    const asm = recorder('asm', ['a', 'b']);
    const both = new RouterByRoute({ 'mse-ingress': mse.r, asm: asm.r });
    assert.equal(both.name, 'mse-ingress+asm');
    await both.setWeights(route('web'), { a: 0, b: 100 });
    await both.setWeights(route('api', 'asm'), { a: 30, b: 70 });
    both.prepare(route('api', 'asm'));
    assert.deepEqual(mse.calls, ['set web']);
    assert.deepEqual(asm.calls, ['set api', 'prepare api']);
    assert.deepEqual(await both.readWeights(route('api', 'asm')), { a: 30, b: 70 });
    assert.equal(await both.readWeights(route('api')), undefined, 'the MSE router never saw api');
  });

  it('fences and re-admits on every router, and a member is one every router has', async () => {
    const mse = recorder('mse-ingress', ['a', 'b']);
    const asm = recorder('asm', ['b']);
    const both = new RouterByRoute({ 'mse-ingress': mse.r, asm: asm.r });
    await both.fence('a');
    await both.readmit('a');
    assert.deepEqual(mse.calls, ['fence a', 'readmit a']);
    assert.deepEqual(asm.calls, ['fence a', 'readmit a']);
    assert.deepEqual(await both.members(), ['b']);
  });

  it('refuses a route whose router is not wired, naming both', async () => {
    const only = new RouterByRoute({ asm: recorder('asm', []).r });
    await assert.rejects(only.setWeights(route('web'), { a: 100 }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(String(e), /route web: router "mse-ingress" is not wired/);
      return true;
    });
    assert.throws(() => new RouterByRoute({}), ConfigError);
  });
});
