#!/usr/bin/env node
// How long does one failover take from the trigger received to every canary weight acknowledged by the Fleet,
// against the protocol's bound, for 1, 10, 100 and 1,000 routes? Prints one JSON object.
//
// Each route count runs on a fresh drill sandbox (sandbox/drill/drill-env.ts: the real alarm-failover handler
// through the local invoker, every stand-in over real HTTP) with a round trip of `--latency-ms` injected on
// every stand-in (requestLedger.latencyMs). The policy gets N routes (the seeded route plus copies of it with
// their own base Ingress, put on the Fleet's store); the verdicts are settled with OK alarms as the round-trip
// test does, then AZ1 dies and its alarm fires: the answer must be `shift`, and every canary of every route
// must be written. The figures come from the request ledger (when the last canary write's response closed).
//
// The bound: one read of the routing state, one conditional commit, then the canaries in parallel. The weight
// writer (shared/gateway/weight-writer.ts) writes a route's canaries with pLimit(4) and every route at once
// (finish-committed.ts: Promise.all), so the binding limit is the Fleet client's connection pool:
// KUBE_POOL_LIMITS (shared/clients/kube-client.ts) = 8 connections, no pipelining: C = 8 concurrent requests.
// With W = N × clusters canary writes the bound is 2 + ⌈W/C⌉ round trips (the issue's 2 + ⌈N/C⌉ counts one
// write per route; both are reported). The gathering (the probe samples and everything read beside them) is
// not part of that bound: the figure compared with it is the trigger → canaries time minus the gathering.
//
//   node bench/decision-latency.mjs [--routes 1,10,100,1000] [--latency-ms 20] [--budget-s 150]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();

const { values: o } = parseArgs({
  options: {
    routes: { type: 'string', default: '1,10,100,1000' },
    'latency-ms': { type: 'string', default: '20' },
    'budget-s': { type: 'string', default: '150' },
  },
});
const LATENCY = Number(o['latency-ms']);
const C = 8; // KUBE_POOL_LIMITS.connections, pipelining 1: concurrent requests on the Fleet
const GOALS = { 1: 1.5, 1000: 3 };
const A = 'c-ack-az1';
const B = 'c-reg-az2';
const KUBE_CLIENT = /kubernetes-client-javascript/;

const { DRILL_TOKEN, startDrill } = await import('../sandbox/drill/drill-env.ts');
const { requestLedger, sequentialLevels } = await import('../sandbox/ledger.ts');
const { KUBE_POOL_LIMITS } = await import('../shared/clients/kube-client.ts');
if (KUBE_POOL_LIMITS.connections !== C || KUBE_POOL_LIMITS.pipelining !== 1)
  throw new Error(`KUBE_POOL_LIMITS changed (${JSON.stringify(KUBE_POOL_LIMITS)}): update C in this bench`);

const log = (s) => process.stderr.write(`decision-latency: ${s}\n`);
const round = (x) => Math.round(x * 10) / 10;

/** A CloudMonitor callback form (site-monitor shaped, as test/e2e/helpers.ts builds it). */
const alarmForm = (clusterId, state, timestamp = Date.now()) =>
  new URLSearchParams({
    alertName: `${clusterId}-availability`,
    alertState: state,
    metricName: 'Availability',
    namespace: 'acs_networkmonitor',
    dimensions: `{userId=1234567890123456, taskId=${clusterId}}`,
    ruleId: `fleet-dr-site-${clusterId}`,
    triggerLevel: state === 'OK' ? 'OK' : 'CRITICAL',
    timestamp: String(timestamp),
  }).toString();

async function alarm(inv, clusterId, state, timestamp) {
  const r = await inv.invokeHttp('fleet-dr-alarm-failover', {
    method: 'POST',
    query: { token: DRILL_TOKEN },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: alarmForm(clusterId, state, timestamp),
  });
  if (r.error) throw new Error(`alarm-failover failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  return JSON.parse(r.body.toString('utf8'));
}

function routingState(d) {
  const cm = d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, 'fleet-dr-routing-state');
  const raw = Object.values(cm?.data ?? {})[0];
  return raw ? JSON.parse(raw) : undefined;
}

/** The policy's routes: the seeded one and n - 1 copies (same Service, their own Ingress). */
const routesOf = (first, n) => [
  first,
  ...Array.from({ length: n - 1 }, (_, i) => ({
    ...first,
    name: `${first.name}-r${i + 1}`,
    ingress: `${first.ingress}-r${i + 1}`,
  })),
];

/** Waits until timers fire on time again (three 100 ms sleeps each late by less than 20 ms; at most 90 s). */
async function settle() {
  const until = performance.now() + 90_000;
  let good = 0;
  while (good < 3 && performance.now() < until) {
    const t = performance.now();
    await new Promise((r) => setTimeout(r, 100));
    good = performance.now() - t < 120 ? good + 1 : 0;
  }
}

async function measure(n) {
  const started = performance.now();
  requestLedger.latencyMs = LATENCY;
  const d = await startDrill();
  try {
    // Settle the verdicts on the seeded one-route policy: OK alarms until both clusters read up (hysteresis),
    // as the round-trip test does.
    for (let i = 0; ; i++) {
      const a = await alarm(d.invoker, B, 'OK');
      if (a.decision !== 'hold') throw new Error(`warm-up: ${JSON.stringify(a).slice(0, 400)}`);
      const s = routingState(d);
      if ([A, B].every((c) => s?.verdicts?.[c]?.verdict === 'up')) break;
      if (i > 20) throw new Error('warm-up: the clusters never read up');
    }
    await d.invoker.idle();
    // The base Ingress of every added route, a copy of the seeded one.
    const first = d.policy.routes[0];
    const seeded = d.sb.fleet.store.get('networking.k8s.io/v1', 'Ingress', first.namespace, first.ingress);
    if (!seeded) throw new Error('the seeded base Ingress is missing');
    const routes = routesOf(first, n);
    for (const r of routes.slice(1))
      d.sb.fleet.store.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: r.ingress,
          namespace: r.namespace,
          labels: { 'app.kubernetes.io/instance': r.name },
        },
        spec: structuredClone(seeded.spec),
      });
    // Let the stand-ins (the gateway reacts to every Ingress created) settle: the event loop answers on time.
    await settle();
    // A warm instance with the N-route policy: an OK alarm on a settled fleet ends after one read of the state.
    const inv = d.invokerWith({ policy: (p) => ({ ...p, routes }) });
    for (let i = 0; ; i++) {
      const warm = await alarm(inv, B, 'OK');
      if (warm.decision === 'hold') break;
      if (!warm.error || i >= 3) throw new Error(`warm-up (N routes): ${JSON.stringify(warm).slice(0, 400)}`);
      log(`warm-up (N routes): ${warm.error}; again`);
      await settle();
    }
    await inv.idle();
    await d.sb.zones.fault(A, 'dead');
    const mark = requestLedger.mark();
    const t0 = performance.now();
    const fleetName = d.sb.fleet.name;
    const fleet = (e) => e.system === 'kubernetes' && e.server === fleetName;
    const write = (e) => fleet(e) && e.method !== 'GET';
    const canary = (e) =>
      write(e) && (/\/ingresses$/.test(e.what) || /\/ingresses\/[^/]+-fleet-dr-[^/]+$/.test(e.what));
    const ours = () =>
      requestLedger.since(mark, (e) => e.system !== 'kubernetes' || KUBE_CLIENT.test(e.userAgent));
    let answer;
    try {
      answer = await alarm(inv, A, 'ALERT', Date.now());
    } catch (e) {
      answer = { error: e.message };
    }
    const answered = performance.now();
    if (answer.decision !== 'shift') {
      // What the invocation got done before it failed, from the ledger.
      const es = ours();
      const commit = es.find((e) => write(e) && /configmaps\/fleet-dr-routing-state$/.test(e.what));
      const at = (x) => (x === undefined ? undefined : Math.round(x - t0));
      const err = new Error(
        `expected a shift, got ${answer.decision ?? answer.error?.slice(0, 200)}${answer.reason ? `: ${answer.reason}` : ''}`,
      );
      err.partial = {
        answeredMs: Math.round(answered - t0),
        fleetReads: es.filter((e) => fleet(e) && e.method === 'GET').length,
        memberRequests: es.filter((e) => e.system === 'kubernetes' && !fleet(e)).length,
        zoneRequests: es.filter((e) => e.system === 'zone').length,
        commitStartMs: at(commit?.start),
        commitEndMs: at(commit?.end),
        canaryWrites: es.filter(canary).length,
        canaryWritesExpected: n * d.policy.clusters.length,
      };
      throw err;
    }
    const seen = ours();
    const canaries = seen.filter(canary);
    const W = n * d.policy.clusters.length;
    const stored = d.sb.fleet.store
      .list('networking.k8s.io/v1', 'Ingress', first.namespace)
      .filter((i) => /-fleet-dr-/.test(i.metadata.name)).length;
    if (canaries.length < W)
      throw new Error(
        `${canaries.length} canary writes in the ledger (${stored} canaries stored, ledger from seq ${requestLedger.entries[0]?.seq} after mark ${mark}), expected ${W}; errors: ${JSON.stringify(answer.errors ?? []).slice(0, 300)}`,
      );
    const acked = Math.max(...canaries.map((e) => e.end ?? Number.POSITIVE_INFINITY));
    const commit = seen.find((e) => write(e) && /configmaps\/fleet-dr-routing-state$/.test(e.what));
    const path = seen.filter((e) => e.start <= acked);
    const totalMs = acked - t0;
    const gatheringMs = answer.timings?.signalsGathered ?? 0;
    const protocolMs = totalMs - gatheringMs;
    const limitTrips = 2 + Math.ceil(W / C);
    const perRouteTrips = 2 + Math.ceil(n / C);
    const decidedToAckedMs = commit ? acked - commit.start : undefined;
    return {
      routes: n,
      canaryWrites: canaries.length,
      totalMs: round(totalMs),
      gatheringMs,
      protocolMs: round(protocolMs),
      limitRoundTrips: limitTrips,
      limitMs: limitTrips * LATENCY,
      ratio: +(protocolMs / (limitTrips * LATENCY)).toFixed(2),
      issueLimitRoundTrips: perRouteTrips,
      issueRatio: +(protocolMs / (perRouteTrips * LATENCY)).toFixed(2),
      decidedToAckedMs: decidedToAckedMs === undefined ? undefined : round(decidedToAckedMs),
      decidedToAckedLimitMs: (1 + Math.ceil(W / C)) * LATENCY,
      sequentialLevels: sequentialLevels(path).length,
      fleetRequests: path.filter(fleet).length,
      answeredMs: round(answered - t0),
      timings: answer.timings,
      goal: GOALS[n],
      met: GOALS[n] === undefined ? undefined : protocolMs / (limitTrips * LATENCY) <= GOALS[n],
      runMs: Math.round(performance.now() - started),
    };
  } finally {
    await d.stop();
    requestLedger.latencyMs = 0;
  }
}

const budgetMs = Number(o['budget-s']) * 1000;
const began = performance.now();
const results = [];
const skipped = [];
for (const n of o.routes.split(',').map(Number)) {
  const spent = performance.now() - began;
  if (spent > budgetMs) {
    skipped.push({ routes: n, why: `time budget of ${o['budget-s']} s spent` });
    continue;
  }
  log(`${n} route(s)…`);
  try {
    const r = await measure(n);
    log(
      `${n} route(s): ${r.totalMs} ms total, ${r.protocolMs} ms without the gathering (limit ${r.limitMs} ms)`,
    );
    results.push(r);
  } catch (e) {
    log(`${n} route(s) failed: ${e.stack ?? e}`);
    skipped.push({ routes: n, why: String(e.message ?? e), ...(e.partial ? { partial: e.partial } : {}) });
  }
}
console.log(
  JSON.stringify(
    {
      bench: 'decision-latency',
      latencyMs: LATENCY,
      concurrency: {
        C,
        why: 'Fleet client pool: KUBE_POOL_LIMITS.connections = 8, pipelining 1 (routes are written all at once, each route’s canaries with pLimit(4))',
      },
      reported:
        'protocolMs = trigger received → last canary acknowledged, minus the gathering (probe samples and reads beside them), against 2 + ⌈canary writes / C⌉ round trips',
      results,
      skipped,
      totalMs: Math.round(performance.now() - began),
    },
    null,
    2,
  ),
);
process.exit(0);
