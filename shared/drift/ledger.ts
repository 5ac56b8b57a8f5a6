/**
 * The drift ledger on the Fleet (ConfigMap `fleet-dr-drift`, written with resourceVersion): which differences
 * were reported (by key, with their fingerprint), when the check last ran (so the policy's interval holds
 * whichever instance the timer starts) and the messages owed (a transactional outbox: a run commits what it
 * found together with its message, then hands the message to the DingTalk outbox under its id; a run that
 * crashed in between is finished by the next one, and the DingTalk outbox queues an id once).
 */
import { z } from 'zod';
import type { KubeClient } from '../clients/kube-client';
import type { Notification } from '../notify/dingtalk';
import { ConfigMapDocument } from '../state/config-map-document';
import { STATE_CONFIGMAPS } from '../state/routing-store';
import { driftKey, fingerprint } from './compare';
import type { ResolvedDrift } from './report';
import type { Difference } from './types';

const LedgerSchema = z.strictObject({
  reported: z.record(
    z.string(),
    z.strictObject({
      fingerprint: z.string(),
      firstSeen: z.number(),
      lastReported: z.number(),
      expected: z.string().default(''),
      actual: z.string().default(''),
    }),
  ),
  lastRunAt: z.number().nullable().default(null),
  pending: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        title: z.string(),
        text: z.string(),
        createdAt: z.number(),
      }),
    )
    .default([]),
});

/** The ledger document. */
export type Ledger = z.infer<typeof LedgerSchema>;

/** What recording one run's differences found. */
export interface Recorded {
  /** Keys reported for the first time, or again because what differs changed. */
  appeared: string[];
  resolved: ResolvedDrift[];
  /** The id of the message the run owes, when it owes one. */
  messageId?: string;
}

/** Timer runs come a little early or late: a run this close to its interval is due. */
const INTERVAL_SLACK_MS = 5_000;

/** The drift ledger. */
export class DriftLedger {
  readonly doc: ConfigMapDocument<Ledger>;

  constructor(fleetKube: KubeClient, namespace: string, name: string = STATE_CONFIGMAPS.drift) {
    this.doc = new ConfigMapDocument(fleetKube, namespace, name, LedgerSchema, () => ({
      reported: {},
      lastRunAt: null,
      pending: [],
    }));
  }

  /**
   * Claims this interval's run: true (and the run time recorded) when the last run is `intervalMs` ago or
   * more, or when `force`; two timer runs at once claim it once.
   */
  async claim(
    now: number,
    intervalMs: number,
    force = false,
  ): Promise<{ due: boolean; lastRunAt: number | null }> {
    let last: number | null = null;
    const r = await this.doc.commit((cur) => {
      last = cur.lastRunAt;
      if (!force && cur.lastRunAt !== null && now - cur.lastRunAt < intervalMs - INTERVAL_SLACK_MS)
        return undefined;
      return { ...cur, lastRunAt: now };
    });
    return { due: r.committed, lastRunAt: last };
  }

  /**
   * Records a run's differences in one conditional write: new and changed keys are reported, keys that are
   * gone are resolved (unless the run could not judge them), and the message `compose` writes for them is
   * committed with them.
   */
  async record(
    diffs: Difference[],
    now: number,
    compose: (r: Omit<Recorded, 'messageId'>) => Notification | undefined,
    /** Keys this run could not judge (a source was not read): kept as reported, never resolved. */
    unjudged: (key: string) => boolean = () => false,
  ): Promise<Recorded> {
    let out: Recorded = { appeared: [], resolved: [] };
    await this.doc.commit((cur) => {
      const appeared: string[] = [];
      const reported: Ledger['reported'] = {};
      for (const d of diffs) {
        const key = driftKey(d);
        const fp = fingerprint(d);
        const prev = cur.reported[key];
        if (prev?.fingerprint === fp) reported[key] = prev;
        else {
          appeared.push(key);
          reported[key] = {
            fingerprint: fp,
            firstSeen: prev?.firstSeen ?? now,
            lastReported: now,
            expected: d.expected,
            actual: d.actual,
          };
        }
      }
      for (const [k, v] of Object.entries(cur.reported)) if (!(k in reported) && unjudged(k)) reported[k] = v;
      const resolved = Object.entries(cur.reported)
        .filter(([k]) => !(k in reported))
        .map(([key, v]) => ({ key, expected: v.expected, actual: v.actual }));
      const n = compose({ appeared, resolved });
      const messageId = n ? `drift-${now}` : undefined;
      out = { appeared, resolved, ...(messageId ? { messageId } : {}) };
      const changed = appeared.length > 0 || resolved.length > 0 || n !== undefined;
      if (!changed) return undefined;
      return {
        ...cur,
        reported,
        pending: n
          ? [...cur.pending, { id: messageId!, title: n.title, text: n.text, createdAt: now }]
          : cur.pending,
      };
    });
    return out;
  }

  /** Hands every owed message to the DingTalk outbox (under its id), then takes it off the ledger. */
  async finishPending(enqueue: (n: Notification, id: string) => Promise<void>): Promise<number> {
    const { value } = await this.doc.read();
    if (value.pending.length === 0) return 0;
    const done: string[] = [];
    for (const p of value.pending) {
      await enqueue({ title: p.title, text: p.text }, p.id);
      done.push(p.id);
    }
    await this.doc.commit((cur) => {
      if (!cur.pending.some((p) => done.includes(p.id))) return undefined;
      return { ...cur, pending: cur.pending.filter((p) => !done.includes(p.id)) };
    });
    return done.length;
  }
}
