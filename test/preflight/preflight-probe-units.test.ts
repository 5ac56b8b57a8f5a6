/**
 * The pure parts of asking the probes from the health-check function (its event, its answer, why an invoke
 * failed, the fallback) and of `--write-test=live` (the test path), and the command's new flags.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { modeOf } from '../../functions/health-check/preflight-mode';
import { main } from '../../shared/cli/main';
import { CloudApiError } from '../../shared/clients/errors';
import { type Policy, PolicySchema } from '../../shared/config';
import { askProbes, invokeFailure, readAnswer } from '../../shared/preflight/probe-from';
import { runPreflightProbes } from '../../shared/preflight/probe-mode';
import { checkSignals } from '../../shared/preflight/signals';
import { testPathProblem } from '../../shared/preflight/write-live';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), 'utf8');
const policy: Policy = PolicySchema.parse(parse(read('deploy/policy.yaml')));
const at = new Date().toISOString();
const okProbe = async () => ({ at, ok: true, status: 200, latencyMs: 5 });

describe('the health-check preflight mode (event and answer)', () => {
  it('{"mode":"preflight"} is the mode; no mode is the timer; another mode or extra fields are refused', () => {
    assert.deepEqual(modeOf(Buffer.from('{"mode":"preflight"}')), { kind: 'preflight' });
    assert.deepEqual(modeOf(Buffer.from('{"triggerName":"t","triggerTime":"x","payload":""}')), {
      kind: 'timer',
    });
    assert.deepEqual(modeOf(Buffer.from('not json')), { kind: 'timer' });
    for (const bad of ['{"mode":"probe"}', '{"mode":"preflight","x":1}', '{"mode":null}']) {
      const m = modeOf(Buffer.from(bad));
      assert.equal(m.kind, 'reject', bad);
      assert.match((m as { error: string }).error, /must be exactly \{"mode":"preflight"\}/);
    }
  });

  it('probes every probe of every cluster once and answers what preflight validates', async () => {
    const seen: string[] = [];
    const a = await runPreflightProbes(policy, {}, { functionName: 'f', region: 'r' }, async (p) => {
      seen.push(p.url);
      return okProbe();
    });
    const all = policy.clusters.flatMap((c) => c.probes.map((p) => p.url));
    assert.deepEqual(seen.sort(), [...all].sort());
    const back = readAnswer('f', { payload: JSON.stringify(a) });
    assert.ok(typeof back !== 'string', String(back));
  });

  it('an answer that is not the mode, a function error, a denial, a missing function: each says why', () => {
    assert.match(
      String(readAnswer('fn', { payload: '{"rounds":[]}' })),
      /answered without the preflight mode \(deploy this version/,
    );
    assert.match(
      String(
        readAnswer('fn', { payload: '{"errorMessage":"x"}', functionError: 'UnhandledInvocationError' }),
      ),
      /fn failed \(UnhandledInvocationError\)/,
    );
    const denied = new CloudApiError('InvokeFunction', 'AccessDenied', 'no', 'r1', 403);
    assert.match(invokeFailure('fn', denied), /denied \(AccessDenied\).*ram-policy-preflight\.json/);
    const missing = new CloudApiError('InvokeFunction', 'FunctionNotFound', 'gone', 'r2', 404);
    assert.match(invokeFailure('fn', missing), /fn is not deployed in this region/);
    assert.match(invokeFailure('fn', new Error('socket hang up')), /could not be invoked: socket hang up/);
  });
});

describe('asking the probes', () => {
  const cms = { metricRules: async () => [] };
  it('from the function: rows say so; a probe the function did not answer FAILs', async () => {
    const [first] = policy.clusters;
    const fc = {
      invokeSync: async () => ({
        statusCode: 200,
        payload: JSON.stringify({
          mode: 'preflight',
          functionName: 'fleet-dr-health-check',
          region: 'cn-hangzhou',
          probes: first!.probes.map((p) => ({
            clusterId: first!.id,
            url: p.url,
            result: { at, ok: true, status: 200 },
          })),
        }),
      }),
    };
    const rows = await checkSignals({ policy, env: {}, cms, probeSource: { kind: 'function', fc } });
    const probes = rows.filter((r) => r.name.startsWith('signals: probe of '));
    assert.ok(
      probes.every((r) => /asked from the health-check function fleet-dr-health-check/.test(r.evidence)),
    );
    assert.deepEqual(
      probes.filter((r) => r.result === 'FAIL').map((r) => r.name.split(' ')[3]),
      policy.clusters.slice(1).flatMap((c) => c.probes.map(() => c.id)),
    );
  });

  it('a failed invoke falls back to this host and says why; --probe-from here does not WARN', async () => {
    const fc = {
      invokeSync: async () => {
        throw new CloudApiError('InvokeFunction', 'AccessDenied', 'no', 'r', 403);
      },
    };
    const fell = await askProbes(policy, {}, { kind: 'function', fc }, okProbe);
    assert.match(fell.from, /^host /);
    assert.match(fell.fallback ?? '', /was denied/);
    const here = await askProbes(policy, {}, { kind: 'here' }, okProbe);
    assert.equal(here.fallback, undefined);
  });
});

describe('--write-test=live and the new flags', () => {
  it('a test path must be a path of its own', () => {
    assert.equal(testPathProblem('/fleet-dr-preflight'), undefined);
    for (const bad of ['', '/', 'x', '/a b', '/a//b', '/a?b=1']) assert.ok(testPathProblem(bad), bad);
  });

  const run = async (argv: string[]) => {
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: () => undefined },
      stderr: { write: (s: string) => (stderr += s) },
    });
    return { code, stderr };
  };
  it('refuses a bad --write-test value, --test-path alone, a bad --account-id (exit 2, naming it)', async () => {
    for (const [argv, why] of [
      [['--write-test=yes'], /--write-test takes no value or =live/],
      [['--test-path', '/x'], /--test-path is only for --write-test=live/],
      [['--write-test=live'], /needs --test-path/],
      [['--account-id', 'abc'], /--account-id must be/],
    ] as const) {
      const r = await run(['preflight', ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, why);
    }
  });
  it('--help lists the live write test and where the probes are asked', async () => {
    let out = '';
    await main(['preflight', '--help'], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => undefined },
    });
    assert.match(out, /--write-test=live/);
    assert.match(out, /--test-path <path>/);
    assert.match(out, /--probe-from <where>/);
  });
});
