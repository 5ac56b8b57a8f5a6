/**
 * The edge of alarm-failover: which trigger delivered the event (HTTP callback or EventBridge envelope), the
 * callback token check (constant time; wrong or missing -> 403 and nothing else) and the parsed alarms.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Policy } from '../../shared/config';
import { EventParseError } from '../../shared/errors';
import type { AlarmEvent } from '../../shared/schemas/cloudmonitor-alarm';
import { parseEvent, parseHttpTrigger } from '../../shared/schemas/parse-event';

/** What the edge made of an event. */
export type Edge =
  | { kind: 'alarms'; http: boolean; alarms: AlarmEvent[] }
  | { kind: 'reject'; http: boolean; status: number; error: string };

/** Compares two secrets in constant time (hashes first, so lengths never leak or throw). */
export function tokenMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given), h(expected));
}

function isHttpTrigger(event: Buffer): boolean {
  try {
    parseHttpTrigger(event);
    return true;
  } catch {
    return false;
  }
}

/** Classifies and checks one invocation's event. */
export function readEdge(event: Buffer, policy: Policy, env: NodeJS.ProcessEnv): Edge {
  const http = isHttpTrigger(event);
  if (http) {
    const req = parseHttpTrigger(event);
    if (!tokenMatches(req.query.token, env[policy.secrets.callbackTokenEnv]))
      return { kind: 'reject', http, status: 403, error: 'forbidden: missing or wrong callback token' };
  }
  try {
    const events = parseEvent(event);
    const alarms = events.filter((e): e is AlarmEvent => e.kind === 'alarm');
    if (alarms.length === 0)
      return {
        kind: 'reject',
        http,
        status: 400,
        error: `not an alarm: ${events.map((e) => e.kind).join(', ')}`,
      };
    return { kind: 'alarms', http, alarms };
  } catch (err) {
    if (err instanceof EventParseError) return { kind: 'reject', http, status: 400, error: err.message };
    throw err;
  }
}

/** The FC 3.0 HTTP trigger response shape for a JSON body. */
export function httpJson(statusCode: number, body: unknown) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body: JSON.stringify(body),
  };
}
