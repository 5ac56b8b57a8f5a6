import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCommand } from './helpers';

const jsonFile = join(mkdtempSync(join(tmpdir(), 'fleet-dr-start-')), 'report.json');

/**
 * Runs `fleet-dr start --json --json-file <f>` (the alarm → failover slice alone; `npm start` runs the whole
 * drill, test/e2e/drill.test.ts): the report as JSON on stdout, and the file beside it.
 */
const runStart = () =>
  runCommand(process.execPath, ['bin/fleet-dr.js', 'start', '--json', '--json-file', jsonFile], 120_000);

describe('fleet-dr start: the alarm → failover slice on a fresh sandbox', { timeout: 150_000 }, () => {
  it('fails the blackholed zone over, stops the failures and reports every step', async () => {
    const r = await runStart();
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(JSON.parse(readFileSync(jsonFile, 'utf8')), report, '--json-file holds the same report');
    assert.equal(report.decision.decision, 'shift', r.stdout);
    assert.deepEqual(report.finalWeights, { [report.failedCluster]: 0, [report.healthyCluster]: 100 });
    assert.equal(report.requests.after.failures, 0, r.stdout);
    assert.ok(report.requests.before.requests > 0 && report.requests.after.requests > 0, r.stdout);
    assert.equal(report.auditEvents, 1, r.stdout);
    assert.equal(report.dingtalk.length, 1, r.stdout);
    assert.equal(report.dingtalk[0].msgtype, 'actionCard');
    // The message body, not only its title: the decision, the weights, how to fail back and the runbook.
    assert.match(report.dingtalk[0].text, /Decision\*\*: shift/);
    assert.match(
      report.dingtalk[0].text,
      new RegExp(`fleet-dr failback --cluster ${report.failedCluster} --step`),
    );
    assert.match(report.dingtalk[0].url, /^https?:\/\//, 'the runbook button');
    for (const step of Object.values(report.timings)) assert.equal(typeof step, 'number');
  });
});
