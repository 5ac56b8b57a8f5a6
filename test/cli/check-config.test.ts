import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type CliResult, inProcess, runAll } from './run-cli';

// Cases marked `spawn` run bin/fleet-dr.js as a child process (the exit-code contract, including the
// malformed files the issue names); the rest go through the same main() in process, to keep the suite fast.
const SPAWN = new Set(['example', 'empty', 'not yaml', 'binary', 'wrong types', 'many problems', 'debug']);

const F = 'test/fixtures/policy';
const JOBS: Array<[string, string[]]> = [
  ['example', ['check-config', 'deploy/policy.yaml']],
  ['json twin', ['check-config', `${F}/valid.json`]],
  ['empty', ['check-config', `${F}/empty.yaml`]],
  ['comments only', ['check-config', `${F}/comments-only.yaml`]],
  ['not yaml', ['check-config', `${F}/not-yaml.yaml`]],
  ['binary', ['check-config', `${F}/binary.yaml`]],
  ['list', ['check-config', `${F}/top-level-list.yaml`]],
  ['truncated json', ['check-config', `${F}/truncated-json.txt`]],
  ['wrong types', ['check-config', `${F}/wrong-types.yaml`]],
  ['many problems', ['check-config', `${F}/many-problems.yaml`]],
  ['missing file', ['check-config', `${F}/does-not-exist.yaml`]],
  ['no argument', ['check-config']],
  ['unknown command', ['frobnicate']],
  ['debug', ['check-config', `${F}/empty.yaml`, '--debug']],
];

describe('fleet-dr check-config (child process)', () => {
  const r = new Map<string, CliResult>();
  before(async () => {
    const spawned = JOBS.filter(([name]) => SPAWN.has(name));
    const results = await runAll(spawned.map(([, args]) => args));
    for (const [i, [name]] of spawned.entries()) r.set(name, results[i]!);
    for (const [name, args] of JOBS) if (!SPAWN.has(name)) r.set(name, await inProcess(args));
  });
  const get = (name: string) => r.get(name)!;

  it('accepts the example policy and its JSON twin with a one-line summary', () => {
    for (const name of ['example', 'json twin']) {
      const res = get(name);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout.trim().split('\n').length, 1);
      assert.match(res.stdout, /valid policy: region cn-hangzhou, Fleet c-fleet-demo, 2 clusters/);
    }
  });

  for (const [name, reason] of [
    ['empty', /empty policy file/],
    ['comments only', /empty policy file/],
    ['not yaml', /not valid YAML or JSON/],
    ['binary', /binary data/],
    ['list', /must be a mapping/],
    ['truncated json', /not valid YAML or JSON/],
    ['missing file', /cannot read the policy file \(ENOENT\)/],
  ] as const) {
    it(`exits 2 with a message for a ${name} file, without a stack trace`, () => {
      const res = get(name);
      assert.equal(res.code, 2);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, reason);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
    });
  }

  it('lists every wrong type by path', () => {
    const res = get('wrong types');
    assert.equal(res.code, 2);
    for (const line of [
      '  version: expected 1',
      '  clusters[0].id: expected string, received number',
      '  detection.failuresToDown: expected number, received string',
      '  dryRun: expected boolean, received string',
    ])
      assert.ok(res.stderr.includes(`${line}\n`), res.stderr);
  });

  it('lists schema and cross-field problems together', () => {
    const res = get('many problems');
    assert.equal(res.code, 2);
    const lines = res.stderr.trim().split('\n');
    assert.match(lines[0] ?? '', /invalid policy \(11 problem\(s\)\)$/);
    for (const path of [
      'clusters[1].probes[0].url: invalid URL',
      'notify.dingtalk.accessTokenEnv:',
      'pasued: unknown field',
      'clusters[1].zone: same zone',
      'clusters[1].vSwitches[0].cidr: 10.1.2.0/24 is not inside the VPC block',
      'clusters[1].serviceCidr: 172.20.128.0/20 overlaps pod block of c-ack-az1',
      'routes[0].baselineWeights: weights sum to 90',
      'failback.steps[1]:',
    ])
      assert.ok(
        lines.some((l) => l.startsWith(`  ${path}`)),
        `${path}\n${res.stderr}`,
      );
  });

  it('prints usage and exits 2 without an argument or for an unknown command', () => {
    assert.equal(get('no argument').code, 2);
    assert.match(get('no argument').stderr, /usage: fleet-dr check-config/);
    assert.equal(get('unknown command').code, 2);
    assert.match(get('unknown command').stderr, /unknown command "frobnicate"/);
  });

  it('--debug is accepted anywhere on the line', () => {
    assert.equal(get('debug').code, 2);
    assert.match(get('debug').stderr, /empty policy file/);
  });
});

describe('check-config summary with router asm', () => {
  it('names each ASM route with its DestinationRule, the ASM instance and every cluster locality', async () => {
    const { summarisePolicy } = await import('../../shared/cli/check-config');
    const { validatePolicy } = await import('../../shared/config-loader');
    const { example } = await import('../config/helpers');
    const p = example();
    assert.doesNotMatch(summarisePolicy(validatePolicy(p)), /ASM/);
    p.asm = { serviceMeshId: 'c-mesh', privateIpAddress: true };
    p.routes[0].router = 'asm';
    const line = summarisePolicy(validatePolicy(p));
    assert.match(line, /1 route\(s\) \(web-demo\/web-demo via ASM DestinationRule web-demo\/web-demo\)/);
    assert.match(
      line,
      /, ASM c-mesh in cn-hangzhou, internal kubeconfig \(localities: c-ack-az1 cn-hangzhou\/cn-hangzhou-h, c-reg-az2 cn-hangzhou\/cn-hangzhou-i\)/,
    );
  });
});
