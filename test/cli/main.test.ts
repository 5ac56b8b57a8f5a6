import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}

describe('fleet-dr main (in process)', () => {
  it('prints help on --help with exit 0, usage on nothing with exit 2', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io), 0);
    assert.match(io.out(), /check-config <file>/);
    const none = capture();
    assert.equal(await main([], none), 2);
    assert.match(none.err(), /usage: fleet-dr/);
  });

  it('dispatches plan to ./plan-command and prints its Plan', async () => {
    const io = capture();
    const code = await main(
      ['plan', '--config', 'deploy/policy.yaml', '--observations', 'events/observations/healthy.json'],
      io,
    );
    assert.equal(code, 0, io.err());
    assert.equal(io.err(), '');
    const plan = JSON.parse(io.out());
    assert.equal(plan.kind, 'hold');
    assert.equal(plan.rule, 'steady');
  });

  it('refuses an unknown plan argument with exit 2 and one line, no stack', async () => {
    const io = capture();
    assert.equal(await main(['plan', '--help'], io), 2);
    assert.equal(io.out(), '');
    assert.match(io.err(), /unknown argument "--help"/);
    assert.doesNotMatch(io.err(), /\n\s+at /);
  });

  it('writes check-config results to the given streams', async () => {
    const io = capture();
    assert.equal(await main(['check-config', 'deploy/policy.yaml'], io), 0);
    assert.match(io.out(), /^deploy\/policy\.yaml: valid policy/);
    assert.equal(io.err(), '');
  });
});
