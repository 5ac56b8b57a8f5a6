import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const walk = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
  );
/**
 * A loopback address in a bundle. The one exception is the notation `::ffff:127.0.0.1` in the doc comments
 * of `ip-address` (pulled in by client-node's proxy support): an example in a comment, not an endpoint.
 */
const LOOPBACK = /(?<!::ffff:)127\.0\.0\.1/;
const withLoopback = (files: string[]) => files.filter((f) => LOOPBACK.test(readFileSync(f, 'utf8')));

describe('bundles hold no sandbox address', { timeout: 360_000 }, () => {
  it('npm run build output contains no 127.0.0.1', () => {
    // Built into a temporary folder, so a concurrent test or a developer's dist/ is not disturbed.
    const dist = mkdtempSync(join(tmpdir(), 'fleet-dr-dist-'));
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--outdir', dist], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `build failed:\n${r.stdout}\n${r.stderr}`);
    const files = walk(dist);
    const functions = readdirSync(join(root, 'functions'), { withFileTypes: true }).filter((e) =>
      existsSync(join(root, 'functions', e.name, 'handler.ts')),
    );
    try {
      assert.equal(
        files.filter((f) => f.endsWith('.mjs')).length,
        functions.length,
        'one bundle per function',
      );
      assert.deepEqual(withLoopback(files), []);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it('a bundle of every client, the writer, the state store and the notifier contains no 127.0.0.1', async () => {
    // Covers the clients even before any function imports them.
    const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-bundle-'));
    try {
      const entry = join(dir, 'entry.ts');
      const mods = [
        'shared/clients/ack-client',
        'shared/clients/fleet-client',
        'shared/clients/mse-client',
        'shared/clients/cms-client',
        'shared/clients/fc-client',
        'shared/clients/credentials',
        'shared/clients/endpoints',
        'shared/gateway/weight-writer',
        'shared/gateway/membership',
        'shared/state/routing-store',
        'shared/state/nonce-store',
        'shared/drift/ledger',
        'shared/notify/outbox',
        'shared/notify/dingtalk-client',
        'shared/log',
      ];
      writeFileSync(
        entry,
        mods.map((m, i) => `export * as m${i} from ${JSON.stringify(join(root, m))};`).join('\n'),
      );
      await build({
        entryPoints: [entry],
        outfile: join(dir, 'out.mjs'),
        ...bundleOptions,
        logLevel: 'error',
      });
      const out = readFileSync(join(dir, 'out.mjs'), 'utf8');
      assert.ok(out.length > 100_000, 'the SDKs were bundled');
      assert.equal(LOOPBACK.test(out), false, String(LOOPBACK.exec(out)?.index));
      assert.ok(LOOPBACK.test('x = "http://127.0.0.1:8080"'), 'the check itself catches an endpoint');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
