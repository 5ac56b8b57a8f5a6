#!/usr/bin/env node
// Bundles each function under functions/<name>/handler.ts into dist/<name>/index.mjs with esbuild,
// so each bundle holds only what that function imports. The policy file ships beside each bundle.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(functionsDir, e.name, 'handler.ts')))
  .map((e) => e.name);
rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const name of names) {
  const outdir = join(root, 'dist', name);
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(functionsDir, name, 'handler.ts')],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Some SDK dependencies are CommonJS and call require(); give the ESM bundle a require.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    sourcemap: false,
    minify: false,
    logLevel: 'warning',
  });
  const policy = join(root, 'deploy', 'policy.yaml');
  if (existsSync(policy)) copyFileSync(policy, join(outdir, 'policy.yaml'));
  console.log(`built dist/${name}/index.mjs`);
}
