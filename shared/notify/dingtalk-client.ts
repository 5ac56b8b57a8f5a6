/**
 * The DingTalk robot HTTP call, once, with a timeout. A connection that was refused or reset before any
 * answer is retried with backoff (the robot never saw the message); anything else is a NotifyError with
 * DingTalk's errcode so the outbox can decide (130101: defer the robot; others: retry later).
 */
import pRetry from 'p-retry';
import { NotifyError } from '../clients/errors';
import { type Logger, silentLogger } from '../log';
import type { DingTalkPayload } from './dingtalk';
import { dingtalkUrl } from './dingtalk-sign';

/** One robot's address and credentials. */
export interface Robot {
  url: string;
  accessToken: string;
  secret?: string;
}

/** Sends one payload. */
export type DingTalkSend = (robot: Robot, payload: DingTalkPayload) => Promise<void>;

/** DingTalk's throttling code: the robot is blocked for 10 minutes. */
export const DINGTALK_THROTTLED = '130101';

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

function causeCode(err: unknown): string | undefined {
  const c = (err as { cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Create the sender. */
export function createDingTalkSender(
  opts: {
    timeoutMs?: number;
    retries?: number;
    minBackoffMs?: number;
    now?: () => number;
    log?: Logger;
  } = {},
): DingTalkSend {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const once = async (robot: Robot, payload: DingTalkPayload) => {
    const url = dingtalkUrl(robot.url, robot.accessToken, robot.secret, now());
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
    } catch (err) {
      const code = causeCode(err) ?? ((err as Error)?.name === 'TimeoutError' ? 'timeout' : 'network');
      log.warn('dingtalk send failed', { url, code });
      throw new NotifyError('dingtalk', code, `robot unreachable (${code})`, { cause: err });
    }
    const text = await res.text();
    let body: { errcode?: number; errmsg?: string } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: reported below with the HTTP status
    }
    if (res.status !== 200) throw new NotifyError('dingtalk', `http-${res.status}`, text.slice(0, 200));
    if (body.errcode !== 0) {
      log.warn('dingtalk refused', { url, errcode: body.errcode, errmsg: body.errmsg });
      throw new NotifyError('dingtalk', String(body.errcode ?? 'unknown'), body.errmsg ?? text.slice(0, 200));
    }
    log.info('dingtalk sent', { url, msgtype: payload.msgtype });
  };
  return (robot, payload) =>
    pRetry(() => once(robot, payload), {
      retries: opts.retries ?? 2,
      minTimeout: opts.minBackoffMs ?? 200,
      factor: 2,
      shouldRetry: ({ error }) => error instanceof NotifyError && CONNECT_ERRORS.has(error.code),
    });
}
