// The README's layout table matches the tree (issue 25): every path it names exists, and every folder a
// newcomer opens first (each folder under shared/ and sandbox/, and each top-level folder) has a row.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The code spans of the first column of the README's "Layout:" table. */
export function layoutPaths(readme: string): string[] {
  const start = readme.indexOf('\nLayout:');
  assert.ok(start >= 0, 'the README has a "Layout:" table');
  const lines = readme.slice(start).split('\n').slice(2);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('|'));
  const rows = lines.slice(first, end);
  return rows.slice(2).flatMap((r) => [...(r.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

/** A table path as a file-system path: `<name>` and `<source>` stand for any one entry. */
const concrete = (p: string) => p.replace(/\/$/, '').split('/');

function exists(parts: string[], dir = ROOT): boolean {
  const [head, ...rest] = parts;
  if (head === undefined) return true;
  if (/^<.+>/.test(head)) {
    const suffix = head.replace(/^<[^>]+>/, '');
    return readdirSync(dir, { withFileTypes: true }).some(
      (e) => e.name.endsWith(suffix) && exists(rest, join(dir, e.name)),
    );
  }
  return existsSync(join(dir, head)) && exists(rest, join(dir, head));
}

const folders = (dir: string) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${dir}/${e.name}/`);

describe("the README's layout table", () => {
  const paths = layoutPaths(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  it('names only paths that exist', () => {
    assert.ok(paths.length > 10, `read the table: ${paths.join(', ')}`);
    const missing = paths.filter((p) => !exists(concrete(p)));
    assert.deepEqual(missing, [], 'rows for paths that are not in the tree');
  });

  it('has a row for every folder under shared/ and sandbox/, and every top-level folder', () => {
    const named = paths.map((p) => (p.endsWith('/') ? p : `${p}/`));
    const top = ['bench', 'deploy', 'docs', 'events', 'functions', 'sandbox', 'scripts', 'test'];
    const wanted = [...top.map((t) => `${t}/`), ...folders('shared'), ...folders('sandbox')];
    // A row names the folder itself, or something inside it.
    const covered = (folder: string) => named.some((n) => n.startsWith(folder));
    const missing = wanted.filter((f) => !covered(f));
    assert.deepEqual(missing, [], 'folders without a row in the layout table');
  });
});
