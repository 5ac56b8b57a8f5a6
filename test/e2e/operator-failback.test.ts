/**
 * The operator's failback on the sandbox, with load running: AZ1 fails over, heals, and an operator walks the
 * ramp back with signed requests and the CLI. Each step's traffic share is measured through the gateway once it
 * has applied the weights. Refused requests (unsigned, badly signed, wrong key, stale, replayed, oversized, a
 * key without the verb, a bad body) change nothing on the Fleet; a step before the stable window is refused
 * with the time left, and while the cluster's Argo CD Application is not Synced and Healthy; two operators
 * asking for the same step give one step; `fleet-dr status` matches the Fleet.
 *
 * The route's baseline is 100 / 0 (AZ1 primary, AZ2 standby), so the ramp's 10 → 50 → 100 is AZ1's share.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setApplicationStatus } from '../../sandbox/argocd';
import { canaryWeightsNow, waitFor } from '../../sandbox/drill/drill-helpers';
import { type Load, startLoad } from '../../sandbox/drill/load';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import type { Policy } from '../../shared/config';
import type { FleetStatus } from '../../shared/operator/status';
import { MAX_HTTP_BODY_BYTES } from '../../shared/schemas/fc-http';
import { alarmForm, auditRecords, postCallback } from './helpers';
import {
  ALICE,
  atTime,
  BOB,
  cli,
  gatewaySettled,
  type OperatorDrill,
  operatorFetch,
  routingState,
  startOperatorDrill,
  stateVersionOf,
  trafficShare,
  VIEWER,
} from './operator-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const STABLE_S = 4;

const policy = (p: Policy): Policy => ({
  ...p,
  routes: p.routes.map((r) => ({ ...r, baselineWeights: { [A]: 100, [B]: 0 } })),
  timing: { ...p.timing, minStableSecondsBeforeFailback: STABLE_S },
});

describe('e2e: signed failback along the ramp, with load', () => {
  let o: OperatorDrill;
  let load: Load;
  let failedOverAt = 0;
  const op = (args: string[], key = ALICE.id) =>
    cli([...args, '--url', o.url, '--key-file', o.keyFile[key]!]);
  const step = { cluster: A, mode: 'step', reason: 'AZ1 healthy again' };
  /** Waits out the dwell since the last step (failback.stepDwellSeconds: the stable window by default). */
  const afterDwell = () =>
    atTime(new Date(Date.parse(routingState(o.d).failback!.stepStartedAt) + STABLE_S * 1000).toISOString());

  before(async () => {
    o = await startOperatorDrill({ policy });
    load = startLoad(o.d.sb.gateway.url, { concurrency: 2, timeoutMs: 2_000 });
  });
  after(async () => {
    await load?.stop();
    await o?.stop();
  });

  it('status before anything: the gateway split stands, nothing committed', async () => {
    const r = await op(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as FleetStatus;
    assert.equal(s.mode, 'normal');
    assert.equal(s.revision, 0);
    assert.equal(s.governsSplit, false);
    assert.deepEqual(s.routes[0]?.weights, { [A]: 100, [B]: 0 });
  });

  it('AZ1 fails over on a confirmed alarm: no traffic reaches it', async () => {
    await o.d.sb.zones.fault(A, 'blackhole');
    const r = await postCallback(o.d.callbackUrl, alarmForm(A, 'ALERT'));
    assert.equal(r.body.decision, 'shift', r.body.reason);
    await gatewaySettled(o.d);
    failedOverAt = Date.now();
    const t = await trafficShare(o.d, A, 100);
    assert.equal(t.share, 0);
    assert.equal(t.failed, 0);
  });

  it('unsigned, badly signed, wrong-key, stale, replayed, oversized, forbidden and bad-body requests change nothing', async () => {
    const fleetBefore = JSON.stringify(routingState(o.d));
    const versions = () => [stateVersionOf(o.d, 'routing'), stateVersionOf(o.d, 'outbox')];
    const before = versions();
    const audits = auditRecords(o.d).length;
    // A valid request whose nonce is then replayed: it records its nonce, and nothing else.
    const first = await operatorFetch(o.url, 'status');
    assert.equal(first.status, 200);
    const noncesBefore = stateVersionOf(o.d, 'nonces');
    assert.ok(noncesBefore, 'the valid request recorded its nonce');

    type Call = () => Promise<{ status: number; body: Record<string, unknown> }>;
    // One at a time: each is its own invocation, and nothing here needs two instances at once.
    const cases: Array<[string, Call, number, RegExp]> = [
      [
        'unsigned',
        () => operatorFetch(o.url, 'failback', step, { unsigned: true }),
        401,
        /missing x-fleet-dr-key-id/,
      ],
      [
        'bad signature',
        () =>
          operatorFetch(o.url, 'failback', step, {
            edit: (h) => (h['x-fleet-dr-signature'] = '0'.repeat(64)),
          }),
        401,
        /does not match/,
      ],
      [
        'wrong key (bob signs as alice)',
        () => operatorFetch(o.url, 'failback', step, { key: { ...ALICE, secret: BOB.secret } }),
        401,
        /signature of key alice-1 does not match/,
      ],
      [
        'unknown key',
        () =>
          operatorFetch(o.url, 'failback', step, {
            key: { id: 'mallory-1', secret: BOB.secret, owner: 'm' },
          }),
        401,
        /unknown key id mallory-1/,
      ],
      [
        'stale (signed 6 minutes ago)',
        () => operatorFetch(o.url, 'failback', step, { now: new Date(Date.now() - 360_000) }),
        401,
        /signed 36\d s ago; the window is 300 s/,
      ],
      [
        'body changed after signing',
        () => operatorFetch(o.url, 'failback', step, { sendBody: JSON.stringify({ ...step, mode: 'auto' }) }),
        401,
        /does not match/,
      ],
      [
        'oversized',
        () => operatorFetch(o.url, 'failback', { ...step, reason: 'x'.repeat(MAX_HTTP_BODY_BYTES) }),
        413,
        /limit is 65536 bytes/,
      ],
      [
        'forbidden (read-only key)',
        () => operatorFetch(o.url, 'failback', step, { key: VIEWER }),
        403,
        /viewer-1 \(viewer\) is not allowed to failback/,
      ],
      ['bad body', () => operatorFetch(o.url, 'failback', { cluster: A, mode: 'now' }), 422, /mode/],
      [
        'replayed',
        () => operatorFetch(o.url, 'status', undefined, { replay: first.headers }),
        401,
        /used already \(a replayed request\)/,
      ],
    ];
    for (const [what, call, status, re] of cases) {
      const r = await call();
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.error), re, what);
      assert.ok(r.body.requestId, `${what}: the answer names the request`);
    }
    assert.deepEqual(versions(), before, 'the routing state and the outbox were not written');
    assert.equal(stateVersionOf(o.d, 'nonces'), noncesBefore, 'no refused request recorded a nonce');
    assert.equal(JSON.stringify(routingState(o.d)), fleetBefore);
    assert.equal(auditRecords(o.d).length, audits, 'no audit record');
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 0, [B]: 100 });
  });

  let stableFrom = '';
  it('after the zone heals, a step before the stable window is refused with the time left, and a pause holds it', async () => {
    await o.d.sb.zones.fault(A, 'heal');
    // Each request is a decision with fresh probes: the first that sees AZ1 up starts its stable window.
    const refusal = await waitFor('AZ1 to read up, so the refusal is the stable window', async () => {
      const r = await op(['failback', '--cluster', A, '--step', '--reason', 'too early', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const a = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(a.outcome, 'refused');
      return a.rule === 'min-dwell' ? a : undefined;
    });
    assert.match(String(refusal.reason), new RegExp(`failback needs ${STABLE_S} s of stability: \\d s left`));
    assert.ok(Number(refusal.remainingSeconds) > 0 && Number(refusal.remainingSeconds) <= STABLE_S);
    stableFrom = String(refusal.until);
    const text = await op(['failback', '--cluster', A, '--step', '--reason', 'still too early']);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /^refused \(min-dwell\): .*: \d s left; a failback step possible from /);
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 0, [B]: 100 }, 'a refusal moves nothing');

    const pause = await op(['pause', '--reason', 'change freeze']);
    assert.equal(pause.code, 0, pause.stderr);
    assert.match(pause.stdout, /^paused by alice: operator alice paused automation: change freeze/);
    await atTime(stableFrom);
    const paused = await op(['failback', '--cluster', A, '--step', '--reason', 'during the freeze']);
    assert.equal(paused.code, 1);
    assert.match(paused.stderr, /refused \(paused\): .* fleet-dr is paused by alice/);
    const resume = await op(['resume', '--reason', 'freeze over'], BOB.id);
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal(routingState(o.d).paused, null);
  });

  it('a dry run says what the next step would do and changes nothing', async () => {
    const version = stateVersionOf(o.d, 'routing');
    const r = await op(['failback', '--cluster', A, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dry run: the next step would set web-demo: c-ack-az1 10%, c-reg-az2 90%/);
    assert.equal(stateVersionOf(o.d, 'routing'), version);
  });

  it('GitOps not converged: a step is refused (409) naming the Application, and would go once it is Synced and Healthy', async () => {
    const app = `web-demo-${o.d.policy.clusters.find((c) => c.id === A)!.name}`;
    setApplicationStatus(o.d.sb.fleet.store, app, { sync: 'OutOfSync', health: 'Degraded' });
    const r = await operatorFetch(o.url, 'failback', { ...step, reason: 'GitOps still syncing' });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.rule, 'failback-waiting', String(r.body.reason));
    assert.match(
      String(r.body.reason),
      new RegExp(
        `Argo CD Application argocd/${app} is OutOfSync, Degraded: failback waits until GitOps has converged`,
      ),
    );
    assert.equal(routingState(o.d).failback, null, 'no ramp started');
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 0, [B]: 100 }, 'a refusal moves nothing');
    setApplicationStatus(o.d.sb.fleet.store, app, { sync: 'Synced', health: 'Healthy' });
    const dry = await op(['failback', '--cluster', A, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run: the next step would set web-demo: c-ack-az1 10%, c-reg-az2 90%/);
  });

  it('step 1: 10% of the traffic goes to AZ1', async () => {
    const r = await op(['failback', '--cluster', A, '--step', '--reason', 'AZ1 stable for the window']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^c-ack-az1: failback step 1 of 3 \(10%\): web-demo: c-ack-az1 10%, c-reg-az2 90%/,
    );
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 10, [B]: 90 });
    await gatewaySettled(o.d);
    const t = await trafficShare(o.d, A);
    assert.ok(t.share >= 4 && t.share <= 18, `AZ1 share ${t.share}%: ${t.tally}`);
    assert.equal(t.failed, 0);
    const audit = auditRecords(o.d).at(-1) as unknown as {
      decision: string;
      operatorRequest: { by: string };
    };
    assert.equal(audit.decision, 'failback-step');
    assert.equal(audit.operatorRequest.by, 'alice', 'the operator is the key owner');
    await waitFor(
      'the step message naming alice',
      () =>
        o.d.sb.cloud.dingtalk
          .messages(SANDBOX_DINGTALK.accessToken)
          .some((m) => /operator alice asked for the next failback step/.test(JSON.stringify(m.body))),
      60_000,
    );
  });

  it('two operators asking for step 2 at once give one step: 50%', async () => {
    await afterDwell();
    const ask = (key: typeof ALICE) => operatorFetch(o.url, 'failback', { ...step, step: 2 }, { key });
    const [a, b] = await Promise.all([ask(ALICE), ask(BOB)]);
    const answers = [a, b].sort((x, y) => x.status - y.status);
    assert.deepEqual(
      answers.map((x) => x.status),
      [200, 409],
      JSON.stringify(answers.map((x) => x.body)),
    );
    assert.equal(answers[1]!.body.rule, 'operator-conflict', String(answers[1]!.body.reason));
    assert.match(String(answers[1]!.body.reason), /the next step is 3 of 3/);
    const s = routingState(o.d);
    assert.equal(s.failback?.stepIndex, 1);
    assert.deepEqual(canaryWeightsNow(o.d), { [A]: 50, [B]: 50 });
    await gatewaySettled(o.d);
    const t = await trafficShare(o.d, A);
    assert.ok(t.share >= 38 && t.share <= 62, `AZ1 share ${t.share}%: ${t.tally}`);
    assert.equal(t.failed, 0);
  });

  it('step 3: the baseline is back, 100% on AZ1, and the incident is closed', async () => {
    await afterDwell();
    const r = await op(
      ['failback', '--cluster', A, '--step', '--reason', 'last step', '--to-step', '3'],
      BOB.id,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /failback complete \(baseline restored, incident closed\)/);
    const s = routingState(o.d);
    assert.equal(s.mode, 'normal');
    assert.equal(s.incident, null);
    assert.equal(s.failback, null);
    await gatewaySettled(o.d);
    const t = await trafficShare(o.d, A, 200);
    assert.equal(t.share, 100);
    assert.equal(t.failed, 0);
  });

  it('fleet-dr status matches the state on the Fleet', async () => {
    const json = await op(['status', '--json'], VIEWER.id);
    assert.equal(json.code, 0, json.stderr);
    const s = JSON.parse(json.stdout) as FleetStatus;
    const fleet = routingState(o.d);
    assert.equal(s.revision, fleet.revision);
    assert.equal(s.mode, fleet.mode);
    assert.equal(s.governsSplit, fleet.governsSplit);
    assert.deepEqual(s.incident, fleet.incident);
    assert.deepEqual(s.lastTransition, fleet.lastTransition);
    assert.deepEqual(s.routes[0]?.weights, fleet.weights['web-demo']);
    for (const c of s.clusters) {
      assert.equal(c.verdict, fleet.verdicts[c.id]?.verdict, c.id);
      assert.equal(c.upSince, fleet.verdicts[c.id]?.upSince ?? null, c.id);
    }
    assert.equal(s.outbox.waiting, fleet.outbox.length);
    const text = await op(['status'], VIEWER.id);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^mode: {6}normal$/m);
    assert.match(text.stdout, new RegExp(`^${A} .* up `, 'm'));
    assert.match(text.stdout, /^web-demo\/web-demo\s+100\s+0\s+fleet-dr canaries$/m);
  });

  it('the load kept failing under 1% once the traffic was off the failed zone', async () => {
    const samples = await load.stop();
    const after = samples.filter((s) => s.start > failedOverAt);
    assert.ok(after.length > 50, `${after.length} requests`);
    const bad = after
      .filter((s) => !s.ok)
      .map((s) => ({ afterFailover: s.start - failedOverAt, ms: s.end - s.start, status: s.status }));
    // The gateway stand-in may still hold a connection the blackhole left half dead when AZ1 first gets
    // traffic again: a rare 502, never a run of them.
    assert.ok(
      bad.length <= after.length / 100,
      `${bad.length} of ${after.length} failed: ${JSON.stringify(bad)}`,
    );
    assert.ok(after.some((s) => s.cluster === A) && after.some((s) => s.cluster === B));
  });
});
