/**
 * Function Compute timer trigger event (fires at most once a minute). `payload` is the trigger's configured
 * string, passed through untouched.
 *
 * @example
 * {"triggerTime":"2023-12-26T07:49:00Z","triggerName":"timer-trigger","payload":"{\"task\":\"observe\"}"}
 */
import { z } from 'zod';

/** The timer event as FC sends it. */
export const TimerTriggerSchema = z.looseObject({
  triggerTime: z.iso.datetime({ offset: true, message: 'triggerTime must be an RFC 3339 timestamp' }),
  triggerName: z.string().min(1, 'triggerName must not be empty'),
  payload: z.string().default(''),
});

/** A timer event validated and normalised into a TimerEvent. */
export const TimerEventSchema = TimerTriggerSchema.transform((t) => ({
  kind: 'timer' as const,
  triggerName: t.triggerName,
  time: new Date(t.triggerTime),
  payload: t.payload,
}));

/** A normalised timer tick. */
export type TimerEvent = z.output<typeof TimerEventSchema>;

/** True when an object has the timer event's shape. */
export function looksLikeTimer(v: Record<string, unknown>): boolean {
  return 'triggerTime' in v || ('triggerName' in v && 'payload' in v && !('requestContext' in v));
}
