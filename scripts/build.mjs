#!/usr/bin/env node
// Bundles each function under functions/<name>/handler.ts into <outdir>/<name>/index.mjs with esbuild, so each
// bundle holds only what that function imports. The policy file ships beside each bundle (FLEET_DR_POLICY
// names it: Function Compute caps environment variables at 4 KB). `--outdir DIR` (default dist) lets tests
// build beside a concurrent build without touching dist/.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`usage: npm run build [-- --outdir DIR]   (node scripts/build.mjs [--outdir DIR])

Bundles each functions/<name>/handler.ts with esbuild into <outdir>/<name>/index.mjs, with deploy/policy.yaml
beside each bundle; what s.yaml deploys (npm run deploy refuses when dist/ is missing or older than the sources).
  --outdir DIR   where to write the bundles (default dist); the directory is replaced
  --help         this text`);
  process.exit(0);
}
const root = new URL('..', import.meta.url).pathname;
const at = process.argv.indexOf('--outdir');
const outRoot = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'dist');
const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(functionsDir, e.name, 'handler.ts')))
  .map((e) => e.name);
rmSync(outRoot, { recursive: true, force: true });
for (const name of names) {
  const outdir = join(outRoot, name);
  mkdirSync(outdir, { recursive: true });
  await build({
    ...bundleOptions,
    entryPoints: [join(functionsDir, name, 'handler.ts')],
    outfile: join(outdir, 'index.mjs'),
  });
  copyFileSync(join(root, 'deploy', 'policy.yaml'), join(outdir, 'policy.yaml'));
  console.log(`built ${join(outRoot, name, 'index.mjs')}`);
}
