import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCommandSpec } from '../../sandbox/drill/start-command';
import type { CliIo } from '../../shared/cli/io';
import { type ExtraCommand, main } from '../../shared/cli/main';
import { FleetDrError } from '../../shared/errors';
import { runCli } from './run-cli';

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
    assert.match(io.err(), /^plan: hold \(steady\): .+\n$/, 'a one-line summary on stderr');
    const plan = JSON.parse(io.out());
    assert.equal(plan.kind, 'hold');
    assert.equal(plan.rule, 'steady');
  });

  it('plan --summary prints only the one-line summary, on stdout', async () => {
    const io = capture();
    const code = await main(
      [
        'plan',
        '--config',
        'deploy/policy.yaml',
        '--observations',
        'events/observations/zone-down-confirmed.json',
        '--summary',
      ],
      io,
    );
    assert.equal(code, 0, io.err());
    assert.equal(io.err(), '');
    assert.match(io.out(), /^plan: shift; weights web-demo: c-ack-az1 0, c-reg-az2 100: .+\n$/);
  });

  it('refuses an unknown plan argument with exit 2 and one line, no stack', async () => {
    const io = capture();
    assert.equal(await main(['plan', '--bogus'], io), 2);
    assert.equal(io.out(), '');
    assert.match(io.err(), /unknown argument "--bogus"/);
    assert.doesNotMatch(io.err(), /\n\s+at /);
  });

  it('writes check-config results to the given streams', async () => {
    const io = capture();
    assert.equal(await main(['check-config', 'deploy/policy.yaml'], io), 0);
    assert.match(io.out(), /^deploy\/policy\.yaml: valid policy/);
    assert.equal(io.err(), '');
  });

  it('knows no `start` of its own: the product does not carry the sandbox drill', async () => {
    const io = capture();
    assert.equal(await main(['start'], io), 2);
    assert.match(io.err(), /unknown command "start"/);
    const help = capture();
    assert.equal(await main(['--help'], help), 0);
    assert.doesNotMatch(help.out(), /\bstart\b/);
  });

  it('runs a command given from outside shared/, lists it, and maps its errors like its own', async () => {
    const calls: string[][] = [];
    const extra: Record<string, ExtraCommand> = {
      drill: {
        usage: 'drill [--json]          a stand-in command',
        run: async (argv, cio) => {
          calls.push(argv);
          if (argv.includes('--bad')) throw new FleetDrError('the drill refused');
          cio.stdout.write('drilled\n');
          return 0;
        },
      },
    };
    const io = capture();
    assert.equal(await main(['drill', '--json', '--debug'], io, extra), 0);
    assert.deepEqual(calls, [['--json']], 'gets its own arguments, without --debug');
    assert.equal(io.out(), 'drilled\n');
    const help = capture();
    assert.equal(await main(['help'], help, extra), 0);
    assert.match(help.out(), /^ {2}plan \.\.\..*$/m);
    assert.match(
      help.out(),
      /^ {2}drill \[--json\] {10}a stand-in command$/m,
      'extra commands follow the built-in ones',
    );
    const bad = capture();
    assert.equal(await main(['drill', '--bad'], bad, extra), 2);
    assert.equal(bad.err(), 'fleet-dr drill: the drill refused\n');
    const proto = capture();
    assert.equal(await main(['toString'], proto, extra), 2, 'only own names are commands');
  });

  it('start refuses an unknown argument with exit 2 and one line, before starting anything', async () => {
    const io = capture();
    assert.equal(await main(['start', '--bogus'], io, { start: startCommandSpec }), 2);
    assert.equal(io.out(), '');
    assert.match(io.err(), /^fleet-dr start: Unknown option '--bogus'[^\n]*\n$/);
  });

  it('bin/fleet-dr.js gives main() the drill as `start`', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}start \[--json\] \[--json-file <f>\] \[--no-gateway-fallback\] +the failover drill on a fresh sandbox/m,
    );
  });
});
