import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { allSamples } from '../schemas/samples';
import { type CliResult, inProcess, ROOT, runAll, runCli } from './run-cli';

// Every sample runs through main() in process, and a child process of bin/fleet-dr.js runs one valid and
// one invalid sample per source (FLEET_DR_SPAWN_ALL=1: every sample). Each spawn costs about 0.7 s of CPU
// (tsx), and the machine is shared; the in-process run goes through the same main() and the same streams.
const SPAWN_ALL = process.env.FLEET_DR_SPAWN_ALL === '1';

function assertOutcome(r: CliResult, s: { valid: boolean; path: string }): void {
  assert.equal(r.code, s.valid ? 0 : 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  if (!s.valid) {
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one-line reason');
    assert.ok(r.stderr.startsWith(`${relative(ROOT, s.path)}: `), r.stderr);
    return;
  }
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout);
  for (const e of Array.isArray(out) ? out : [out]) {
    assert.ok(['alarm', 'cluster-event', 'timer', 'http'].includes(e.kind), e.kind);
    assert.equal(e.raw, undefined, 'raw fields are not printed');
    if (e.kind === 'alarm') assert.ok(e.alarmName && e.state && e.timestamp);
    if (e.kind === 'cluster-event') assert.ok(e.clusterId && e.time);
    if (e.kind === 'timer') assert.ok(e.triggerName && e.time);
    if (e.kind === 'http') assert.ok(e.method && e.path);
  }
}

describe('fleet-dr explain-event', () => {
  const samples = allSamples();
  const spawned = samples.filter(
    (s) => SPAWN_ALL || s === samples.find((t) => t.source === s.source && t.valid === s.valid),
  );
  const children = new Map<string, CliResult>();
  before(async () => {
    const results = await runAll(spawned.map((s) => ['explain-event', relative(ROOT, s.path)]));
    for (const [i, s] of spawned.entries()) children.set(s.path, results[i]!);
  });

  for (const s of samples) {
    it(`${s.valid ? 'explains' : 'refuses'} ${s.source}/${s.variant}`, async () => {
      assertOutcome(await inProcess(['explain-event', relative(ROOT, s.path)]), s);
      const child = children.get(s.path);
      if (child) assertOutcome(child, s);
    });
  }

  it('spawned a child process for a valid and an invalid sample of every source', () => {
    assert.ok(children.size >= 8);
  });

  it('prints the alarm name, state, cluster and time of an alarm callback', async () => {
    const e = JSON.parse(
      (await inProcess(['explain-event', 'events/cloudmonitor-alarm/http-form-alert.json'])).stdout,
    );
    assert.equal(e.kind, 'alarm');
    assert.equal(e.alarmName, 'ack-az1-probe');
    assert.equal(e.state, 'ALERT');
    assert.equal(e.clusterId, 'c-ack-az1');
    assert.equal(e.timestamp, '2025-06-01T08:15:00.000Z');
  });

  it('reads stdin with "-", and fails cleanly on a missing file', async () => {
    const timer = '{"triggerTime":"2025-06-01T08:15:00Z","triggerName":"t","payload":""}';
    const [fromStdin, missing] = await Promise.all([
      runCli(['explain-event', '-'], timer),
      runCli(['explain-event', 'events/none.json']),
    ]);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(JSON.parse(fromStdin.stdout).triggerName, 't');
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'events/none.json: cannot read the event file (ENOENT)\n');
  });
});
