#!/usr/bin/env node
// `npm run preview`: `s preview` (offline: what s.yaml would deploy) with the secrets' values taken out. s.yaml
// reads each secret from the deployer's environment into the functions' environment, and `s preview` prints
// the functions' environment, values included; this prints `<redacted: NAME>` instead of each secret's value
// (the variables s.yaml's environment reads with env(), except the ones that are not secret).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run preview [-- <s preview arguments>]   (node scripts/preview.mjs)

Runs \`s preview -t s.yaml\` and prints its output with the value of every secret variable of s.yaml's function
environment replaced by <redacted: NAME>. Fails, as s preview does, on any unset variable.
  --help   this text
Output is JSON (-o json) unless -o is given. Anything else is passed to \`s preview\`.`);
  process.exit(0);
}

/** Variables of s.yaml's function environment that are not secrets. */
const NOT_SECRET = new Set(['FLEET_DR_POLICY', 'FLEET_DR_NOTIFY_FUNCTION']);

/** The secret variables: every env('NAME') s.yaml's function environment reads. */
function secretNames(sYaml = readFileSync(join(root, 's.yaml'), 'utf8')) {
  const env = parse(sYaml)?.vars?.environment ?? {};
  return Object.values(env)
    .flatMap((v) => [...String(v).matchAll(/env\('([A-Z0-9_]+)'/g)].map((m) => m[1]))
    .filter((n) => !NOT_SECRET.has(n));
}

// JSON output unless asked otherwise: YAML output may fold a long value across lines, past the redaction.
const output = args.includes('-o') || args.includes('--output') ? [] : ['-o', 'json'];
const r = spawnSync(
  join(root, 'node_modules', '.bin', 's'),
  ['preview', '-t', 's.yaml', ...output, ...args],
  {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  },
);
let out = `${r.stdout ?? ''}`;
let err = `${r.stderr ?? ''}`;
for (const name of secretNames()) {
  const value = process.env[name];
  if (!value) continue;
  // As printed and as JSON-escaped (a value with quotes or backslashes).
  for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
    out = out.split(form).join(`<redacted: ${name}>`);
    err = err.split(form).join(`<redacted: ${name}>`);
  }
}
process.stdout.write(out);
process.stderr.write(err);
process.exit(r.status ?? 1);
