#!/usr/bin/env node
// `npm run deploy`: `s deploy`, but only when the bundles in dist/ are there and newer than every source they
// are built from (functions/, shared/, deploy/policy.yaml, package-lock.json): s.yaml deploys dist/<function>,
// so a forgotten `npm run build` would deploy old code, or nothing. Arguments after `--` go to `s deploy`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run deploy [-- options] [-- <s deploy arguments>]   (node scripts/deploy.mjs)

Checks that dist/ holds a bundle for every function and that each is newer than the sources, then runs
\`s deploy\` (Serverless Devs, reads s.yaml). Refuses (exit 1) and says what to do otherwise: npm run build.
  --check        only check dist/, do not deploy
  --dist DIR     the bundles' directory (default dist)
  --help         this text
Anything else is passed to \`s deploy\` (e.g. -a <alias>, -y).`);
  process.exit(0);
}

const at = args.indexOf('--dist');
const dist = at >= 0 && args[at + 1] ? resolve(args[at + 1]) : join(root, 'dist');
const checkOnly = args.includes('--check');
const sArgs = args.filter((a, i) => a !== '--check' && a !== '--dist' && i !== at + 1 && a !== '--');

/** The newest file under a path (ignoring test and README files, which are not bundled). */
function newest(path) {
  if (!existsSync(path)) return { mtime: 0, file: path };
  const st = statSync(path);
  if (!st.isDirectory()) return { mtime: st.mtimeMs, file: path };
  let best = { mtime: 0, file: path };
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.endsWith('.md')) continue;
    const n = newest(join(path, e.name));
    if (n.mtime > best.mtime) best = n;
  }
  return best;
}

const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(functionsDir, e.name, 'handler.ts')))
  .map((e) => e.name);
const source = [
  newest(functionsDir),
  newest(join(root, 'shared')),
  newest(join(root, 'deploy', 'policy.yaml')),
  newest(join(root, 'package-lock.json')),
].reduce((a, b) => (b.mtime > a.mtime ? b : a));

const problems = [];
for (const name of names) {
  const bundle = join(dist, name, 'index.mjs');
  if (!existsSync(bundle)) problems.push(`${relative(root, bundle) || bundle} is missing`);
  else if (statSync(bundle).mtimeMs < source.mtime)
    problems.push(`${relative(root, bundle)} is older than ${relative(root, source.file)}`);
}
if (problems.length > 0) {
  console.error(
    `npm run deploy: refusing to deploy stale or missing bundles:\n${problems.map((p) => `  ${p}`).join('\n')}\nrun \`npm run build\` first`,
  );
  process.exit(1);
}
console.error(
  `npm run deploy: ${names.length} bundles in ${relative(root, dist) || dist} are newer than the sources`,
);
if (checkOnly) process.exit(0);
const r = spawnSync(join(root, 'node_modules', '.bin', 's'), ['deploy', '-t', 's.yaml', ...sArgs], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
