/**
 * E2E helpers for the drift check: runs of `fleet-dr-drift-check` through a drill's invoker (forced, so the
 * interval does not hold a test up), the DingTalk messages it caused, and the one property every kind of drift
 * must have: reported exactly once over three consecutive runs, and reported as resolved once after the fix.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Drill, NOTIFY_FUNCTION } from '../../sandbox/drill/drill-env';
import { createLocalInvoker, type LocalInvoker } from '../../sandbox/invoker/index';
import { SANDBOX_DINGTALK } from '../../sandbox/start-sandbox';
import type { Policy } from '../../shared/config';
import type { DriftAnswer } from '../../shared/drift/run';
import { deployedName } from '../../shared/runtime/handler-shell';

/** The deployed name of the drift check. */
export const DRIFT_CHECK = deployedName('drift-check');

/** A drift-check invoker on a drill, with its own policy edits. */
export interface DriftInvoker {
  invoker: LocalInvoker;
  policy: Policy;
  close(): Promise<void>;
}

/**
 * Serves fleet-dr-drift-check on a drill with an edited policy. It does not wake `notify` (its
 * FLEET_DR_NOTIFY_FUNCTION is empty): notify finishes committed weights whenever it runs, which would repair a
 * changed weight behind the test's back, so the tests deliver by invoking notify themselves ({@link deliver}).
 */
export async function startDriftInvoker(
  d: Drill,
  edit: (p: Policy) => Policy = (p) => p,
): Promise<DriftInvoker> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-drift-'));
  const fnDir = join(dir, 'functions');
  mkdirSync(fnDir);
  symlinkSync(
    fileURLToPath(new URL('../../functions/drift-check', import.meta.url)),
    join(fnDir, DRIFT_CHECK),
    'dir',
  );
  const policy = edit(d.policy);
  const policyPath = join(dir, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(policy, null, 2));
  const invoker = createLocalInvoker({
    functionsDir: fnDir,
    credentialsProvider: () => d.sb.cloud.credentials.issueStsToken(),
    region: d.policy.region,
    accountId: d.sb.cloud.fc.accountId,
    freshInstance: false,
    env: { ...d.env, FLEET_DR_POLICY: policyPath, FLEET_DR_NOTIFY_FUNCTION: '' },
    functions: { [DRIFT_CHECK]: { timeout: 120 } },
  });
  return {
    invoker,
    policy,
    async close() {
      await invoker.idle();
      await invoker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs notify once (as its minute timer does): it finishes committed state and delivers the DingTalk outbox. */
export async function deliver(d: Drill): Promise<void> {
  const r = await d.invoker.invoke(NOTIFY_FUNCTION, Buffer.from(JSON.stringify({ source: 'test' })));
  if (r.error) throw new Error(`notify failed: ${r.error.errorType}: ${r.error.errorMessage}`);
}

/** Runs the drift check once (forced past its interval) and returns its answer. */
export async function driftRun(inv: LocalInvoker): Promise<DriftAnswer> {
  const r = await inv.invoke(DRIFT_CHECK, Buffer.from(JSON.stringify({ force: true })));
  if (r.error) throw new Error(`drift-check failed: ${r.error.errorType}: ${r.error.errorMessage}`);
  const a = JSON.parse(r.payload.toString('utf8')) as DriftAnswer & { error?: string };
  if (a.error) throw new Error(`drift-check refused: ${a.error}`);
  return a;
}

/** The keys of an answer's differences. */
export const keysOf = (a: DriftAnswer): string[] => a.differences.map((x) => `${x.kind}: ${x.object}`);

/** The DingTalk messages delivered so far, as text. */
export function dingTalkTexts(d: Drill): string[] {
  return d.sb.cloud.dingtalk.messages(SANDBOX_DINGTALK.accessToken).map((m) => JSON.stringify(m.body));
}

/** How many delivered DingTalk messages mention `text`. */
export const mentions = (d: Drill, text: string): number =>
  dingTalkTexts(d).filter((t) => t.includes(text)).length;

/**
 * Breaks something, runs the check three times: the difference `key` is there each time and reported (new)
 * exactly once, in the first run, in one DingTalk message. Fixes it (then notify runs, as its timer would,
 * delivering the message), runs twice: resolved exactly once, in one more message. Returns the difference as
 * the first run saw it.
 */
export async function assertReportedOnceThenResolved(
  d: Drill,
  inv: LocalInvoker,
  key: string,
  breakIt: () => void | Promise<void>,
  fixIt: () => void | Promise<void>,
) {
  await breakIt();
  const runs = [await driftRun(inv), await driftRun(inv), await driftRun(inv)];
  for (const [i, r] of runs.entries()) {
    assert.ok(r.ran, `run ${i + 1} ran`);
    assert.ok(
      keysOf(r).includes(key),
      `run ${i + 1} sees ${key}; it saw ${keysOf(r).join(' | ') || 'nothing'}`,
    );
  }
  assert.deepEqual(
    runs.map((r) => r.appeared.filter((k) => k === key).length),
    [1, 0, 0],
    'reported exactly once, when it appeared',
  );
  assert.ok(runs[0]!.message, 'the first run owes one message');
  assert.ok(!runs[1]!.message && !runs[2]!.message, 'the next runs owe none');
  const before = mentions(d, key);
  await fixIt();
  await deliver(d);
  assert.equal(mentions(d, key), before + 1, 'one DingTalk message named it');
  const after = [await driftRun(inv), await driftRun(inv)];
  assert.ok(!keysOf(after[0]!).includes(key), `${key} is gone after the fix`);
  assert.deepEqual(
    after.map((r) => r.resolved.filter((x) => x.key === key).length),
    [1, 0],
    'reported as resolved exactly once',
  );
  await deliver(d);
  assert.equal(mentions(d, key), before + 2, 'and one more said it was resolved');
  return runs[0]!.differences.find((x) => `${x.kind}: ${x.object}` === key)!;
}
