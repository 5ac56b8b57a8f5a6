/**
 * The import boundaries of the project, as a function over a source tree, so that the test can run it on the
 * repository and on a fixture tree that breaks each rule once (test/fixtures/boundaries/tree). Imports are
 * read with the TypeScript parser: `import … from`, `import type`, `export … from`, dynamic `import('…')`,
 * `typeof import('…')` types, `import x = require('…')` and `require('…')`. A dynamic import whose specifier
 * is not a string literal cannot be checked, so inside a checked area it is reported too.
 *
 * The rules:
 * - decision-io: the decision code (shared/decision/) is pure. It may import only the files in PURE_FILES and the
 *   packages in PURE_PACKAGES. Anything else is reported: node built-ins (fs, net, http, child_process, …),
 *   the clients, the state store, notify, the sandbox, any other package. Type-only imports count too: the
 *   decision's types are its own (shared/decision/observations.ts, routing-state.ts, plan.ts), and a type import is one edit away from a value
 *   import. The allowed files are checked by the same rule, so the allow-list cannot leak I/O in through them.
 * - product-imports-sandbox: product code (shared/, functions/) never imports sandbox/, not even lazily.
 * - gateway-stand-in-imports-product-gateway: the gateway stand-in (sandbox/gateway/) routes from the Fleet's
 *   Ingresses as MSE is documented to; it never imports the product's gateway code (shared/gateway/), so a
 *   bug in the writer shows up as misrouted traffic instead of being shared by both sides.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** The decision code: everything under this folder is pure. */
const DECISION_DIR = 'shared/decision';

/**
 * Files the decision code may import, and which must be pure themselves: itself, and shared/config.ts
 * (the policy file's zod schema and types; it imports only zod — reading the file is config-loader.ts, which
 * is not allowed). Before adding a file here, check it imports nothing but these files and PURE_PACKAGES.
 */
function isPureFile(path: string): boolean {
  return isUnder(path, DECISION_DIR) || path === 'shared/config.ts';
}

/** Packages the decision code may import: zod (schemas and parsing, no I/O). */
const PURE_PACKAGES: ReadonlySet<string> = new Set(['zod']);

/** Product code: what is bundled and deployed, or shipped as the CLI. */
const PRODUCT_DIRS = ['shared', 'functions'];
const SANDBOX_DIR = 'sandbox';
const GATEWAY_STAND_IN_DIR = 'sandbox/gateway';
const PRODUCT_GATEWAY_DIR = 'shared/gateway';

/** Folders never scanned (not source, or not ours). */
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);
const SOURCE_FILE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;

export type BoundaryRule =
  | 'decision-io'
  | 'product-imports-sandbox'
  | 'gateway-stand-in-imports-product-gateway';

/** One import statement (or expression) of a file. */
export interface ImportRef {
  /** The specifier as written; undefined for a dynamic import of a computed specifier. */
  specifier: string | undefined;
  line: number;
  kind: 'import' | 'export-from' | 'dynamic' | 'import-type' | 'require';
}

/** One forbidden import. */
export interface Violation {
  rule: BoundaryRule;
  /** The importing file, relative to the root, with `/` separators. */
  file: string;
  line: number;
  specifier: string;
  /** The imported file relative to the root, or the package / built-in name. */
  target: string;
  reason: string;
}

/** True when `path` is `dir` or inside it (both relative, `/`-separated). */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Every import of one source text. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const kind = /\.(js|mjs|cjs)$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined, k: ImportRef['kind']) =>
    out.push({
      specifier: spec && ts.isStringLiteralLike(spec) ? spec.text : undefined,
      line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      kind: k,
    });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, 'import');
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier)
      add(node, node.moduleSpecifier, 'export-from');
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression, 'require');
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node, node.argument.literal, 'import-type');
    else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0], 'dynamic');
      else if (
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'require' &&
        node.arguments.length === 1 &&
        ts.isStringLiteralLike(node.arguments[0]!)
      )
        add(node, node.arguments[0], 'require');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every source file under `root` (relative, `/`-separated, sorted). */
export function sourceFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : walk(join(dir, e.name));
      return SOURCE_FILE.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [];
    });
  return walk(root)
    .map((f) => relative(root, f).split(sep).join('/'))
    .sort();
}

/** What an import points at: a file of the tree (relative path), a node built-in, or a package. */
type Target =
  | { type: 'file'; path: string }
  | { type: 'builtin'; name: string }
  | { type: 'package'; name: string };

function resolve(from: string, specifier: string, files: ReadonlySet<string>): Target {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const base = specifier.startsWith('/')
      ? specifier.slice(1)
      : posix.normalize(posix.join(posix.dirname(from), specifier));
    const stem = base.replace(/\.(m|c)?js$/, '');
    const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.tsx`, `${base}/index.ts`, `${base}.js`];
    return { type: 'file', path: candidates.find((c) => files.has(c)) ?? base };
  }
  if (specifier.startsWith('node:') || isBuiltin(specifier)) return { type: 'builtin', name: specifier };
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  return { type: 'package', name };
}

function describeTarget(t: Target): string {
  return t.type === 'file' ? t.path : t.type === 'builtin' ? `built-in ${t.name}` : `package ${t.name}`;
}

/** The rule that applies to imports made by `file`, if any (a file is in at most one area). */
function checkOne(file: string, t: Target): { rule: BoundaryRule; reason: string } | undefined {
  if (isPureFile(file)) {
    if (t.type === 'file' && isPureFile(t.path)) return undefined;
    if (t.type === 'package' && PURE_PACKAGES.has(t.name)) return undefined;
    const what =
      t.type === 'builtin'
        ? 'a node built-in (I/O)'
        : t.type === 'package'
          ? 'a package not on the pure allow-list'
          : 'a file outside the pure allow-list';
    return { rule: 'decision-io', reason: `the decision code is pure; ${describeTarget(t)} is ${what}` };
  }
  if (PRODUCT_DIRS.some((d) => isUnder(file, d)) && t.type === 'file' && isUnder(t.path, SANDBOX_DIR))
    return {
      rule: 'product-imports-sandbox',
      reason: `product code never imports the sandbox (${t.path})`,
    };
  if (isUnder(file, GATEWAY_STAND_IN_DIR) && t.type === 'file' && isUnder(t.path, PRODUCT_GATEWAY_DIR))
    return {
      rule: 'gateway-stand-in-imports-product-gateway',
      reason: `the gateway stand-in never imports the product's gateway code (${t.path})`,
    };
  return undefined;
}

/** The rule whose area `file` is in (for a computed dynamic import, which cannot be resolved). */
function areaOf(file: string): BoundaryRule | undefined {
  if (isPureFile(file)) return 'decision-io';
  if (PRODUCT_DIRS.some((d) => isUnder(file, d))) return 'product-imports-sandbox';
  if (isUnder(file, GATEWAY_STAND_IN_DIR)) return 'gateway-stand-in-imports-product-gateway';
  return undefined;
}

/** Checks every source file under `root` and returns each forbidden import (none: the boundaries hold). */
export function checkImportBoundaries(root: string): Violation[] {
  const files = sourceFiles(root);
  const known = new Set(files);
  const out: Violation[] = [];
  for (const file of files) {
    const area = areaOf(file);
    if (!area) continue;
    for (const ref of importsOf(file, readFileSync(join(root, file), 'utf8'))) {
      if (ref.specifier === undefined) {
        out.push({
          rule: area,
          file,
          line: ref.line,
          specifier: '(computed)',
          target: '(unknown)',
          reason: 'a dynamic import of a computed specifier cannot be checked; import a string literal',
        });
        continue;
      }
      const t = resolve(file, ref.specifier, known);
      const bad = checkOne(file, t);
      if (bad)
        out.push({ ...bad, file, line: ref.line, specifier: ref.specifier, target: describeTarget(t) });
    }
  }
  return out;
}

/** One line per violation, for an assertion message. */
export function formatViolations(vs: Violation[]): string {
  return vs.map((v) => `${v.file}:${v.line}: [${v.rule}] '${v.specifier}': ${v.reason}`).join('\n');
}
