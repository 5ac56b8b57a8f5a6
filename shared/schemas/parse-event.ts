/**
 * The one entry point for trigger events: a Function Compute Buffer or string, a parsed object, or an array
 * (EventBridge batches). It recognises the kind by shape, validates it with that source's schema and returns
 * normalised events. Anything unrecognised, malformed, empty or truncated throws EventParseError with a
 * one-line reason; nothing partial is returned, so a handler never acts on half a batch.
 */
import type { z } from 'zod';
import { EventParseError } from '../errors';
import { CloudEventSchema, looksLikeCloudEvent } from './cloudevents';
import {
  type AlarmEvent,
  AlarmEventSchema,
  type AlarmVia,
  looksLikeAlarm,
  parseForm,
} from './cloudmonitor-alarm';
import { type ClusterEvent, ClusterEventSchema } from './eventbridge-cs';
import {
  type HttpRequest,
  type HttpRequestEvent,
  HttpRequestSchema,
  looksLikeHttpTrigger,
  toHttpRequestEvent,
} from './fc-http';
import { looksLikeTimer, type TimerEvent, TimerEventSchema } from './fc-timer';
import { CMS_ALARM_EVENT_SOURCES, CMS_ALARM_EVENT_TYPES } from './unverified';

/** Any recognised event, normalised. */
export type NormalisedEvent = AlarmEvent | ClusterEvent | TimerEvent | HttpRequestEvent;

/** Most events a single delivery may carry; EventBridge batches are far smaller. */
const MAX_BATCH = 1000;

/** Parses a trigger event into normalised events (one per element of a batch). */
export function parseEvent(input: unknown): NormalisedEvent[] {
  const value = decode(input);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new EventParseError('empty batch: the event is an empty array');
    if (value.length > MAX_BATCH)
      throw new EventParseError(`batch of ${value.length} events exceeds ${MAX_BATCH}`);
    return value.map((item, i) => {
      try {
        return parseOne(typeof item === 'string' ? decode(item) : item);
      } catch (err) {
        if (err instanceof EventParseError)
          throw new EventParseError(`[${i}]: ${err.message}`, { cause: err });
        throw err;
      }
    });
  }
  return [parseOne(value)];
}

/** Decodes an FC 3.0 HTTP trigger event into the request (method, path, query, headers, body bytes). */
export function parseHttpTrigger(input: unknown): HttpRequest {
  const value = decode(input);
  if (!isObject(value) || !looksLikeHttpTrigger(value))
    throw new EventParseError(`not an FC HTTP trigger event (${describe(value)})`);
  return validate(HttpRequestSchema, value, 'fc http trigger');
}

function parseOne(value: unknown): NormalisedEvent {
  if (typeof value === 'string') return alarmFromForm(value, 'callback');
  if (!isObject(value)) throw new EventParseError(`unrecognised event: ${describe(value)}`);
  if (looksLikeCloudEvent(value)) return parseCloudEvent(value);
  if (looksLikeHttpTrigger(value)) {
    const request = validate(HttpRequestSchema, value, 'fc http trigger');
    const form = formAlarmBody(request);
    return form !== undefined ? alarmFromForm(form, 'http-trigger') : toHttpRequestEvent(request);
  }
  if (looksLikeTimer(value)) return validate(TimerEventSchema, value, 'fc timer');
  if (looksLikeAlarm(value)) return validate(AlarmEventSchema, value, 'cloudmonitor alarm');
  throw new EventParseError(`unrecognised event: ${describe(value)}`);
}

function parseCloudEvent(value: Record<string, unknown>): NormalisedEvent {
  const envelope = validate(CloudEventSchema, value, 'cloudevents');
  if (envelope.source === 'acs.cs') return validate(ClusterEventSchema, value, 'acs.cs event');
  const data = typeof envelope.data === 'string' ? tryJson(envelope.data) : envelope.data;
  const fromCms = (CMS_ALARM_EVENT_SOURCES as readonly string[]).includes(envelope.source);
  const alertType = (CMS_ALARM_EVENT_TYPES as readonly string[]).includes(envelope.type);
  if (looksLikeAlarm(data) && !(fromCms && alertType))
    throw new EventParseError(
      `not a CloudMonitor alert callback: source ${envelope.source}, type ${envelope.type} (expected source ${CMS_ALARM_EVENT_SOURCES.join(' or ')} and type ${CMS_ALARM_EVENT_TYPES.join(', ')})`,
    );
  if (looksLikeAlarm(data))
    return {
      ...validate(AlarmEventSchema, data, 'cloudmonitor alarm (cloudevents data)'),
      via: 'cloudevents',
    };
  throw new EventParseError(
    `unrecognised CloudEvents event: source ${envelope.source}, type ${envelope.type} (expected acs.cs or an alarm in data)`,
  );
}

// An alarm callback is a form body with alertName; any other body is an ordinary HTTP request. Plain string
// searches, linear in the body (which the schema has already bounded).
function formAlarmBody(r: HttpRequest): string | undefined {
  const text = r.body.toString('utf8');
  const t = text.trim();
  const isAlarm = ['alertName=', 'alertState='].some((f) => t.startsWith(f) || t.includes(`&${f}`));
  return isAlarm ? text : undefined;
}

function alarmFromForm(body: string, via: AlarmVia): AlarmEvent {
  const fields = parseForm(body);
  if (!('alertName' in fields) && !('alertState' in fields))
    throw new EventParseError(
      'unrecognised form body: no alertName and alertState (not a CloudMonitor callback)',
    );
  return { ...validate(AlarmEventSchema, fields, 'cloudmonitor alarm'), via };
}

/**
 * The event as a value: a Buffer or string is decoded (JSON, or a raw form body kept as a string), anything
 * else is returned as it is. Throws EventParseError on empty, binary, non-UTF-8 or malformed input. The HTTP
 * edge uses it to look at an event's shape before anything reads the request body.
 */
export function decodeEvent(input: unknown): unknown {
  return decode(input);
}

function decode(input: unknown): unknown {
  let text: string;
  if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
    if (input.length === 0) throw new EventParseError('empty event: no bytes');
    if (input.includes(0)) throw new EventParseError('binary data, not a JSON or form event');
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new EventParseError('not UTF-8 text (binary data?)');
    }
  } else if (typeof input === 'string') text = input;
  else if (input === undefined || input === null) throw new EventParseError('empty event: nothing received');
  else return input;
  const trimmed = text.trim();
  if (trimmed === '') throw new EventParseError('empty event: only whitespace');
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"')) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      const msg = (err as Error).message;
      // A parse error at the very end means the text stopped early: say "truncated", the likelier cause.
      const pos = Number(/at position (\d+)/.exec(msg)?.[1] ?? Number.NaN);
      const truncated = /end of (JSON|data)|Unterminated/i.test(msg) || pos >= trimmed.length - 1;
      throw new EventParseError(`${truncated ? 'truncated' : 'malformed'} JSON: ${msg}`, { cause: err });
    }
  }
  if (/^[\w.%-]+=/.test(trimmed)) return trimmed; // a form body (a raw callback), handled by parseOne
  throw new EventParseError(
    `not JSON and not a form body: starts with ${JSON.stringify(trimmed.slice(0, 20))}`,
  );
}

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const [first, ...rest] = r.error.issues;
  const path = first?.path.length ? `${first.path.map(String).join('.')}: ` : '';
  const more = rest.length ? ` (and ${rest.length} more)` : '';
  const missing = first && first.code !== 'custom' && at(value, first.path) === undefined;
  const message = missing ? 'required' : first?.message;
  throw new EventParseError(
    `${what}: ${path}${message?.replace(/^Invalid input: /, '') ?? 'invalid'}${more}`,
  );
}

function at(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path)
    v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s.includes('alertName=') ? parseForm(s) : undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (isObject(v)) {
    const keys = Object.keys(v);
    return keys.length
      ? `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`
      : 'an empty object';
  }
  return Array.isArray(v) ? 'an array' : `a ${v === null ? 'null' : typeof v}`;
}
