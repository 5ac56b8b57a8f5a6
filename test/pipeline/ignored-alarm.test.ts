/** An alarm about no cluster of the policy is ignored, and its answer stays small whatever the caller sends. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ECHOED_DIMENSIONS, runAlarmFlow } from '../../shared/execute/alarm-flow';
import { silentLogger } from '../../shared/log';
import type { Wiring } from '../../shared/runtime/wiring';
import type { AlarmEvent } from '../../shared/schemas/cloudmonitor-alarm';
import { examplePolicy } from '../decision/fixtures';

describe('an ignored alarm', () => {
  it('echoes at most a few of its dimensions, each cut short', async () => {
    const dimensions = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`dim${i}`, `value-${i}-${'x'.repeat(1_000)}`]),
    );
    const alarm = {
      kind: 'alarm',
      alarmName: 'not-ours',
      state: 'ALERT',
      metricName: 'Availability',
      dimensions,
      timestamp: new Date(0),
      raw: {},
    } as unknown as AlarmEvent;
    // Only the policy is read for an alarm about no cluster: any client call would throw here.
    const wiring = { policy: examplePolicy() } as unknown as Wiring;
    const a = await runAlarmFlow({ wiring, alarm, log: silentLogger, notifyFunction: 'fleet-dr-notify' });
    assert.equal(a.decision, 'ignored');
    assert.ok(a.reason.length < 1_500, `answer reason is ${a.reason.length} characters`);
    assert.match(a.reason, new RegExp(`… ${500 - ECHOED_DIMENSIONS} more`));
    assert.match(a.reason, /dim0=value-0-x+…/);
  });
});
