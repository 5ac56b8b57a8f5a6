/**
 * DingTalk custom robot stand-in: `POST /robot/send?access_token=…&timestamp=…&sign=…`. Checks, in order:
 * the token (300001), the signature and one-hour window (310000), the 20,000-byte limit (460101), keywords
 * (310000), and 20 messages a minute per robot (130101, then refusing for 10 minutes). Errors are HTTP 200
 * with `{errcode, errmsg}` as DingTalk answers. errmsg wording is unverified.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestLedger } from '../ledger';
import type { FaultRegistry } from './faults';
import { closeServer, createJsonServer, listenLocal, readBody, sendJson } from './http-util';
import { parseQuery, splitUrl } from './signature';

/** A robot the stand-in accepts. */
export interface RobotSpec {
  accessToken: string;
  /** `SEC…` secret: signed mode. */
  secret?: string;
  /** Keyword mode: the message must contain one of these. */
  keywords?: string[];
}

/** An accepted message. */
export interface RobotMessage {
  accessToken: string;
  at: number;
  body: unknown;
}

/** The robot's limits, as DingTalk documents them. */
export const DINGTALK_LIMITS = {
  maxBytes: 20_000,
  perMinute: 20,
  blockMs: 10 * 60_000,
  signWindowMs: 60 * 60_000,
} as const;

/** The running DingTalk stand-in. */
export interface DingTalkStandIn {
  url: string;
  port: number;
  addRobot(opts: RobotSpec): void;
  messages(accessToken?: string): Array<{ at: number; body: unknown }>;
  setNow(fn: () => number): void;
  stop(): Promise<void>;
}

/** The DingTalk signature: base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), before URL-encoding. */
export function dingTalkSign(secret: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

class RobotError extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(errmsg);
    this.name = 'RobotError';
  }
}

interface RobotState extends RobotSpec {
  sent: number[];
  blockedUntil: number;
}

function textOf(body: unknown): string {
  return JSON.stringify(body);
}

/** Start the DingTalk robot stand-in on 127.0.0.1. */
export async function startDingTalk(opts: {
  faults: FaultRegistry;
  now?: () => number;
}): Promise<DingTalkStandIn> {
  let now = opts.now ?? Date.now;
  const robots = new Map<string, RobotState>();
  const accepted: RobotMessage[] = [];

  const check = (q: Record<string, string>, raw: Buffer): { robot: RobotState; body: unknown } => {
    const robot = robots.get(q.access_token ?? '');
    if (!robot) throw new RobotError(300001, 'token is not exist');
    const t = now();
    if (robot.secret) {
      const ts = Number(q.timestamp);
      if (!q.timestamp || !Number.isFinite(ts) || Math.abs(t - ts) > DINGTALK_LIMITS.signWindowMs) {
        throw new RobotError(310000, 'invalid timestamp');
      }
      if (q.sign !== dingTalkSign(robot.secret, q.timestamp)) throw new RobotError(310000, 'sign not match');
    }
    if (raw.length > DINGTALK_LIMITS.maxBytes)
      throw new RobotError(460101, 'message too long, exceed 20000 bytes');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new RobotError(40035, 'invalid json'); // unverified code for an unparseable body
    }
    if (robot.keywords?.length && !robot.keywords.some((k) => textOf(body).includes(k))) {
      throw new RobotError(310000, 'keywords not in content');
    }
    if (t < robot.blockedUntil) throw new RobotError(130101, 'send too fast, exceed 20 times per minute');
    robot.sent = robot.sent.filter((s) => t - s < 60_000);
    if (robot.sent.length >= DINGTALK_LIMITS.perMinute) {
      robot.blockedUntil = t + DINGTALK_LIMITS.blockMs;
      throw new RobotError(130101, 'send too fast, exceed 20 times per minute');
    }
    robot.sent.push(t);
    return { robot, body };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requestLedger.track('dingtalk', 'robot', req, res);
    await requestLedger.delay();
    const raw = await readBody(req);
    const outcome = await opts.faults.apply('dingtalk', req, res);
    if (outcome === 'handled') return;
    if (outcome === 'error5xx') return sendJson(res, 502, { errcode: -1, errmsg: 'bad gateway' });
    const { path, query } = splitUrl(req.url ?? '/');
    if (req.method !== 'POST' || path !== '/robot/send')
      return sendJson(res, 404, { errcode: 404, errmsg: 'not found' });
    try {
      if (outcome === 'throttle') throw new RobotError(130101, 'send too fast, exceed 20 times per minute');
      const { robot, body } = check(Object.fromEntries(parseQuery(query)), raw);
      accepted.push({ accessToken: robot.accessToken, at: now(), body });
      sendJson(res, 200, { errcode: 0, errmsg: 'ok' });
    } catch (err) {
      if (!(err instanceof RobotError)) throw err;
      sendJson(res, 200, { errcode: err.errcode, errmsg: err.message });
    }
  };

  const server = createJsonServer(handle, (res, err) =>
    sendJson(res, 500, { errcode: -1, errmsg: String(err) }),
  );
  let port = await listenLocal(server);
  // `refuse` stops listening so clients see ECONNREFUSED; clearing it listens again on the same port.
  const unsubscribe = opts.faults.onChange(async (p) => {
    if (p !== 'dingtalk') return;
    if (opts.faults.get('dingtalk').refuse && server.listening) await closeServer(server);
    else if (!opts.faults.get('dingtalk').refuse && !server.listening) port = await listenLocal(server, port);
  });
  return {
    url: `http://127.0.0.1:${port}/robot/send`,
    port,
    addRobot: (r) => robots.set(r.accessToken, { ...r, sent: [], blockedUntil: 0 }),
    messages: (token) =>
      accepted.filter((m) => !token || m.accessToken === token).map((m) => ({ at: m.at, body: m.body })),
    setNow: (fn) => {
      now = fn;
    },
    stop: async () => {
      unsubscribe();
      await closeServer(server);
    },
  };
}
