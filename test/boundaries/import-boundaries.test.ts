// The import boundaries (issue 11): the policy is pure, the product never imports the sandbox, the gateway
// stand-in never shares the product's gateway code. The same checker runs on a fixture tree that breaks each
// rule, to show that the test can fail.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  checkImportBoundaries,
  formatViolations,
  importsOf,
  sourceFiles,
  type Violation,
} from './import-boundaries';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/boundaries/tree', import.meta.url));

const brief = (vs: Violation[]) =>
  vs.map((v) => ({ rule: v.rule, file: v.file, specifier: v.specifier, target: v.target }));

describe('import boundaries', () => {
  it('hold in this repository', () => {
    const files = sourceFiles(ROOT);
    // The scan sees the code it guards (a walk that found nothing would pass vacuously).
    for (const f of [
      'shared/decision/decide.ts',
      'shared/cli/main.ts',
      'functions/alarm-failover/handler.ts',
    ])
      assert.ok(files.includes(f), `scanned ${f}`);
    assert.ok(
      files.some((f) => f.startsWith('sandbox/gateway/')),
      'scanned the gateway stand-in',
    );
    const violations = checkImportBoundaries(ROOT);
    assert.deepEqual(violations, [], `forbidden imports:\n${formatViolations(violations)}`);
  });

  it('are reported, each one, in a fixture tree that breaks every rule', () => {
    const got = brief(checkImportBoundaries(FIXTURE));
    const want = [
      {
        rule: 'decision-io',
        file: 'shared/decision/bad-builtin.ts',
        specifier: 'node:fs',
        target: 'built-in node:fs',
      },
      {
        rule: 'decision-io',
        file: 'shared/decision/bad-client.ts',
        specifier: '../clients/fixture-client',
        target: 'shared/clients/fixture-client.ts',
      },
      {
        rule: 'decision-io',
        file: 'shared/decision/bad-state.ts',
        specifier: '../state/fixture-store',
        target: 'shared/state/fixture-store.ts',
      },
      {
        rule: 'product-imports-sandbox',
        file: 'shared/cli/bad-lazy-sandbox.ts',
        specifier: '../../sandbox/drill/fixture-drill',
        target: 'sandbox/drill/fixture-drill.ts',
      },
      {
        rule: 'product-imports-sandbox',
        file: 'functions/demo/bad-handler.ts',
        specifier: '../../sandbox/fixture-sandbox',
        target: 'sandbox/fixture-sandbox.ts',
      },
      {
        rule: 'product-imports-sandbox',
        file: 'shared/cli/bad-computed.ts',
        specifier: '(computed)',
        target: '(unknown)',
      },
      {
        rule: 'gateway-stand-in-imports-product-gateway',
        file: 'sandbox/gateway/bad-router.ts',
        specifier: '../../shared/gateway/fixture-weights',
        target: 'shared/gateway/fixture-weights.ts',
      },
    ];
    const key = (v: { file: string; specifier: string }) => `${v.file} ${v.specifier}`;
    assert.deepEqual(
      [...got].sort((a, b) => key(a).localeCompare(key(b))),
      [...want].sort((a, b) => key(a).localeCompare(key(b))),
    );
    // Only files named bad-* break a rule: the allowed imports beside them (policy → config, zod; drill →
    // product and sandbox; sandbox → shared/gateway outside sandbox/gateway) are not reported.
    assert.ok(got.every((v) => /\/bad-[^/]+$/.test(v.file)));
  });

  it('a policy file importing any I/O is reported, whatever the form of the import', () => {
    const forms = [
      "import { readFileSync } from 'fs';",
      "import * as net from 'node:net';",
      "export * from 'node:http';",
      "export const cp = await import('node:child_process');",
      "export type K = typeof import('../clients/kube-client');",
      "import type { Outbox } from '../notify/outbox';",
      "import x = require('../state/routing-store');",
      "import { startSandbox } from '../../sandbox/start-sandbox';",
      "import pLimit from 'p-limit';",
    ];
    const root = mkdtempSync(join(tmpdir(), 'fleet-dr-boundaries-'));
    try {
      mkdirSync(join(root, 'shared/decision'), { recursive: true });
      for (const [i, src] of forms.entries())
        writeFileSync(join(root, `shared/decision/form-${i}.ts`), `// ${i}\n${src}\n`);
      writeFileSync(join(root, 'shared/decision/ok.ts'), "import { z } from 'zod';\nimport './form-0';\n");
      const got = checkImportBoundaries(root);
      assert.deepEqual(
        got.map((v) => [v.file, v.line, v.rule]),
        forms.map((_, i) => [`shared/decision/form-${i}.ts`, 2, 'decision-io']),
        formatViolations(got),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads imports from code, not from comments or strings', () => {
    const src = "const a = '../../sandbox/x'; // import('../../sandbox/y')\n/* import '../z'; */ import(a);";
    assert.deepEqual(importsOf('x.ts', src), [{ specifier: undefined, line: 2, kind: 'dynamic' }]);
  });
});
