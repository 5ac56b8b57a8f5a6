/**
 * The DingTalk outbox's delivery rules as tables over the pure functions (shared/notify/delivery-schedule.ts):
 * the robot's 60 s window and deferral, which messages are due, which fit the budget (in order), and what a
 * failed send does to a message. outbox-rules.test.ts covers the same rules through the Outbox shell.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  afterFailure,
  chooseToSend,
  DEFAULT_DELIVERY_LIMITS,
  isDue,
  type RobotWindow,
  retryDelayMs,
  robotWindowAt,
  type ScheduledMessage,
} from '../../shared/notify/delivery-schedule';
import { DINGTALK_THROTTLED } from '../../shared/notify/dingtalk-client';

const NOW = 1_000_000;

describe('the robot window', () => {
  const cases: Array<{
    name: string;
    robot: RobotWindow | undefined;
    want: { window: RobotWindow; deferred: boolean };
  }> = [
    {
      name: 'no robot yet: an empty window',
      robot: undefined,
      want: { window: { sent: [], deferredUntil: null }, deferred: false },
    },
    {
      name: 'sends older than 60 s are forgotten, exactly 60 s old included',
      robot: { sent: [NOW - 60_000, NOW - 59_999, NOW], deferredUntil: null },
      want: { window: { sent: [NOW - 59_999, NOW], deferredUntil: null }, deferred: false },
    },
    {
      name: 'a deferral still running: deferred',
      robot: { sent: [], deferredUntil: NOW + 1 },
      want: { window: { sent: [], deferredUntil: NOW + 1 }, deferred: true },
    },
    {
      name: 'a deferral ending now: cleared',
      robot: { sent: [NOW - 1], deferredUntil: NOW },
      want: { window: { sent: [NOW - 1], deferredUntil: null }, deferred: false },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(robotWindowAt(c.robot, NOW), c.want));

  it('does not change the robot it is given', () => {
    const robot = { sent: [NOW - 70_000], deferredUntil: NOW - 1 };
    robotWindowAt(robot, NOW);
    assert.deepEqual(robot, { sent: [NOW - 70_000], deferredUntil: NOW - 1 });
  });
});

const message = (
  over: Partial<ScheduledMessage> & { id?: string } = {},
): ScheduledMessage & { id: string } => ({
  id: 'm',
  robotId: 'r1',
  state: 'pending',
  attempts: 0,
  partsSent: 0,
  nextAttemptAt: NOW,
  claimUntil: null,
  ...over,
});

describe('which messages are due', () => {
  const cases: Array<[string, Partial<ScheduledMessage>, boolean]> = [
    ['pending, its time has come', { nextAttemptAt: NOW }, true],
    ['pending, backing off', { nextAttemptAt: NOW + 1 }, false],
    ['sending, its claim has expired', { state: 'sending', claimUntil: NOW - 1 }, true],
    ['sending, its claim ends now (still held)', { state: 'sending', claimUntil: NOW }, false],
    ['sending, no claim time', { state: 'sending', claimUntil: null }, true],
    ['undeliverable: never again', { state: 'undeliverable', nextAttemptAt: 0 }, false],
  ];
  for (const [name, over, due] of cases) it(name, () => assert.equal(isDue(message(over), NOW), due));
});

describe('what fits the budget', () => {
  const parts: Record<string, number> = { a: 1, b: 3, c: 1, d: 2 };
  const partsOf = (m: { id: string }) => parts[m.id] ?? 1;
  const ids = (chosen: Array<{ message: { id: string }; parts: number }>) =>
    chosen.map((c) => `${c.message.id}:${c.parts}`);
  const cases: Array<{
    name: string;
    messages: Array<ScheduledMessage & { id: string }>;
    budget: number;
    want: string[];
  }> = [
    {
      name: 'everything due fits',
      messages: [message({ id: 'a' }), message({ id: 'b' })],
      budget: 20,
      want: ['a:1', 'b:3'],
    },
    {
      name: 'a message that does not fit stops the choice: a later one never overtakes it',
      messages: [message({ id: 'a' }), message({ id: 'b' }), message({ id: 'c' })],
      budget: 3,
      want: ['a:1'],
    },
    {
      name: 'only the parts not yet sent count',
      messages: [message({ id: 'b', partsSent: 2 }), message({ id: 'c' })],
      budget: 2,
      want: ['b:1', 'c:1'],
    },
    {
      name: 'messages not due and other robots are skipped, not waited for',
      messages: [
        message({ id: 'a', nextAttemptAt: NOW + 1 }),
        message({ id: 'd', robotId: 'r2' }),
        message({ id: 'c' }),
      ],
      budget: 1,
      want: ['c:1'],
    },
    { name: 'no budget left', messages: [message({ id: 'a' })], budget: 0, want: [] },
    { name: 'over budget (a negative budget)', messages: [message({ id: 'a' })], budget: -2, want: [] },
  ];
  for (const c of cases)
    it(c.name, () => assert.deepEqual(ids(chooseToSend(c.messages, 'r1', NOW, c.budget, partsOf)), c.want));
});

describe('a failed send', () => {
  const limits = { maxAttempts: 3, backoffMs: 1_000 };
  const cases: Array<{
    name: string;
    attempts: number;
    code: string;
    want: ReturnType<typeof afterFailure>;
  }> = [
    {
      name: 'the first failure: one attempt used, retried after the backoff',
      attempts: 0,
      code: '500',
      want: { attempts: 1, state: 'pending', nextAttemptAt: NOW + 1_000 },
    },
    {
      name: 'the second: the backoff doubles',
      attempts: 1,
      code: '500',
      want: { attempts: 2, state: 'pending', nextAttemptAt: NOW + 2_000 },
    },
    {
      name: 'the last attempt used: undeliverable (kept, reported)',
      attempts: 2,
      code: '500',
      want: { attempts: 3, state: 'undeliverable', nextAttemptAt: NOW + 4_000 },
    },
    {
      name: 'a throttle uses no attempt',
      attempts: 2,
      code: DINGTALK_THROTTLED,
      want: { attempts: 2, state: 'pending', nextAttemptAt: NOW + 2_000 },
    },
    {
      name: 'a throttle before any failure: no backoff beyond the first',
      attempts: 0,
      code: DINGTALK_THROTTLED,
      want: { attempts: 0, state: 'pending', nextAttemptAt: NOW + 1_000 },
    },
  ];
  for (const c of cases)
    it(c.name, () => assert.deepEqual(afterFailure(c.attempts, c.code, NOW, limits), c.want));

  it('backs off 30 s, 60 s, 120 s, … by default', () => {
    const b = DEFAULT_DELIVERY_LIMITS.backoffMs;
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((n) => retryDelayMs(n, b)),
      [30_000, 30_000, 60_000, 120_000, 240_000],
    );
  });
});
