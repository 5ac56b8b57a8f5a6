import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { planCommand } from '../../shared/cli/plan-command';
import { PlanSchema } from '../../shared/decision/plan';
import { POLICY_PATH } from '../decision/fixtures';

const events = (p: string) => fileURLToPath(new URL(`../../events/${p}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await planCommand(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

describe('fleet-dr plan', () => {
  const expected: Array<[string, string | null, string, string]> = [
    ['healthy', null, 'hold', 'steady'],
    ['zone-down-confirmed', null, 'shift', ''],
    ['alarm-unconfirmed', null, 'hold', 'unconfirmed'],
    ['insufficient-data-probes-failing', null, 'hold', 'insufficient-data'],
    ['insufficient-data-probes-passing', null, 'hold', 'insufficient-data'],
    ['agent-partition', null, 'hold', 'agent-partition'],
    ['both-zones-down', null, 'hold', 'observer-guard'],
    ['probe-alarm-only', null, 'hold', 'unconfirmed'],
    ['probe-alarm-confirmed', null, 'shift', ''],
    ['probe-alarm-scaled-to-zero', null, 'hold', 'unconfirmed'],
    ['zone-down-confirmed', 'failed-over', 'hold', 'duplicate-alarm'],
    ['recovered', 'recovered-awaiting-failback', 'hold', 'awaiting-operator'],
    ['operator-failback-step', 'recovered-awaiting-failback', 'failback-step', ''],
    ['recovered', 'failing-back', 'hold', 'awaiting-operator'],
  ];
  for (const [obs, state, kind, rule] of expected)
    it(`prints a ${kind}${rule ? ` (${rule})` : ''} for ${obs}${state ? ` with state ${state}` : ''}`, async () => {
      const argv = ['--config', POLICY_PATH, '--observations', events(`observations/${obs}.json`)];
      if (state) argv.push('--state', events(`state/${state}.json`));
      const r = await run(argv);
      assert.equal(r.code, 0, r.err);
      const plan = PlanSchema.parse(JSON.parse(r.out));
      assert.equal(plan.kind, kind, plan.reason);
      if (rule && plan.kind === 'hold') assert.equal(plan.rule, rule);
    });

  it('uses --now instead of observedAt', async () => {
    const argv = [
      '--config',
      POLICY_PATH,
      '--observations',
      events('observations/recovered.json'),
      '--state',
      events('state/failed-over.json'),
    ];
    // The observations say 09:00; a Plan decided at --now must be dated from --now, not from observedAt.
    const r = await run([...argv, '--now', '2025-06-01T08:02:00Z']);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out);
    assert.equal(plan.kind, 'hold');
    assert.equal(plan.rule, 'min-dwell');
    assert.match(plan.reason, /up since 2025-06-01T08:02:00Z/);
    assert.doesNotMatch(plan.reason, /T09:00:00/);
  });

  it('exits 2 with a clear message on bad input', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ observedAt: 'yesterday', clusters: {} }));
    const ghost = join(dir, 'ghost.json');
    writeFileSync(ghost, JSON.stringify({ observedAt: '2025-06-01T08:00:00Z', clusters: { 'c-ghost': {} } }));
    const cases: Array<[string[], RegExp]> = [
      [[], /--config is required/],
      [['--config', POLICY_PATH], /--observations is required/],
      [['--config', POLICY_PATH, '--observations', bad], /invalid observations[\s\S]*observedAt/],
      [['--config', POLICY_PATH, '--observations', ghost], /not in the policy: c-ghost/],
      [['--config', POLICY_PATH, '--observations', join(dir, 'missing.json')], /cannot read/],
      [
        ['--config', POLICY_PATH, '--observations', events('observations/healthy.json'), '--now', 'soon'],
        /not an ISO-8601/,
      ],
      [
        ['--config', POLICY_PATH, '--observations', events('observations/healthy.json'), '--state', bad],
        /invalid routing state/,
      ],
      [['--bogus'], /unknown argument/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, message);
      assert.equal(r.out, '');
    }
  });
});
