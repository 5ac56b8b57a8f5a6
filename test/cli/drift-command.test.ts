/** `fleet-dr drift` usage: it needs a policy, takes --config and --json only, and says so with exit 2. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driftCommand } from '../../shared/drift/drift-command';

const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  let stdout = '';
  let stderr = '';
  const code = await driftCommand(
    argv,
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
    env,
  );
  return { code, stdout, stderr };
};

describe('fleet-dr drift (usage)', () => {
  it('exits 2 without a policy, naming --config and FLEET_DR_POLICY', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config or FLEET_DR_POLICY/);
    assert.equal(r.stdout, '');
  });

  it('exits 2 on an unknown argument or a --config without a file', async () => {
    assert.equal((await run(['--yaml'])).code, 2);
    const r = await run(['--config']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: fleet-dr drift/);
  });
});
