#!/usr/bin/env node
// Mutation testing of the product's core folders, repeatable and on this machine: `npm run mutation`.
//
// What it does, in order:
//  1. copies the working tree (node_modules linked, .git left out) into a temp directory, and that copy into
//     one more per worker: the shared working tree is never mutated; every copy is removed on exit, Ctrl-C
//     included (--keep leaves them);
//  2. generates the mutants of each folder's files from their TypeScript syntax tree (operators below) and
//     compiles them all into the copies at once, each behind a switch (mutant schemata, as Stryker does);
//  3. runs each folder's fast unit and contract tests once with every switch off (the baseline: a test that
//     fails there is ignored for that folder, and said so), recording which test files reach which mutant;
//  4. runs the mutants in a small harness that stands in for node:test (describe/it/before/after/beforeEach,
//     all these tests use), so a process loads the code and the tests once and runs up to 80 mutants: each
//     runs only the test files that reach it, fastest first, and stops at the first test that fails
//     (killed); one that runs far past the baseline's time is stopped (timeout) and the process restarted.
//     A mutant reached while the modules load (a schema default, a module constant) gets a process of its
//     own, with the switch on from the start; a mutant no test reaches survives without a run;
//  5. prints the score per folder, (killed + timeout) / (killed + timeout + survived), as a table or JSON,
//     and every survivor. Equivalent mutants (listed below, each with why) are not run and not counted.
//
// Not filtered by a type checker (Stryker's TypeScript checker): checking each mutant with the language
// service took seconds a mutant here. A mutant that would not compile but runs counts like any other.
//
// Operators: equality and relational operators (=== !==, < <= > >=), logical operators (&& || ??), arithmetic
// (+ - * / %) on numbers, assignment operators (+= -=), ++ and --, unary minus and `!`, boolean literals,
// conditions forced to true or false (if, ?:, loops), non-empty blocks emptied, and a few methods (some/every,
// Math.min/max, filter dropped, startsWith/endsWith). Strings, regexes and the words of messages (template
// literals, log calls) are not mutated: the score is about behaviour, not wording.
//
// Options: --folder NAME[,NAME] (policy, state, gateway, http-edge, notify), --workers N (default 2),
// --json (print JSON instead of the table), --out FILE (also write the JSON there), --list (print the mutants
// and stop), --sample N (a fixed sample of N mutants per folder, for a quick try), --match TEXT (only mutants
// whose file:line or mutator contains TEXT), --keep (leave the temp copies, to debug the harness).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

// ---------------------------------------------------------------------------------------------------------
// The folders, their goals and the tests that guard them (fast unit and contract tests only: no test/e2e,
// and not the 50-process race, which takes minutes). Each inner array is one Node process; groups run in
// order, so the fast unit tests come first and most mutants die before a stand-in starts.
// ---------------------------------------------------------------------------------------------------------
const FOLDERS = [
  {
    name: 'policy',
    path: 'shared/decision',
    goal: 90,
    files: (f) => f.startsWith('shared/decision/') && f !== 'shared/decision/index.ts',
    // The property tests (fast-check, 1,000 runs of whole decision sequences) take seconds a run: left out.
    tests: [
      'test/decision/*.test.ts',
      '!test/decision/properties.test.ts',
      '!test/decision/alarm-path-equivalence.test.ts',
    ],
  },
  {
    name: 'state',
    path: 'shared/state',
    goal: 90,
    files: (f) => f.startsWith('shared/state/'),
    tests: [
      'test/state/routing-revision.contract.test.ts',
      'test/state/stores.contract.test.ts',
      'test/state/*.test.ts',
      '!test/state/race.contract.test.ts',
    ],
  },
  {
    name: 'gateway',
    path: 'shared/gateway',
    goal: 80,
    files: (f) => f.startsWith('shared/gateway/'),
    tests: [
      'test/clients/pure.test.ts',
      'test/gateway/*.test.ts',
      'test/state/routing-revision.contract.test.ts',
    ],
  },
  {
    name: 'http-edge',
    path: 'shared/runtime/http-edge.ts',
    goal: 80,
    files: (f) => f === 'shared/runtime/http-edge.ts',
    tests: [
      'test/execute/empty-token.test.ts',
      'test/execute/http-edge-view.test.ts',
      'test/schemas/http-body-bounds.test.ts',
      'test/execute/http-edge.test.ts',
      'test/execute/handler-shell.test.ts',
    ],
  },
  {
    name: 'notify',
    path: 'shared/notify',
    goal: 80,
    files: (f) => f.startsWith('shared/notify/'),
    tests: ['test/notify/*.test.ts', '!test/notify/notify-clock.test.ts'],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Equivalent mutants: the change cannot be observed from outside, so no test can kill it. Each is matched by
// file, mutator, the replacement and a piece of the line it is on, and says why.
// ---------------------------------------------------------------------------------------------------------
const EQUIVALENT = [
  {
    file: 'shared/state/nonce-store.ts',
    mutator: 'BooleanLiteral',
    replacement: 'true',
    line: 'let fresh = false;',
    why: 'commit() always runs the change at least once (or throws), and the change assigns `fresh` first',
  },
  {
    file: 'shared/decision/assess.ts',
    mutator: 'EqualityOperator',
    replacement: '>=',
    original: '>',
    line: 'return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));',
    why: 'the names are the keys of a Map, so the comparator never sees two equal names',
  },
  {
    file: 'shared/gateway/weight-writer.ts',
    mutator: 'LogicalOperator',
    replacement: '||',
    line: 'return Number.isInteger(have) && Number.isInteger(want) && have > want;',
    nth: 1, // the first `&&` of the line (the inner node, visited second)
    why: '`have > want` is false when either is NaN, and revisions are written as integers',
  },
  {
    file: 'shared/notify/outbox.ts',
    mutator: 'BooleanLiteral',
    replacement: 'true',
    line: "let out = { id: '', coalesced: false, duplicate: false };",
    why: 'every path of the change assigns `out` before enqueue returns it',
  },
  {
    file: 'shared/runtime/http-edge.ts',
    mutator: 'BlockStatement',
    replacement: '{}',
    line: '} catch {',
    why: 'an emptied catch leaves `value` undefined, and the next line answers undefined for that too',
  },
  {
    file: 'shared/gateway/weight-writer.ts',
    mutator: 'EqualityOperator',
    replacement: '>=',
    line: 'return Number.isInteger(have) && Number.isInteger(want) && have > want;',
    why: 'an equal revision is the same commit, so the canary it would write is the one already there',
  },
];

// ---------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run mutation [-- options]   (node scripts/mutation.mjs [options])

Mutation testing of shared/decision, shared/state, shared/gateway, shared/runtime/http-edge.ts and shared/notify
over a temp copy of the working tree (never the tree itself); prints the score per folder.
  --folder NAME[,NAME]  only these folders: ${FOLDERS.map((f) => f.name).join(', ')}
  --workers N           test processes at once (default 2, at most 4)
  --json                print JSON instead of the table
  --out FILE            also write the JSON to FILE
  --list                print the mutants and stop
  --sample N            a fixed sample of N mutants per folder, for a quick try
  --match TEXT          only mutants whose file:line or mutator contains TEXT
  --keep                leave the temp copies, to debug the harness
  --help                this text`);
  process.exit(0);
}
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const flag = (name) => args.includes(name);
const onlyFolders = opt('--folder')?.split(',');
const workersWanted = Math.max(1, Math.min(4, Number(opt('--workers') ?? 2)));
const asJson = flag('--json');
const match = opt('--match');
/** Mutants per test process (a timeout restarts the process with the rest). */
const BATCH = 80;
const folders = FOLDERS.filter((f) => !onlyFolders || onlyFolders.includes(f.name));
if (folders.length === 0) {
  console.error(
    `no such folder: ${onlyFolders?.join(', ')}; folders: ${FOLDERS.map((f) => f.name).join(', ')}`,
  );
  process.exit(2);
}
const say = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------------------
// Mutant generation
// ---------------------------------------------------------------------------------------------------------
const K = ts.SyntaxKind;
const BINARY = new Map([
  [K.EqualsEqualsEqualsToken, ['!==']],
  [K.ExclamationEqualsEqualsToken, ['===']],
  [K.EqualsEqualsToken, ['!=']],
  [K.ExclamationEqualsToken, ['==']],
  [K.LessThanToken, ['<=', '>=']],
  [K.LessThanEqualsToken, ['<', '>']],
  [K.GreaterThanToken, ['>=', '<=']],
  [K.GreaterThanEqualsToken, ['>', '<']],
  [K.AmpersandAmpersandToken, ['||']],
  [K.BarBarToken, ['&&']],
  [K.QuestionQuestionToken, ['&&']],
  [K.PlusToken, ['-']],
  [K.MinusToken, ['+']],
  [K.AsteriskToken, ['/']],
  [K.SlashToken, ['*']],
  [K.PercentToken, ['*']],
  [K.PlusEqualsToken, ['-=']],
  [K.MinusEqualsToken, ['+=']],
]);
const METHODS = new Map([
  ['some', 'every'],
  ['every', 'some'],
  ['startsWith', 'endsWith'],
  ['endsWith', 'startsWith'],
  ['min', 'max'],
  ['max', 'min'],
]);
const isLogCall = (n) =>
  ts.isCallExpression(n) &&
  /(^|\.)(log|logger)\.(info|warn|error|debug)$/.test(n.expression.getText()) &&
  true;
const isNumberish = (n) => {
  // + and - only where no operand is a string: literals, templates, or `String(...)`.
  const stringy = (x) =>
    ts.isStringLiteral(x) ||
    ts.isNoSubstitutionTemplateLiteral(x) ||
    ts.isTemplateExpression(x) ||
    (ts.isCallExpression(x) && x.expression.getText() === 'String') ||
    (ts.isBinaryExpression(x) &&
      x.operatorToken.kind === K.PlusToken &&
      (stringy(x.left) || stringy(x.right)));
  return !stringy(n.left) && !stringy(n.right);
};

function generate(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out = [];
  const lines = text.split('\n');
  const add = (node, start, end, replacement, mutator) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(start);
    out.push({
      node,
      file,
      start,
      end,
      replacement,
      original: text.slice(start, end),
      mutator,
      line: line + 1,
      col: character + 1,
      lineText: lines[line].trim(),
    });
  };
  const visit = (node) => {
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isTemplateExpression(node) || isLogCall(node)) return; // the words of messages and logs
    if (ts.isBinaryExpression(node)) {
      const alts = BINARY.get(node.operatorToken.kind);
      const op = node.operatorToken;
      const arith = [K.PlusToken, K.MinusToken, K.PlusEqualsToken, K.MinusEqualsToken].includes(op.kind);
      if (alts && (!arith || isNumberish(node))) {
        const mutator = [K.AmpersandAmpersandToken, K.BarBarToken, K.QuestionQuestionToken].includes(op.kind)
          ? 'LogicalOperator'
          : [K.PlusEqualsToken, K.MinusEqualsToken].includes(op.kind)
            ? 'AssignmentOperator'
            : [K.PlusToken, K.MinusToken, K.AsteriskToken, K.SlashToken, K.PercentToken].includes(op.kind)
              ? 'ArithmeticOperator'
              : 'EqualityOperator';
        for (const a of alts) add(node, op.getStart(sf), op.getEnd(), a, mutator);
      }
    }
    if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) {
      const s = node.getStart(sf);
      if (node.operator === K.PlusPlusToken || node.operator === K.MinusMinusToken) {
        const to = node.operator === K.PlusPlusToken ? '--' : '++';
        const opStart = ts.isPrefixUnaryExpression(node) ? s : node.operand.getEnd();
        add(node, opStart, opStart + 2, to, 'UpdateOperator');
      } else if (ts.isPrefixUnaryExpression(node) && node.operator === K.ExclamationToken) {
        add(node, s, s + 1, '', 'BooleanLiteral');
      } else if (
        ts.isPrefixUnaryExpression(node) &&
        node.operator === K.MinusToken &&
        !ts.isNumericLiteral(node.operand)
      ) {
        add(node, s, s + 1, '', 'UnaryOperator');
      }
    }
    if (node.kind === K.TrueKeyword || node.kind === K.FalseKeyword) {
      add(
        node,
        node.getStart(sf),
        node.getEnd(),
        node.kind === K.TrueKeyword ? 'false' : 'true',
        'BooleanLiteral',
      );
    }
    const cond = (expr, values) => {
      if (!expr || expr.kind === K.TrueKeyword || expr.kind === K.FalseKeyword) return;
      for (const v of values) add(expr, expr.getStart(sf), expr.getEnd(), v, 'ConditionalExpression');
    };
    if (ts.isIfStatement(node)) cond(node.expression, ['true', 'false']);
    if (ts.isConditionalExpression(node)) cond(node.condition, ['true', 'false']);
    if (ts.isWhileStatement(node) || ts.isDoStatement(node)) cond(node.expression, ['false']);
    if (ts.isForStatement(node)) cond(node.condition, ['false']);
    if (ts.isBlock(node) && node.statements.length > 0 && !ts.isFunctionLike(node.parent)) {
      const p = node.parent;
      if (!ts.isTryStatement(p) || p.tryBlock !== node)
        add(node, node.getStart(sf), node.getEnd(), '{}', 'BlockStatement');
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const pa = node.expression;
      const name = pa.name.text;
      const alt = METHODS.get(name);
      const isMath = pa.expression.getText() === 'Math';
      if (alt && ((name !== 'min' && name !== 'max') || isMath))
        add(node, pa.name.getStart(sf), pa.name.getEnd(), alt, 'MethodExpression');
      if (name === 'filter' && !isMath)
        add(node, node.getStart(sf), node.getEnd(), pa.expression.getText(sf), 'MethodExpression');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { sf, mutants: out };
}

const isEquivalent = (m) =>
  EQUIVALENT.find(
    (e) =>
      e.file === m.file &&
      e.mutator === m.mutator &&
      e.replacement === m.replacement &&
      m.lineText.includes(e.line) &&
      (e.original === undefined || e.original === m.original) &&
      (e.nth === undefined || e.nth === m.nth),
  );

// ---------------------------------------------------------------------------------------------------------
// Mutant schemata: every mutant of a file compiled into it at once, each behind a switch, so one test process
// loads the code once and runs many mutants (`__fdrM(id)` is true only for the active mutant; it also records
// which mutants a test file reaches, for the coverage that picks the test files each mutant needs).
// ---------------------------------------------------------------------------------------------------------
const SCHEMA_PRELUDE =
  'const __fdrM = (id) => { const c = globalThis.__fdrCov; if (c) c.add(id); return globalThis.__fdrMutant === id; };\n';

function schemata(text, sf, mutants) {
  const byNode = new Map();
  for (const m of mutants) {
    if (!byNode.has(m.node)) byNode.set(m.node, []);
    byNode.get(m.node).push(m);
  }
  // Only nodes with a mutant at or below them need rewriting.
  const hot = new Set();
  for (const n of byNode.keys()) for (let p = n; p && !hot.has(p); p = p.parent) hot.add(p);
  const emit = (node) => {
    const start = node === sf ? 0 : node.getStart(sf);
    const end = node.getEnd();
    if (!hot.has(node)) return text.slice(start, end);
    const kids = [];
    ts.forEachChild(node, (c) => {
      kids.push(c);
    });
    kids.sort((a, b) => a.getStart(sf) - b.getStart(sf));
    let base = '';
    let at = start;
    for (const c of kids) {
      const cs = c.getStart(sf);
      if (cs < at) continue;
      base += text.slice(at, cs) + emit(c);
      at = c.getEnd();
    }
    base += text.slice(at, end);
    const ms = byNode.get(node);
    if (!ms) return base;
    const span = (n) => text.slice(n.getStart(sf), n.getEnd());
    // A swapped binary operator gets parenthesised operands: `a ?? b ?? c` -> `(a ?? b) && (c)`, never `a ?? b && c`.
    const raw = (m) =>
      ts.isBinaryExpression(node) && m.start === node.operatorToken.getStart(sf)
        ? `(${span(node.left)}) ${m.replacement} (${span(node.right)})`
        : text.slice(start, m.start) + m.replacement + text.slice(m.end, end);
    if (ts.isBlock(node)) {
      let out = base;
      for (const m of ms) out = `{ if (__fdrM(${m.id})) ${raw(m)} else ${out} }`;
      return out;
    }
    let out = `(${base})`;
    for (const m of ms) out = `(__fdrM(${m.id}) ? (${raw(m)}) : ${out})`;
    return out;
  };
  return SCHEMA_PRELUDE + emit(sf);
}

// ---------------------------------------------------------------------------------------------------------
// The test harness that runs in the temp copy: a stand-in for node:test (describe, it, before, after,
// beforeEach, afterEach: all the tests use), so the tests of a folder are loaded once and run once per mutant.
// The test files of the copy import it instead of node:test.
// ---------------------------------------------------------------------------------------------------------
const NODE_TEST_SHIM = `
const suite = (name, file, skip = false) => ({ kind: 'suite', name, file, skip, children: [], before: [], after: [], beforeEach: [], afterEach: [] });
export const files = [];
let current = null;
export function enterFile(file) { const s = suite(file, file); files.push(s); current = s; }
const parse = (a, b, c) =>
  typeof a === 'function' ? { name: a.name || 'anonymous', fn: a, opts: {} }
  : typeof b === 'function' ? { name: a, fn: b, opts: {} }
  : { name: a, fn: c, opts: b ?? {} };
export function describe(a, b, c) {
  const { name, fn, opts } = parse(a, b, c);
  const s = suite(name, current.file, !!opts.skip);
  current.children.push(s);
  const prev = current;
  current = s;
  try { fn?.(); } finally { current = prev; }
}
export function it(a, b, c) {
  const { name, fn, opts } = parse(a, b, c);
  current.children.push({ kind: 'test', name, fn, skip: !!(opts.skip || opts.todo) });
}
describe.skip = (a, b, c) => describe(a, { skip: true }, typeof b === 'function' ? b : c);
it.skip = (a, b, c) => it(a, { skip: true }, typeof b === 'function' ? b : c);
it.todo = it.skip;
export const test = it;
export { describe as suite };
export const before = (fn) => current.before.push(fn);
export const after = (fn) => current.after.push(fn);
export const beforeEach = (fn) => current.beforeEach.push(fn);
export const afterEach = (fn) => current.afterEach.push(fn);
export default { describe, it, test, suite: describe, before, after, beforeEach, afterEach };
`;

const HARNESS = `
import { readFileSync } from 'node:fs';
import { enterFile, files } from './node-test.mjs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = (s) => process.stdout.write(s + '\\n');
const staticHits = new Set();
globalThis.__fdrMutant = Number(process.env.FDR_MUTANT ?? 0);
globalThis.__fdrCov = cfg.coverage ? staticHits : null;
for (const f of cfg.files) {
  enterFile(f);
  await import(f);
}
// Asynchronous errors of a mutated run (a rejected promise nobody awaited) fail that run, not the process.
let asyncErrors = [];
process.on('unhandledRejection', (e) => asyncErrors.push(String(e?.stack ?? e).split('\\n')[0]));
process.on('uncaughtException', (e) => asyncErrors.push(String(e?.stack ?? e).split('\\n')[0]));
const ignore = new Set(cfg.ignore ?? []);
async function runSuite(s, path, bes, aes, st) {
  if (s.skip) return;
  const myBes = [...bes, ...s.beforeEach];
  const myAes = [...s.afterEach, ...aes];
  const fail = (name, e) => {
    const key = [...path, name].join(' > ');
    st.failures.push(key);
    if (!ignore.has(key) && !st.first) st.first = key + ': ' + String(e?.message ?? e).split('\\n')[0].slice(0, 200);
  };
  try {
    for (const h of s.before) await h();
    for (const c of s.children) {
      if (st.first && st.bail) break;
      if (c.kind === 'suite') {
        await runSuite(c, [...path, c.name], myBes, myAes, st);
        continue;
      }
      if (c.skip) continue;
      try {
        for (const h of myBes) await h();
        await c.fn({ name: c.name });
        st.passes++;
      } catch (e) {
        fail(c.name, e);
      } finally {
        try {
          for (const h of myAes) await h();
        } catch (e) {
          fail(c.name + ' (afterEach)', e);
        }
      }
    }
  } catch (e) {
    fail('(before)', e);
  } finally {
    for (const h of s.after) {
      try {
        await h();
      } catch (e) {
        fail('(after)', e);
      }
    }
  }
}
out('@@loaded ' + JSON.stringify([...staticHits]));
for (const run of cfg.runs) {
  globalThis.__fdrMutant = run.id;
  asyncErrors = [];
  const st = { failures: [], first: null, passes: 0, bail: !!cfg.bail };
  const coverage = {};
  const times = {};
  out('@@start ' + run.id);
  for (const s of files) {
    if (run.files && !run.files.includes(s.file)) continue;
    if (st.first && st.bail) break;
    const hits = new Set();
    if (cfg.coverage) globalThis.__fdrCov = hits;
    const t = Date.now();
    await runSuite(s, [s.file.replace(/^.*?\\/test\\//, 'test/')], [], [], st);
    times[s.file] = Date.now() - t;
    coverage[s.file] = [...hits];
    globalThis.__fdrCov = null;
  }
  await new Promise((r) => setTimeout(r, 10));
  for (const e of asyncErrors) {
    const key = '(asynchronous error)';
    st.failures.push(key);
    if (!ignore.has(key) && !st.first) st.first = key + ': ' + e.slice(0, 200);
  }
  out('@@done ' + JSON.stringify({ id: run.id, first: st.first, failures: st.failures, passes: st.passes, coverage: cfg.coverage ? coverage : undefined, times }));
}
globalThis.__fdrMutant = 0;
process.exit(0);
`;

// ---------------------------------------------------------------------------------------------------------
// Temp copies, always removed
// ---------------------------------------------------------------------------------------------------------
const copies = [];
const running = new Set();
function cleanup() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
  if (flag('--keep')) return; // for debugging the harness: the copies stay
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    process.stderr.write(`\nmutation: ${sig}: stopping, removing the temp copies\n`);
    cleanup();
    process.exit(130);
  });

const SKIP_TOP = new Set(['node_modules', '.git', 'dist', 'coverage', '.mutation']);
function makeCopy(from) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-mutation-'));
  copies.push(dir);
  for (const e of readdirSync(from)) {
    if (SKIP_TOP.has(e)) continue;
    cpSync(join(from, e), join(dir, e), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const walk = (base, dir) =>
  readdirSync(join(base, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(base, `${dir}/${e.name}`) : [`${dir}/${e.name}`],
  );
const globToRe = (g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
function expandTests(patterns, testFiles) {
  const inc = patterns.filter((p) => !p.startsWith('!')).map(globToRe);
  const exc = patterns.filter((p) => p.startsWith('!')).map((p) => globToRe(p.slice(1)));
  const out = [];
  for (const re of inc)
    for (const f of testFiles.filter((x) => re.test(x)).sort())
      if (!exc.some((e) => e.test(f)) && !out.includes(f)) out.push(f);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Running the harness
// ---------------------------------------------------------------------------------------------------------
let configN = 0;
/**
 * One harness process in `dir`: loads `files`, then does `runs` in order. Calls `onDone(result)` per run.
 * Resolves when the process ends: `{ crashed, timedOut, current }` (the run it was in when it ended).
 */
function harness(dir, { files, runs, ignore = [], bail = true, coverage = false, env = {}, timeoutFor }) {
  const cfgFile = join(dir, '.mutation', `run-${process.pid}-${++configN}.json`);
  writeFileSync(
    cfgFile,
    JSON.stringify({ files: files.map((f) => join(dir, f)), runs, ignore, bail, coverage }),
  );
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(dir, '.mutation', 'harness.mjs'), cfgFile],
      {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FLEET_DR_LOG: 'off', FORCE_COLOR: '0', ...env },
      },
    );
    running.add(child);
    const results = [];
    let loaded = null;
    let current = null;
    let timer;
    let timedOut = false;
    let stderr = '';
    let rest = '';
    const arm = (ms) => {
      clearTimeout(timer);
      if (ms > 0)
        timer = setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // gone
          }
        }, ms);
    };
    arm(timeoutFor?.(null) ?? 0);
    child.stdout.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        if (l.startsWith('@@loaded ')) loaded = JSON.parse(l.slice(9));
        else if (l.startsWith('@@start ')) {
          current = Number(l.slice(8));
          arm(timeoutFor?.(current) ?? 0);
        } else if (l.startsWith('@@done ')) {
          const r = JSON.parse(l.slice(7));
          results.push(r);
          current = null;
          arm(0);
        }
      }
    });
    child.stderr.on('data', (c) => {
      if (stderr.length < 8000) stderr += c.toString('utf8');
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      rmSync(cfgFile, { force: true });
      resolve({ results, loaded, current, timedOut, crashed: code !== 0 && !timedOut, code, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------
const t0 = Date.now();
const elapsed = () => `${Math.round((Date.now() - t0) / 1000)} s`;
const snapshot = makeCopy(root);
say(`mutation: a snapshot of the working tree in ${snapshot} (the working tree itself is never mutated)`);
const sourceFiles = walk(snapshot, 'shared').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const testFiles = walk(snapshot, 'test').filter((f) => f.endsWith('.test.ts'));

// Generate
let nextId = 1;
const byFile = new Map();
const all = [];
for (const folder of folders) {
  folder.testFiles = expandTests(folder.tests, testFiles);
  folder.mutants = [];
  for (const f of sourceFiles.filter(folder.files).sort()) {
    const text = readFileSync(join(snapshot, f), 'utf8');
    const { sf, mutants } = generate(f, text);
    const seen = new Map();
    for (const m of mutants) {
      const k = `${m.lineText}\0${m.mutator}\0${m.original}\0${m.replacement}`;
      m.nth = seen.get(k) ?? 0;
      seen.set(k, m.nth + 1);
      m.id = nextId++;
      m.folder = folder.name;
      const eq = isEquivalent(m);
      if (eq) m.equivalent = eq.why;
    }
    byFile.set(f, { text, sf, mutants });
    folder.mutants.push(...mutants);
  }
  folder.generated = folder.mutants.length;
  let chosen = folder.mutants;
  if (match) chosen = chosen.filter((m) => `${m.file}:${m.line} ${m.mutator}`.includes(match));
  const size = opt('--sample') ? Number(opt('--sample')) : Infinity;
  if (chosen.length > size) {
    const key = (m) =>
      createHash('sha1')
        .update(`${m.file}\0${m.lineText}\0${m.mutator}\0${m.original}\0${m.replacement}\0${m.nth}`)
        .digest('hex');
    const picked = new Set(
      chosen
        .map((m) => ({ m, k: key(m) }))
        .sort((a, b) => (a.k < b.k ? -1 : 1))
        .slice(0, size)
        .map((x) => x.m),
    );
    chosen = chosen.filter((m) => picked.has(m));
  }
  folder.mutants = chosen;
  all.push(...chosen);
}
const describeMutant = (m) =>
  `${m.file}:${m.line}:${m.col} ${m.mutator} ${JSON.stringify(m.original)} -> ${JSON.stringify(m.replacement)}   | ${m.lineText.slice(0, 100)}`;

if (flag('--list')) {
  for (const m of all) console.log(`${m.equivalent ? '(equivalent) ' : ''}${describeMutant(m)}`);
  for (const f of folders)
    console.log(`${f.name}: ${f.mutants.length} of ${f.generated} mutants; tests: ${f.testFiles.join(' ')}`);
  process.exit(0);
}

// The schemata and the harness go into the snapshot; the test files import the harness's node:test.
mkdirSync(join(snapshot, '.mutation'), { recursive: true });
writeFileSync(join(snapshot, '.mutation', 'node-test.mjs'), NODE_TEST_SHIM);
writeFileSync(join(snapshot, '.mutation', 'harness.mjs'), HARNESS);
for (const f of walk(snapshot, 'test').filter((x) => x.endsWith('.ts'))) {
  const p = join(snapshot, f);
  const text = readFileSync(p, 'utf8');
  if (text.includes("'node:test'"))
    writeFileSync(
      p,
      text.replaceAll(
        "from 'node:test'",
        `from ${JSON.stringify(join(snapshot, '.mutation', 'node-test.mjs'))}`,
      ),
    );
}
const active = new Set(all.map((m) => m.id));
for (const [f, { text, sf, mutants }] of byFile) {
  const ms = mutants.filter((m) => active.has(m.id) && !m.equivalent);
  if (ms.length > 0) writeFileSync(join(snapshot, f), schemata(text, sf, ms));
}
const workers = [snapshot];
for (let i = 1; i < workersWanted; i++) {
  const w = makeCopy(snapshot);
  cpSync(join(snapshot, '.mutation'), join(w, '.mutation'), { recursive: true });
  // The test files import the harness by absolute path: point them at this copy's.
  for (const f of walk(w, 'test').filter((x) => x.endsWith('.ts'))) {
    const p = join(w, f);
    const text = readFileSync(p, 'utf8');
    if (text.includes(snapshot)) writeFileSync(p, text.replaceAll(snapshot, w));
  }
  workers.push(w);
}
say(`mutation: ${all.length} mutants in ${byFile.size} files, ${workers.length} worker(s) (${elapsed()})`);

// Per folder: baseline with coverage, then the mutants (the ones a test file reaches) on the workers.
for (const folder of folders) {
  const mutants = folder.mutants.filter((m) => !m.equivalent);
  const base = await harness(snapshot, {
    files: folder.testFiles,
    runs: [{ id: 0 }],
    bail: false,
    coverage: true,
  });
  const b = base.results[0];
  if (!b) {
    say(
      `mutation: ${folder.name}: the baseline did not run (exit ${base.code}):\n${base.stderr.slice(0, 3000)}`,
    );
    process.exit(1);
  }
  folder.baseline = {
    failures: b.failures,
    passes: b.passes,
    ms: Object.values(b.times).reduce((x, y) => x + y, 0),
  };
  if (b.failures.length > 0)
    say(`mutation: ${folder.name}: failing before any mutation, ignored: ${b.failures.join('; ')}`);
  const staticIds = new Set(base.loaded ?? []);
  const covering = new Map();
  for (const [file, ids] of Object.entries(b.coverage ?? {}))
    for (const id of ids) {
      if (!covering.has(id)) covering.set(id, []);
      covering.get(id).push(file);
    }
  // The test files a mutant needs run fastest first, so most mutants die before a slow file starts.
  const order = folder.testFiles
    .map((f) => join(snapshot, f))
    .sort((x, y) => (b.times[x] ?? 0) - (b.times[y] ?? 0));
  const rel = (abs) => relative(snapshot, abs);
  for (const m of mutants) {
    if (staticIds.has(m.id)) m.static = true;
    else if (!covering.has(m.id)) {
      m.status = 'survived';
      m.by = 'no test reaches it';
      m.noCoverage = true;
    } else m.files = order.filter((f) => covering.get(m.id).includes(f)).map(rel);
  }
  const fileMs = Object.fromEntries(Object.entries(b.times).map(([f, ms]) => [rel(f), ms]));
  const timeoutOf = (m) =>
    Math.max(15_000, 3 * (m.files ?? folder.testFiles).reduce((s, f) => s + (fileMs[f] ?? 1000), 0) + 5_000);
  say(
    `mutation: ${folder.name}: ${mutants.length} mutants (${mutants.filter((m) => m.static).length} at module load, ${mutants.filter((m) => m.noCoverage).length} reached by no test); baseline ${b.passes} tests passed in ${(folder.baseline.ms / 1000).toFixed(1)} s (${Object.entries(
      b.times,
    )
      .map(([f, ms]) => `${rel(f).replace(/^test\//, '')} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}) (${elapsed()})`,
  );

  // Mutants reached only at run time: batches on the workers, one process each, restarted after a timeout.
  const queue = mutants.filter((m) => m.files);
  const statics = mutants.filter((m) => m.static);
  const total = queue.length + statics.length;
  let done = 0;
  const record = (m, status, by) => {
    m.status = status;
    m.by = by;
    done++;
    if (status === 'survived' || done % 50 === 0)
      say(`mutation: ${folder.name} ${done}/${total} ${status}: ${describeMutant(m)} (${elapsed()})`);
  };
  const workOn = async (dir) => {
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH);
      const byId = new Map(batch.map((m) => [m.id, m]));
      const r = await harness(dir, {
        files: folder.testFiles,
        runs: batch.map((m) => ({ id: m.id, files: m.files.map((f) => join(dir, f)) })),
        ignore: b.failures,
        timeoutFor: (id) => (id === null ? 120_000 : timeoutOf(byId.get(id))),
      });
      for (const x of r.results) {
        const m = byId.get(x.id);
        record(m, x.first ? 'killed' : 'survived', x.first ?? undefined);
        byId.delete(x.id);
      }
      if (r.current !== null && byId.has(r.current)) {
        const m = byId.get(r.current);
        record(
          m,
          r.timedOut ? 'timeout' : 'killed',
          r.timedOut ? 'timed out' : `the test process crashed (exit ${r.code})`,
        );
        byId.delete(r.current);
      } else if (byId.size > 0 && r.results.length === 0) {
        say(
          `mutation: ${folder.name}: a harness process failed to start (exit ${r.code}):\n${r.stderr.slice(0, 2000)}`,
        );
      }
      queue.unshift(...batch.filter((m) => byId.has(m.id)));
    }
  };
  await Promise.all(workers.map(workOn));

  // Mutants reached while the modules load: each needs a process of its own, with the mutant on from the start.
  const staticQueue = [...statics];
  await Promise.all(
    workers.map(async (dir) => {
      for (let m = staticQueue.shift(); m; m = staticQueue.shift()) {
        const r = await harness(dir, {
          files: folder.testFiles,
          runs: [{ id: m.id }],
          ignore: b.failures,
          env: { FDR_MUTANT: String(m.id) },
          timeoutFor: (id) => (id === null ? 120_000 : timeoutOf(m)),
        });
        const x = r.results[0];
        if (x) record(m, x.first ? 'killed' : 'survived', x.first ?? undefined);
        else
          record(
            m,
            r.timedOut ? 'timeout' : 'killed',
            r.timedOut
              ? 'timed out'
              : `the test process failed to load (exit ${r.code}): ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? ''}`,
          );
      }
    }),
  );
}

// Report
const summary = folders.map((f) => {
  const c = (s) => f.mutants.filter((m) => m.status === s).length;
  const killed = c('killed');
  const timeout = c('timeout');
  const survived = c('survived');
  const detected = killed + timeout;
  const valid = detected + survived;
  const score = valid ? Math.floor((1000 * detected) / valid) / 10 : null;
  return {
    folder: f.path,
    generated: f.generated,
    mutants: f.mutants.length,
    killed,
    timeout,
    survived,
    noCoverage: f.mutants.filter((m) => m.noCoverage).length,
    equivalent: f.mutants.filter((m) => m.equivalent).length,
    score,
    goal: f.goal,
    meetsGoal: score !== null && score >= f.goal,
    tests: f.testFiles,
    baselineFailures: f.baseline?.failures ?? [],
    survivors: f.mutants
      .filter((m) => m.status === 'survived')
      .map((m) => `${describeMutant(m)}${m.noCoverage ? '  [no test reaches it]' : ''}`),
    equivalents: f.mutants.filter((m) => m.equivalent).map((m) => `${describeMutant(m)}  [${m.equivalent}]`),
  };
});
const seconds = Math.round((Date.now() - t0) / 1000);
if (opt('--out'))
  writeFileSync(
    opt('--out'),
    JSON.stringify({ seconds, workers: workers.length, folders: summary }, null, 2),
  );
if (asJson) {
  console.log(JSON.stringify({ seconds, workers: workers.length, folders: summary }, null, 2));
} else {
  const rows = [
    ['folder', 'mutants', 'killed', 'timeout', 'survived', 'equivalent', 'score', 'goal'],
    ...summary.map((s) => [
      s.folder,
      s.mutants,
      s.killed,
      s.timeout,
      s.survived,
      s.equivalent,
      s.score === null ? '-' : `${s.score}%`,
      `${s.goal}%${s.meetsGoal ? '' : ' (below)'}`,
    ]),
  ].map((r) => r.map(String));
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  '));
  for (const s of summary) {
    if (s.survivors.length === 0 && s.equivalents.length === 0) continue;
    console.log(`\n${s.folder}${s.meetsGoal ? '' : ' (below its goal)'}: ${s.survivors.length} survivor(s)`);
    for (const x of s.survivors) console.log(`  ${x}`);
    if (s.equivalents.length) console.log('  equivalent (not counted):');
    for (const x of s.equivalents) console.log(`    ${x}`);
  }
  console.log(`\nmutation: ${all.length} mutants in ${seconds} s with ${workers.length} worker(s)`);
}
