/**
 * One racing writer for race.contract.test.ts, run as its own OS process. It reads the routing state,
 * reports the resourceVersion it read, waits for "GO" on stdin (so every writer decides on the same
 * version), then commits a failover through the real RoutingStore and weight writer.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { type KubeClient, kubeClientFromKubeconfig } from '../../shared/clients/kube-client';
import { PolicySchema } from '../../shared/config';
import { gatewayKeys } from '../../shared/gateway/annotations';
import { GatewayMembership } from '../../shared/gateway/membership';
import { MseIngressRouter } from '../../shared/gateway/mse-ingress-router';
import { IngressWeightWriter } from '../../shared/gateway/weight-writer';
import { RoutingStore } from '../../shared/state/routing-store';
import { commitAndApply } from './helpers';

const id = process.env.RACE_ID ?? '?';
const policy = PolicySchema.parse(parse(readFileSync(process.env.RACE_POLICY!, 'utf8')));
const kubeconfigs = JSON.parse(readFileSync(process.env.RACE_KUBECONFIGS!, 'utf8')) as Record<string, string>;
const limits = { timeoutMs: 20_000, retries: 3, minBackoffMs: 50, maxBackoffMs: 500 };
const fleet = kubeClientFromKubeconfig('fleet', kubeconfigs.fleet!, limits);
const members = new Map<string, KubeClient>();
const writer = new IngressWeightWriter({
  fleetKube: fleet,
  memberKube: async (c) => {
    if (!members.has(c)) members.set(c, kubeClientFromKubeconfig(c, kubeconfigs[c]!, limits));
    return members.get(c)!;
  },
  clusters: policy.clusters,
  keys: gatewayKeys(policy.gateway),
});
const store = new RoutingStore(fleet, policy);
const router = new MseIngressRouter(
  writer,
  new GatewayMembership(fleet, policy.fleet.mseIngressConfig, policy.gateway.remoteClustersAnnotation),
);

const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (l) => l.trim() === 'GO' && resolve()));

const r = await commitAndApply(
  { store, router, policy },
  (s) =>
    s.lastTransition
      ? undefined
      : {
          ...s,
          mode: 'failed-over',
          weights: { 'web-demo': { 'c-ack-az1': 0, 'c-reg-az2': 100 } },
          incident: {
            id: `inc-${id}`,
            cause: 'race',
            failedCluster: 'c-ack-az1',
            openedAt: new Date().toISOString(),
          },
          lastTransition: { at: new Date().toISOString(), by: 'automation', reason: `writer-${id}` },
        },
  {
    maxAttempts: 10,
    afterRead: async (rv, attempt) => {
      if (attempt !== 1) return;
      process.stdout.write(`READ ${rv}\n`);
      await go;
    },
  },
);
process.stdout.write(`DONE ${JSON.stringify({ id, committed: r.committed, attempts: r.attempts })}\n`);
lines.close();
