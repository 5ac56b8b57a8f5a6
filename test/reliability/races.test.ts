/**
 * Races: 50 invocations in flight together on a blackholed zone: alarm-failover ALERTs (each its own alarm),
 * short health-check runs, forced drift checks and operator status and failback dryRun requests. Exactly one
 * transition may come of it: one committed shift, one DingTalk message about it, a routing state that parses
 * and canary weights on the Fleet equal to the committed ones; no 5xx and no FC error anywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pLimit from 'p-limit';
import { DRILL_TOKEN, type Drill, startDrill } from '../../sandbox/drill/drill-env';
import { canaryWeightsNow, waitFor } from '../../sandbox/drill/drill-helpers';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import { STATE_CONFIGMAPS } from '../../shared/state/routing-store';
import { alarmForm, auditRecords, invokeCallback } from '../e2e/helpers';
import { FN, fromEvent, fromHttp, type Outcome, operatorRequest, timer } from './reliability-helpers';

const A = 'c-ack-az1';
const B = 'c-reg-az2';
const INVOCATIONS = 50;
/** Instances per function in flight at once (FC runs one request per instance; each is a worker here). */
const PER_FUNCTION = 3;

describe('reliability: concurrent invocations on a failing zone', () => {
  let d: Drill;
  before(async () => {
    d = await startDrill();
  });
  after(async () => {
    await d?.stop();
  });

  it(`${INVOCATIONS} mixed invocations make exactly one transition`, async () => {
    // The verdicts first (hysteresis): both clusters up, so there is a target to fail over to.
    const upAll = () => {
      const cm = d.sb.fleet.store.get(
        'v1',
        'ConfigMap',
        d.policy.fleet.stateNamespace,
        STATE_CONFIGMAPS.routing,
      );
      const raw = (cm?.data as Record<string, string> | undefined)?.['state.json'];
      const s = raw ? (JSON.parse(raw) as { verdicts?: Record<string, { verdict?: string }> }) : undefined;
      return [A, B].every((c) => s?.verdicts?.[c]?.verdict === 'up');
    };
    await waitFor('both clusters to read up', async () => {
      const r = await invokeCallback(d.invoker, DRILL_TOKEN, alarmForm(B, 'OK'));
      assert.equal(r.body.decision, 'hold', r.body.reason);
      return upAll() || undefined;
    });
    await d.sb.zones.fault(A, 'blackhole');

    const limits = new Map<string, ReturnType<typeof pLimit>>(
      Object.values(FN).map((f) => [f, pLimit(PER_FUNCTION)]),
    );
    const run = (fn: string, call: () => Promise<Outcome>) => limits.get(fn)!(call);
    const at = Date.now();
    const jobs: Array<{ what: string; p: Promise<Outcome> }> = [];
    for (let i = 0; i < INVOCATIONS; i++) {
      const kind = i % 5;
      if (kind === 0 || kind === 1) {
        const form = alarmForm(A, 'ALERT', at + i);
        jobs.push({
          what: `alarm #${i}`,
          p: run(FN.alarm, async () =>
            fromHttp(
              await d.invoker.invokeHttp(FN.alarm, {
                method: 'POST',
                query: { token: DRILL_TOKEN },
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: form,
              }),
            ),
          ),
        });
      } else if (kind === 2)
        jobs.push({
          what: `health-check #${i}`,
          p: run(FN.health, async () =>
            fromEvent(
              await d.invoker.invoke(
                FN.health,
                timer('health-check', JSON.stringify({ maxRunSeconds: 2.5 })),
              ),
            ),
          ),
        });
      else if (kind === 3)
        jobs.push({
          what: `drift-check #${i}`,
          p: run(FN.drift, async () => fromEvent(await d.invoker.invoke(FN.drift, { force: true }))),
        });
      else
        jobs.push({
          what: `operator #${i}`,
          p: run(FN.operator, () =>
            i % 2 === 0
              ? operatorRequest(d, 'GET', '/status', '')
              : operatorRequest(d, 'POST', '/failback', JSON.stringify({ cluster: A, mode: 'dryRun' })),
          ),
        });
    }
    const outcomes = await Promise.all(jobs.map(async (j) => ({ what: j.what, o: await j.p })));
    await d.invoker.idle();
    await d.sb.cloud.fc.drain();
    await d.invoker.idle();

    const bad = outcomes.filter(({ o }) => o.fcError || (o.status !== undefined && o.status >= 500));
    assert.deepEqual(
      bad.map(({ what, o }) => `${what}: ${o.status} ${o.fcError?.errorMessage ?? o.text.slice(0, 200)}`),
      [],
      'no 5xx, no FC error',
    );
    const shifts = auditRecords(d).filter((a) => a.decision === 'shift' && a.committed);
    assert.equal(shifts.length, 1, `exactly one committed shift: ${JSON.stringify(shifts)}`);
    const failovers = () =>
      d.sb.cloud.dingtalk
        .messages(SANDBOX_DINGTALK.accessToken)
        .filter((m) => JSON.stringify(m.body).includes(`failed over from ${A}`));
    await waitFor('the failover message', () => failovers()[0]);
    await d.sb.cloud.fc.drain();
    await d.invoker.idle();
    assert.equal(failovers().length, 1, 'one DingTalk message for the one transition');

    const cm = d.sb.fleet.store.get(
      'v1',
      'ConfigMap',
      d.policy.fleet.stateNamespace,
      STATE_CONFIGMAPS.routing,
    );
    assert.ok(cm, 'the routing state exists');
    const state = JSON.parse((cm.data as Record<string, string>)['state.json']!) as {
      weights: Record<string, Record<string, number>>;
    };
    const route = d.policy.routes[0]!;
    assert.deepEqual(state.weights[route.name], { [A]: 0, [B]: 100 }, 'the committed weights');
    assert.deepEqual(
      canaryWeightsNow(d),
      state.weights[route.name],
      'the canaries carry the committed weights',
    );
    const byWhat = (p: string) => outcomes.filter((x) => x.what.startsWith(p)).map((x) => x.o.status);
    console.log(
      `raced ${outcomes.length} invocations: alarms ${JSON.stringify(byWhat('alarm'))}, health ${JSON.stringify(byWhat('health'))}, drift ${JSON.stringify(byWhat('drift'))}, operator ${JSON.stringify(byWhat('operator'))}`,
    );
  });
});
