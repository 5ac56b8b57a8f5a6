/** Shared helpers of the Kubernetes stand-in contract tests (not a test file itself). */
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import {
  type KubeApiServer,
  type KubeApiServerOptions,
  startKubeApiServer,
} from '../../sandbox/kubernetes/index';
import { namespaceYaml } from '../../sandbox/kubernetes/seed';

/** Starts a stand-in with the web-demo namespace seeded and short MSE timers. */
export function startTestServer(extra: Partial<KubeApiServerOptions> = {}): Promise<KubeApiServer> {
  return startKubeApiServer({
    name: 'test',
    seedYaml: namespaceYaml('web-demo'),
    mseStatus: { runningAfterMs: 30, listeningAfterMs: 30 },
    ...extra,
  });
}

/** A KubeConfig for the server (admin token unless another is given). */
export function kubeConfigFor(server: KubeApiServer, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig(token));
  return kc;
}

/** The parts of a Status body the tests look at. */
export interface StatusBody {
  kind: string;
  status: string;
  reason: string;
  message: string;
  code: number;
  details: { name?: string; causes: Array<{ field: string; reason: string; message: string }> };
}

/** Runs `fn` expecting an ApiException; returns its code and parsed Status body. */
export async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; status: StatusBody }> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code, status: body };
  }
  throw new Error('expected an ApiException, the call succeeded');
}

/** Polls `fn` until it returns a truthy value or `ms` passes. */
export async function eventually<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = 3000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
