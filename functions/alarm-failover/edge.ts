/**
 * The edge of alarm-failover: which trigger delivered the event (the HTTP callback or an EventBridge
 * envelope), and for the HTTP callback, in this order and before anything reads the body: the callback
 * token (constant time; wrong or missing -> 403 and nothing else), the method (POST only; `post` -> 400),
 * the body size (-> 413). Then the parsed alarms. The checks themselves live in shared/runtime/http-edge.ts.
 */
import type { Policy } from '../../shared/config';
import { EventParseError } from '../../shared/errors';
import {
  checkBodySize,
  checkMethod,
  checkToken,
  type HttpTriggerView,
  httpTriggerView,
} from '../../shared/runtime/http-edge';
import type { AlarmEvent } from '../../shared/schemas/cloudmonitor-alarm';
import { parseEvent } from '../../shared/schemas/parse-event';

/** What the edge made of an event. */
export type Edge =
  | { kind: 'alarms'; http: boolean; alarms: AlarmEvent[] }
  | { kind: 'reject'; http: boolean; status: number; error: string };

/** The methods the callback trigger serves (s.yaml: `methods: [POST]`). */
export const CALLBACK_METHODS = ['POST'] as const;

/**
 * Classifies and checks one invocation's event (a Buffer, or the value the handler shell decoded). An HTTP
 * trigger is recognised by its shape alone, so no body can make the token check be skipped; `view` is the
 * shell's view of the same event, when it already has one.
 */
export function readEdge(
  event: unknown,
  policy: Policy,
  env: NodeJS.ProcessEnv,
  view: HttpTriggerView | undefined = httpTriggerView(event),
): Edge {
  const http = view !== undefined;
  if (view) {
    const refusal =
      checkToken(view, env[policy.secrets.callbackTokenEnv]) ??
      checkMethod(view.method, CALLBACK_METHODS) ??
      checkBodySize(view);
    if (refusal) return { kind: 'reject', http, ...refusal };
  }
  try {
    const events = parseEvent(view ? view.value : event);
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
