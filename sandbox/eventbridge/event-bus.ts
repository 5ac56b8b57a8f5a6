/**
 * The EventBridge stand-in: the default event bus with the rules s.yaml deploys. `putEvents` matches each
 * event against every enabled rule's pattern (pattern.ts); the matched events of a rule are pushed to its
 * function in batches, as an FC EventBridge trigger does: a JSON array of CloudEvents (or of `data` only,
 * for `eventSchema: RawData`), up to `batchSize` events, a partial batch after `batchWindowMs`, at most
 * `concurrency` deliveries of a rule at a time, and a failed invocation (the function threw) retried with
 * backoff. A delivery the function answered, a refusal included, is done. Every delivery is recorded, and
 * `idle()` resolves when nothing is queued or in flight: tests wait for it, not for time.
 */
import { matchesPattern } from './pattern';
import type { EventRule } from './s-yaml-rules';

/** What the bus needs of Function Compute: the local invoker's `invoke`. */
export type Invoke = (
  functionName: string,
  event: Buffer,
) => Promise<{ payload: Buffer; error?: { errorType: string; errorMessage: string } }>;

/** Options of the bus. */
export interface EventBusOptions {
  rules: EventRule[];
  invoke: Invoke;
  /** Events per delivery; default 10. */
  batchSize?: number;
  /** How long a partial batch waits for more events; default 50 ms. */
  batchWindowMs?: number;
  /** Deliveries of one rule in flight at once; default 2. */
  concurrency?: number;
  /** Retries of a delivery whose invocation failed; default 2, `retryDelayMs` (default 100) doubling. */
  retries?: number;
  retryDelayMs?: number;
}

/** One delivery to a function, as it ended. */
export interface DeliveryRecord {
  rule: string;
  functionName: string;
  eventIds: string[];
  attempts: number;
  /** The function's answer (JSON), when it answered. */
  answer?: unknown;
  /** The last invocation error, when every attempt failed. */
  error?: string;
  startedAt: number;
  endedAt: number;
}

interface RuleQueue {
  rule: EventRule;
  queue: Array<Record<string, unknown>>;
  inFlight: number;
  timer?: NodeJS.Timeout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The event bus. */
export class EventBus {
  /** Every finished delivery, oldest first. */
  readonly deliveries: DeliveryRecord[] = [];
  /** Events put on the bus, and how many matched no rule. */
  readonly counts = { put: 0, unmatched: 0 };
  private readonly queues: RuleQueue[];
  private waiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly o: EventBusOptions) {
    this.queues = o.rules.filter((r) => r.enabled).map((rule) => ({ rule, queue: [], inFlight: 0 }));
  }

  /** The rules (enabled ones) an event matches, by name. */
  matchingRules(event: unknown): string[] {
    return this.queues.filter((q) => matchesPattern(q.rule.pattern, event)).map((q) => q.rule.name);
  }

  /** Puts events on the bus (EventBridge PutEvents); returns how many rules each matched. */
  putEvents(events: Array<Record<string, unknown>>): number[] {
    if (this.stopped) throw new Error('event bus stopped');
    const matched = events.map((e) => {
      this.counts.put++;
      let n = 0;
      for (const q of this.queues) {
        if (!matchesPattern(q.rule.pattern, e)) continue;
        q.queue.push(e);
        n++;
      }
      if (n === 0) this.counts.unmatched++;
      return n;
    });
    for (const q of this.queues) this.schedule(q);
    return matched;
  }

  /** Resolves when nothing is queued, waiting for its batch window, or being delivered. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops taking events; what is queued is still delivered (await `idle()` for it). */
  stop(): void {
    this.stopped = true;
  }

  private isIdle(): boolean {
    return this.queues.every((q) => q.queue.length === 0 && q.inFlight === 0 && !q.timer);
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private get batchSize(): number {
    return this.o.batchSize ?? 10;
  }

  private schedule(q: RuleQueue): void {
    this.pump(q, false);
    if (q.queue.length > 0 && !q.timer)
      q.timer = setTimeout(() => {
        q.timer = undefined;
        this.pump(q, true);
        this.settle();
      }, this.o.batchWindowMs ?? 50);
  }

  private pump(q: RuleQueue, partial: boolean): void {
    const max = this.o.concurrency ?? 2;
    while (q.inFlight < max && (q.queue.length >= this.batchSize || (partial && q.queue.length > 0))) {
      const batch = q.queue.splice(0, this.batchSize);
      q.inFlight++;
      void this.deliver(q.rule, batch).finally(() => {
        q.inFlight--;
        // The window of what is left has passed while this delivery ran: send it, full or not.
        this.pump(q, true);
        this.settle();
      });
    }
  }

  private async deliver(rule: EventRule, batch: Array<Record<string, unknown>>): Promise<void> {
    const body = rule.eventSchema === 'RawData' ? batch.map((e) => e.data) : batch;
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const record: DeliveryRecord = {
      rule: rule.name,
      functionName: rule.functionName,
      eventIds: batch.map((e) => String(e.id)),
      attempts: 0,
      startedAt: Date.now(),
      endedAt: 0,
    };
    const retries = this.o.retries ?? 2;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep((this.o.retryDelayMs ?? 100) * 2 ** (attempt - 1));
      record.attempts++;
      try {
        const r = await this.o.invoke(rule.functionName, bytes);
        if (r.error) {
          record.error = `${r.error.errorType}: ${r.error.errorMessage}`;
          continue;
        }
        delete record.error;
        const text = r.payload.toString('utf8');
        try {
          record.answer = JSON.parse(text);
        } catch {
          record.answer = text;
        }
        break;
      } catch (e) {
        record.error = e instanceof Error ? e.message : String(e);
      }
    }
    record.endedAt = Date.now();
    this.deliveries.push(record);
  }
}
