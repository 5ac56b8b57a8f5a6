// The docs link only to what exists (issue 22): every relative link in a Markdown file of the repository
// points at a file or folder that is there, and no Markdown file names an absolute path on someone's machine
// (a link to `/…` or `file:`, or a path under /work, /home, /Users or /root anywhere in the text).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage']);

/** Every Markdown file of the repository, relative to its root. */
export function markdownFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || (e.name.startsWith('.') && e.isDirectory())) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...markdownFiles(p));
    else if (e.name.endsWith('.md')) out.push(relative(ROOT, p));
  }
  return out.sort();
}

/** A link of a Markdown text: its target and line. Fenced code blocks are skipped. */
export function linksIn(text: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  let fenced = false;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) fenced = !fenced;
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      out.push({ target: m[1]!, line: i + 1 });
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (def) out.push({ target: def[1]!, line: i + 1 });
  });
  return out;
}

/** Why a link is wrong, or undefined when it is fine. */
export function problemOf(file: string, target: string): string | undefined {
  if (/^(https?:|mailto:|#)/i.test(target)) return undefined;
  if (/^(file:|\/|[A-Za-z]:[\\/])/.test(target)) return `absolute local path ${target}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // another scheme (tel:, ftp:): not ours to check
  const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
  if (path === '') return undefined;
  return existsSync(join(ROOT, dirname(file), path)) ? undefined : `points at nothing: ${target}`;
}

/** Absolute paths of a machine anywhere in the text (code included: a reader would copy them). */
const LOCAL_PATH = /(?:^|[\s`'"(=])((?:\/work|\/home|\/Users|\/root)\/[^\s`'")]*)/g;

describe('Markdown links', () => {
  it('finds links and rejects the wrong ones (self-test)', () => {
    const links = linksIn(
      'see [a](docs/x.md) and `[b](nope.md)`\n```\n[c](in-code.md)\n```\n[d]: ../e.md "t"',
    );
    assert.deepEqual(
      links.map((l) => l.target),
      ['docs/x.md', '../e.md'],
    );
    assert.match(problemOf('README.md', '/work/shared/x.md') ?? '', /absolute local path/);
    assert.match(problemOf('README.md', 'file:///tmp/x') ?? '', /absolute local path/);
    assert.match(problemOf('README.md', 'docs/no-such-file.md') ?? '', /points at nothing/);
    assert.equal(problemOf('README.md', 'docs/policy.md#the-file'), undefined);
    assert.equal(problemOf('deploy/README.md', '../s.yaml'), undefined);
    assert.equal(problemOf('README.md', 'https://example.com/x'), undefined);
    assert.ok([...' `/work/shared/ref.md`'.matchAll(LOCAL_PATH)].length === 1);
  });

  it('every relative link points at something, and no file names an absolute local path', () => {
    const files = markdownFiles();
    assert.ok(files.includes('README.md') && files.includes('docs/runbook.md'), files.join(', '));
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const { target, line } of linksIn(text)) {
        const p = problemOf(file, target);
        if (p) problems.push(`${file}:${line}: ${p}`);
      }
      text.split('\n').forEach((l, i) => {
        for (const m of l.matchAll(LOCAL_PATH))
          problems.push(`${file}:${i + 1}: absolute local path ${m[1]}`);
      });
    }
    assert.deepEqual(problems, []);
  });
});
