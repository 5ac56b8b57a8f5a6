import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadPolicy, loadPolicyFromEnv, parsePolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { EXAMPLE_PATH, FIXTURES } from './helpers';

const rejects = (fn: () => unknown, message: RegExp, problem?: RegExp) =>
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof ConfigError, `${e.name}: ${e.message}`);
    assert.match(e.message, message);
    if (problem)
      assert.ok(
        e.problems.some((p) => problem.test(p)),
        e.problems.join('\n'),
      );
    return true;
  });

describe('policy loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-policy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the example YAML and its JSON twin to the same policy', () => {
    assert.deepEqual(loadPolicy(join(FIXTURES, 'valid.json')), loadPolicy(EXAMPLE_PATH));
  });

  it('rejects empty, comment-only, binary, non-YAML and list files with a message', () => {
    rejects(() => loadPolicy(join(FIXTURES, 'empty.yaml')), /empty policy file/);
    rejects(() => loadPolicy(join(FIXTURES, 'comments-only.yaml')), /empty policy file/);
    rejects(() => loadPolicy(join(FIXTURES, 'binary.yaml')), /binary data/);
    rejects(
      () => loadPolicy(join(FIXTURES, 'not-yaml.yaml')),
      /not valid YAML or JSON/,
      /^line 3, column 1: /,
    );
    rejects(() => loadPolicy(join(FIXTURES, 'truncated-json.txt')), /not valid YAML or JSON/);
    rejects(
      () => loadPolicy(join(FIXTURES, 'top-level-list.yaml')),
      /must be a mapping of fields, got a list/,
    );
    rejects(
      () => loadPolicy(join(FIXTURES, 'duplicate-keys.yaml')),
      /not valid YAML/,
      /Map keys must be unique/,
    );
  });

  it('rejects invalid UTF-8 and a missing file', () => {
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.from('region: caf\xe9\n', 'latin1'));
    rejects(() => loadPolicy(latin1), /not UTF-8/);
    rejects(() => loadPolicy(join(dir, 'missing.yaml')), /cannot read the policy file \(ENOENT\)/);
  });

  it('reports wrong types by path', () => {
    rejects(
      () => loadPolicy(join(FIXTURES, 'wrong-types.yaml')),
      /invalid policy \(6 problem\(s\)\)/,
      /^clusters\[0\]\.probes\[0\]\.timeoutMs: /,
    );
  });

  it('rejects an unresolved YAML alias and an alias bomb as invalid YAML', () => {
    rejects(() => parsePolicy('region: *nowhere\n'), /not valid YAML/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a]',
      'c: [*b, *b, *b, *b, *b, *b, *b, *b]',
    ];
    rejects(() => parsePolicy(bomb.join('\n')), /not valid YAML/);
  });

  it('parsePolicy names the source in the message', () => {
    rejects(
      () => parsePolicy('version: 1', 'inline.yaml'),
      /^inline\.yaml: invalid policy/,
      /^region: required/,
    );
  });

  it('loadPolicyFromEnv reads FLEET_DR_POLICY, else policy.yaml beside the bundle', () => {
    assert.equal(loadPolicyFromEnv({ FLEET_DR_POLICY: EXAMPLE_PATH }).fleet.id, 'c-fleet-demo');
    const bundle = mkdtempSync(join(dir, 'bundle-'));
    writeFileSync(join(bundle, 'policy.yaml'), parsePolicyText());
    assert.equal(loadPolicyFromEnv({}, bundle).region, 'cn-hangzhou');
    rejects(() => loadPolicyFromEnv({ FLEET_DR_POLICY: join(dir, 'nope.yaml') }), /cannot read/);
  });
});

function parsePolicyText(): string {
  return JSON.stringify(loadPolicy(EXAMPLE_PATH));
}
