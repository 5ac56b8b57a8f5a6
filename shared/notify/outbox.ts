/**
 * The durable notification outbox on the Fleet. Messages are enqueued first (coalescing messages of one
 * incident that are still waiting), then delivered under DingTalk's rules: at most `perMinute` sends per
 * robot in any 60 s (counted in the outbox, since instances come and go), no sending while the robot is
 * deferred after a 130101, bodies split to fit 20,000 bytes. A message leaves the outbox only when every
 * part was accepted; one that keeps failing becomes `undeliverable`, stays, and is reported — never dropped.
 * Delivery is at-least-once: a crash after a send and before the result commit resends that part.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NotifyError } from '../clients/errors';
import type { KubeClient } from '../clients/kube-client';
import { type Logger, silentLogger } from '../log';
import { ConfigMapDocument } from '../state/config-map-document';
import {
  afterFailure,
  chooseToSend,
  DEFAULT_DELIVERY_LIMITS,
  type DeliveryLimits,
  robotWindowAt,
} from './delivery-schedule';
import type { Mentions, Notification } from './dingtalk';
import { DINGTALK_THROTTLED, type DingTalkSend, type Robot } from './dingtalk-client';
import { splitNotification } from './split';

const MessageSchema = z.strictObject({
  id: z.string(),
  robotId: z.string(),
  incidentId: z.string().nullable(),
  title: z.string(),
  text: z.string(),
  action: z.strictObject({ title: z.string(), url: z.string() }).nullable(),
  createdAt: z.number(),
  state: z.enum(['pending', 'sending', 'undeliverable']),
  attempts: z.number().int(),
  partsSent: z.number().int(),
  nextAttemptAt: z.number(),
  claimUntil: z.number().nullable(),
  claimBy: z.string().nullable(),
  lastError: z.string().nullable(),
});

const OutboxSchema = z.strictObject({
  messages: z.array(MessageSchema),
  robots: z.record(
    z.string(),
    z.strictObject({ sent: z.array(z.number()), deferredUntil: z.number().nullable() }),
  ),
  delivered: z.number().int(),
  /** Ids of the records already enqueued (newest last, bounded): a record queued twice is queued once. */
  enqueuedIds: z.array(z.string()).default([]),
});

/** What separates the notifications a coalesced message carries, newest first. */
export const EARLIER_IN_INCIDENT = '\n\n---\n\n**Earlier in this incident**\n\n';

/** The text of a waiting message that absorbed a newer notification of its incident: the newest first. */
export const coalescedText = (newer: string, waiting: string) => `${newer}${EARLIER_IN_INCIDENT}${waiting}`;

/** The texts of the notifications one delivered message carries, newest first (one unless it coalesced). */
export const coalescedSections = (text: string) => text.split(EARLIER_IN_INCIDENT);

/** How many enqueued record ids the outbox remembers. */
const ENQUEUED_IDS_LIMIT = 500;

/** A message waiting in the outbox. */
export type OutboxMessage = z.infer<typeof MessageSchema>;
type OutboxDoc = z.infer<typeof OutboxSchema>;

/** What one delivery run did. */
export interface DeliveryReport {
  delivered: string[];
  /** Messages left waiting (throttled, deferred or failed for now). */
  pending: string[];
  /** Messages that exhausted their attempts: kept in the outbox, to be reported by the caller. */
  undeliverable: Array<{ id: string; title: string; lastError: string | null }>;
  deferredUntil: number | null;
}

/** Outbox settings; tests shorten the timers. */
export interface OutboxOptions {
  /** The Fleet's Kubernetes API, where the outbox ConfigMap lives. */
  fleetKube: KubeClient;
  namespace: string;
  name?: string;
  robot: Robot;
  /** Stable id of the robot in the outbox (never the access token). */
  robotId: string;
  send: DingTalkSend;
  mentions?: Mentions;
  keywords?: string[];
  now?: () => number;
  perMinute?: number;
  deferMs?: number;
  maxAttempts?: number;
  backoffMs?: number;
  claimMs?: number;
  maxBytes?: number;
  log?: Logger;
}

/** The DingTalk outbox. */
export class Outbox {
  private readonly doc: ConfigMapDocument<OutboxDoc>;
  private readonly owner = randomUUID();
  private readonly now: () => number;

  private readonly limits: DeliveryLimits;

  constructor(private readonly options: OutboxOptions) {
    this.doc = new ConfigMapDocument(
      options.fleetKube,
      options.namespace,
      options.name ?? 'fleet-dr-outbox',
      OutboxSchema,
      () => ({ messages: [], robots: {}, delivered: 0, enqueuedIds: [] }),
    );
    this.now = options.now ?? Date.now;
    const defaults = DEFAULT_DELIVERY_LIMITS;
    this.limits = {
      perMinute: options.perMinute ?? defaults.perMinute,
      deferMs: options.deferMs ?? defaults.deferMs,
      maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
      backoffMs: options.backoffMs ?? defaults.backoffMs,
      claimMs: options.claimMs ?? defaults.claimMs,
    };
  }

  private parts(m: OutboxMessage) {
    const n: Notification = { title: m.title, text: m.text, action: m.action ?? undefined };
    return splitNotification(n, this.options.mentions, this.options.keywords, {
      maxBytes: this.options.maxBytes,
    });
  }

  /**
   * Add a notification; a waiting message of the same incident absorbs it instead (the newest part first,
   * under the newest title). With `id` (the routing outbox record), a notification already enqueued under
   * that id is not queued again: `duplicate` says so.
   */
  async enqueue(
    n: Notification,
    opts: { id?: string } = {},
  ): Promise<{ id: string; coalesced: boolean; duplicate: boolean }> {
    let out = { id: '', coalesced: false, duplicate: false };
    await this.doc.commit((cur) => {
      const t = this.now();
      if (opts.id && cur.enqueuedIds.includes(opts.id)) {
        out = { id: opts.id, coalesced: false, duplicate: true };
        return undefined;
      }
      const same = n.incidentId
        ? cur.messages.find(
            (m) =>
              m.incidentId === n.incidentId &&
              m.robotId === this.options.robotId &&
              m.state === 'pending' &&
              m.partsSent === 0,
          )
        : undefined;
      if (same) {
        same.title = n.title;
        same.text = coalescedText(n.text, same.text);
        same.action = n.action ?? same.action;
        out = { id: same.id, coalesced: true, duplicate: false };
      } else {
        const id = opts.id ?? randomUUID();
        cur.messages.push({
          id,
          robotId: this.options.robotId,
          incidentId: n.incidentId ?? null,
          title: n.title,
          text: n.text,
          action: n.action ?? null,
          createdAt: t,
          state: 'pending',
          attempts: 0,
          partsSent: 0,
          nextAttemptAt: t,
          claimUntil: null,
          claimBy: null,
          lastError: null,
        });
        out = { id, coalesced: false, duplicate: false };
      }
      if (opts.id) cur.enqueuedIds = [...cur.enqueuedIds, opts.id].slice(-ENQUEUED_IDS_LIMIT);
      return cur;
    });
    return out;
  }

  /** Everything still in the outbox (pending, being sent, undeliverable). */
  async messages(): Promise<OutboxMessage[]> {
    return (await this.doc.read()).value.messages;
  }

  /** Send what is due within the rate limit; commit the results. Nothing due: one read, no write. */
  async deliver(): Promise<DeliveryReport> {
    const { claimed, seen } = await this.claim();
    if (claimed.length === 0)
      return this.reportOf(seen, { delivered: [], pending: [], undeliverable: [], deferredUntil: null });
    const results = new Map<string, { partsSent: number; error?: NotifyError }>();
    let throttled = false;
    for (const m of claimed) {
      const parts = this.parts(m);
      let sent = m.partsSent;
      let error: NotifyError | undefined;
      if (!throttled) {
        for (let i = m.partsSent; i < parts.length; i++) {
          try {
            await this.options.send(this.options.robot, parts[i]!);
            sent = i + 1;
          } catch (err) {
            error =
              err instanceof NotifyError
                ? err
                : new NotifyError('dingtalk', 'unknown', String(err), { cause: err });
            if (error.code === DINGTALK_THROTTLED) throttled = true;
            break;
          }
        }
      }
      results.set(m.id, {
        partsSent: sent,
        error:
          error ??
          (throttled && sent < parts.length
            ? new NotifyError('dingtalk', DINGTALK_THROTTLED, 'robot deferred')
            : undefined),
      });
    }
    return this.settle(results, throttled);
  }

  private async claim(): Promise<{ claimed: OutboxMessage[]; seen: OutboxDoc }> {
    let claimed: OutboxMessage[] = [];
    const { perMinute, claimMs } = this.limits;
    const r = await this.doc.commit((cur) => {
      const t = this.now();
      const { window: robot, deferred } = robotWindowAt(cur.robots[this.options.robotId], t);
      if (deferred) return undefined;
      const chosen = chooseToSend(
        cur.messages,
        this.options.robotId,
        t,
        perMinute - robot.sent.length,
        (m) => this.parts(m).length,
      );
      claimed = [];
      for (const { message: m, parts } of chosen) {
        // Reserve the sends in the window now, so a concurrent deliverer cannot exceed the limit.
        for (let i = 0; i < parts; i++) robot.sent.push(t);
        m.state = 'sending';
        m.claimBy = this.owner;
        m.claimUntil = t + claimMs;
        claimed.push(structuredClone(m));
      }
      cur.robots[this.options.robotId] = robot;
      return claimed.length ? cur : undefined;
    });
    return { claimed, seen: r.value };
  }

  private async settle(
    results: Map<string, { partsSent: number; error?: NotifyError }>,
    throttled: boolean,
  ): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: [], pending: [], undeliverable: [], deferredUntil: null };
    const r = await this.doc.commit((cur) => {
      const t = this.now();
      report.delivered = [];
      const keep: OutboxMessage[] = [];
      for (const m of cur.messages) {
        const res = results.get(m.id);
        if (!res || m.claimBy !== this.owner) {
          keep.push(m);
          continue;
        }
        m.partsSent = res.partsSent;
        m.claimBy = null;
        m.claimUntil = null;
        if (!res.error) {
          report.delivered.push(m.id);
          cur.delivered++;
          continue;
        }
        m.lastError = `${res.error.code}: ${res.error.message}`;
        Object.assign(m, afterFailure(m.attempts, res.error.code, t, this.limits));
        keep.push(m);
      }
      cur.messages = keep;
      if (throttled) {
        const robot = cur.robots[this.options.robotId] ?? { sent: [], deferredUntil: null };
        robot.deferredUntil = t + this.limits.deferMs;
        cur.robots[this.options.robotId] = robot;
      }
      return cur;
    });
    return this.reportOf(r.value, report);
  }

  /** What is left in the outbox after a delivery run, added to its report. */
  private reportOf(doc: OutboxDoc, report: DeliveryReport): DeliveryReport {
    const log = this.options.log ?? silentLogger;
    for (const m of doc.messages) {
      if (m.robotId !== this.options.robotId) continue;
      if (m.state === 'undeliverable')
        report.undeliverable.push({ id: m.id, title: m.title, lastError: m.lastError });
      else report.pending.push(m.id);
    }
    report.deferredUntil = doc.robots[this.options.robotId]?.deferredUntil ?? null;
    if (report.undeliverable.length)
      log.error('notifications undeliverable, kept in the outbox', { undeliverable: report.undeliverable });
    return report;
  }
}
