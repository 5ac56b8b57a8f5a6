import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const functions = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(root, 'functions', e.name, 'handler.ts')))
  .map((e) => e.name);

/** Runs an ESM snippet in a fresh Node process (no tsx), inside `cwd`, with only `env`. */
function runNode(code: string, cwd: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('function bundles (npm run build)', { timeout: 180_000 }, () => {
  let dist: string;
  before(() => {
    dist = mkdtempSync(join(tmpdir(), 'fleet-dr-bundles-'));
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--outdir', dist], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `build failed:\n${r.stdout}\n${r.stderr}`);
  });
  after(() => rmSync(dist, { recursive: true, force: true }));

  it('makes one bundle per function, each with the policy beside it', () => {
    // Every function s.yaml deploys has a folder, and every folder is deployed (s-yaml.test.ts checks names).
    const deployed = Object.keys(parse(readFileSync(join(root, 's.yaml'), 'utf8')).resources).sort();
    assert.deepEqual(functions.sort(), deployed);
    for (const f of functions) {
      assert.ok(existsSync(join(dist, f, 'index.mjs')), `${f}/index.mjs`);
      assert.ok(existsSync(join(dist, f, 'policy.yaml')), `${f}/policy.yaml`);
    }
  });

  for (const f of functions)
    it(`${f}: the bundle's handler imports in a fresh process without tsx`, () => {
      const url = pathToFileURL(join(dist, f, 'index.mjs')).href;
      const r = runNode(
        `const m = await import(${JSON.stringify(url)}); console.log(JSON.stringify({ handler: typeof m.handler }));`,
        join(dist, f),
        {},
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), { handler: 'function' });
    });

  it('alarm-failover bundle reads the policy shipped beside it and refuses a wrong token with 403', () => {
    const url = pathToFileURL(join(dist, 'alarm-failover', 'index.mjs')).href;
    const event = {
      version: 'v1',
      rawPath: '/',
      body: 'alertName=x&alertState=ALERT&metricName=m&timestamp=1748765700000',
      isBase64Encoded: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      queryParameters: { token: 'wrong' },
      requestContext: { requestId: '1-test', http: { method: 'POST', path: '/' } },
    };
    const r = runNode(
      `const { handler } = await import(${JSON.stringify(url)});
       const out = await handler(Buffer.from(${JSON.stringify(JSON.stringify(event))}), { requestId: '1-test' });
       console.log(JSON.stringify(out));`,
      join(dist, 'alarm-failover'),
      { FLEET_DR_CALLBACK_TOKEN: 'the-right-token', FLEET_DR_LOG: 'off' },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.statusCode, 403);
  });
});
