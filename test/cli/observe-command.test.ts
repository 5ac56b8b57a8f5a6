// `fleet-dr observe --event <alarm.json>` (issue 22): gathers the observations for a sample alarm from the
// sandbox, read-only, in the form `fleet-dr plan --observations` takes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_ACCESS_KEY } from '../../sandbox/cloud/index';
import { type Drill, startDrill } from '../../sandbox/drill/drill-env';
import type { CliIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';

function capture(): CliIo & { out(): string; err(): string } {
  let o = '';
  let e = '';
  return {
    stdout: { write: (s: string) => (o += s) },
    stderr: { write: (s: string) => (e += s) },
    out: () => o,
    err: () => e,
  };
}

describe('fleet-dr observe --event', { timeout: 180_000 }, () => {
  let d: Drill;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-observe-'));
  let saved: NodeJS.ProcessEnv;

  before(async () => {
    d = await startDrill();
    saved = { ...process.env };
    // What a user sets to point the CLI at the sandbox: its endpoints and access key.
    Object.assign(process.env, {
      FLEET_DR_ENDPOINTS: d.env.FLEET_DR_ENDPOINTS,
      ALIBABA_CLOUD_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY.accessKeySecret,
    });
  });
  after(async () => {
    for (const k of ['FLEET_DR_ENDPOINTS', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'])
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gathers every source for the alarm, writes nothing, and plan takes what it wrote', async () => {
    await d.sb.zones.fault('c-ack-az1', 'dead', { readinessLagMs: 0 });
    const obsFile = join(dir, 'observations.json');
    const io = capture();
    const code = await main(
      [
        'observe',
        '--event',
        'events/cloudmonitor-alarm/callback-fields.json',
        '--policy',
        d.env.FLEET_DR_POLICY!,
        '--out',
        obsFile,
      ],
      io,
    );
    assert.equal(code, 0, io.err());
    const obs = JSON.parse(readFileSync(obsFile, 'utf8'));
    assert.equal(obs.trigger.clusterId, 'c-ack-az1');
    assert.equal(obs.trigger.state, 'ALERT');
    assert.deepEqual(Object.keys(obs.clusters).sort(), ['c-ack-az1', 'c-reg-az2']);
    assert.ok(
      obs.clusters['c-ack-az1'].probes.some((p: { ok: boolean }) => !p.ok),
      'the dead zone fails its probes',
    );
    for (const id of ['c-ack-az1', 'c-reg-az2'])
      assert.ok(obs.clusters[id].probes.length > 0, `${id} was probed: ${JSON.stringify(obs.clusters[id])}`);
    // Read-only: no routing state, no canary.
    assert.equal(
      d.sb.fleet.store.get('v1', 'ConfigMap', d.policy.fleet.stateNamespace, 'fleet-dr-routing-state'),
      undefined,
    );

    const plan = capture();
    assert.equal(
      await main(['plan', '--config', d.env.FLEET_DR_POLICY!, '--observations', obsFile, '--summary'], plan),
      0,
      plan.err(),
    );
    // Which Plan depends also on what a busy machine's probes saw of the healthy zone; the point is that plan
    // takes the file observe wrote.
    assert.match(plan.out(), /^plan: (shift|hold \([a-z-]+\))[;:] /);
  });

  it('refuses an event that is not an alarm, with exit 2', async () => {
    const io = capture();
    assert.equal(await main(['observe', '--event', 'events/fc-timer/every-minute.json'], io), 2);
    assert.match(io.err(), /not a CloudMonitor alarm/);
  });
});
