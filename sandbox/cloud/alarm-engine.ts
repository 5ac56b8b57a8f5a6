/**
 * The CloudMonitor alarm engine: every period it runs the site-monitor probes, then evaluates each rule
 * per instance (dimension set) over the datapoints of the last period and POSTs the callback form on a
 * state change. An instance that had data and gets none for a period follows the rule's `NoDataPolicy`
 * (values and meaning from the cms20190101 SDK's PutResourceMetricRule doc comment: KEEP_LAST_STATE, the API
 * default, "no action is taken"; INSUFFICIENT_DATA, an "Insufficient data" alert; OK, "the status is considered
 * normal"). Each rule is evaluated on its own: a rule that throws is recorded in `ruleErrors` and the others
 * still alarm in the same round.
 */
import { randomUUID } from 'node:crypto';
import {
  type AlertLevel,
  type AlertState,
  buildCallbackForm,
  type CallbackForm,
  type DeliveryOptions,
  deliverCallback,
} from './alarm-callback';
import { isLoopbackUrl } from './http-util';
import { dimensionKey, dimensionsMatch, type MetricPoint, type MetricStore } from './metric-store';
import { runSiteProbes, type SiteProbe } from './site-probe';

/** CloudMonitor comparison operators the engine evaluates (threshold comparisons). */
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'NotEqualToThreshold'
  | 'EqualToThreshold';

/**
 * Every ComparisonOperator PutResourceMetricRule accepts (the cms20190101 SDK doc comment lists these 12). The
 * six period comparisons are accepted by the API but not evaluated by the stand-in: such a rule records an error.
 */
export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanThreshold',
  'NotEqualToThreshold',
  'EqualToThreshold',
  'GreaterThanYesterday',
  'LessThanYesterday',
  'GreaterThanLastWeek',
  'LessThanLastWeek',
  'GreaterThanLastPeriod',
  'LessThanLastPeriod',
] as const;

/** NoDataPolicy values (cms20190101 SDK doc comment); KEEP_LAST_STATE is the API's default. */
export const NO_DATA_POLICIES = ['KEEP_LAST_STATE', 'INSUFFICIENT_DATA', 'OK'] as const;
export type NoDataPolicy = (typeof NO_DATA_POLICIES)[number];

/**
 * Statistics the engine computes. The real service accepts the statistics of the rule's metric (checked per
 * metric since 2024-08-15; e.g. Maximum, Minimum, Average, Availability): the stand-in knows no metric list, so
 * it takes these (unverified as a complete list for custom metrics).
 */
export const STATISTICS = ['Average', 'Maximum', 'Minimum', 'Sum', 'Value', 'SampleCount'] as const;

/** A threshold rule (one escalation level, as fleet-dr uses them). */
export interface AlarmRule {
  ruleId: string;
  ruleName: string;
  namespace: string;
  metricName: string;
  /** Only datapoints carrying these dimensions count (from `Resources`). */
  dimensions?: Record<string, string>;
  webhook: string;
  level: AlertLevel;
  comparisonOperator: ComparisonOperator;
  statistics: (typeof STATISTICS)[number];
  threshold: number;
  /** Consecutive breaching periods before ALERT. */
  times: number;
  groupId?: string;
  /**
   * What a period without data does to an instance that had data. Absent (rules added in-process, as the
   * sandbox's seeded rules are): INSUFFICIENT_DATA, the engine's historical behaviour; PutResourceMetricRule
   * always sets it (KEEP_LAST_STATE when the request has none, as the real API).
   */
  noDataPolicy?: NoDataPolicy;
}

/** The last evaluation error of a rule (cleared when it evaluates again without one). */
export interface RuleError {
  ruleId: string;
  message: string;
  at: number;
}

/** One state change, as DescribeAlertLogList returns it and as tests read it. */
export interface AlertLogEntry {
  ruleId: string;
  ruleName: string;
  namespace: string;
  metricName: string;
  state: AlertState;
  level: AlertLevel | 'OK';
  value: number | undefined;
  dimensions: Record<string, string>;
  at: number;
  form: CallbackForm;
  delivered?: boolean;
}

/** Engine settings; the defaults are the real service's. */
export interface AlarmEngineOptions {
  store: MetricStore;
  now: () => number;
  periodMs?: number;
  userId: string;
  regionId: string;
  delivery?: Partial<Omit<DeliveryOptions, 'signal'>>;
}

const OPS: Record<ComparisonOperator, [string, (a: number, b: number) => boolean]> = {
  GreaterThanOrEqualToThreshold: ['>=', (a, b) => a >= b],
  GreaterThanThreshold: ['>', (a, b) => a > b],
  LessThanOrEqualToThreshold: ['<=', (a, b) => a <= b],
  LessThanThreshold: ['<', (a, b) => a < b],
  NotEqualToThreshold: ['!=', (a, b) => a !== b],
  EqualToThreshold: ['==', (a, b) => a === b],
};

function aggregate(points: MetricPoint[], stat: AlarmRule['statistics']): number {
  const v = points.map((p) => p.value);
  if (stat === 'Maximum') return Math.max(...v);
  if (stat === 'Minimum') return Math.min(...v);
  if (stat === 'Value') return v[v.length - 1] ?? Number.NaN;
  if (stat === 'SampleCount') return v.length;
  const sum = v.reduce((a, b) => a + b, 0);
  return stat === 'Sum' ? sum : sum / v.length;
}

interface InstanceState {
  state: AlertState;
  level: AlertLevel | 'OK';
  breaches: number;
  since: number;
  dimensions: Record<string, string>;
}

/** Evaluates alarm rules each period and delivers callbacks. */
export class AlarmEngine {
  readonly periodMs: number;
  readonly alertLog: AlertLogEntry[] = [];
  /** Rules whose last evaluation failed, by rule id (the others kept evaluating). */
  readonly ruleErrors = new Map<string, RuleError>();
  private readonly rules = new Map<string, AlarmRule>();
  private readonly states = new Map<string, Map<string, InstanceState>>();
  private readonly probes = new Map<string, SiteProbe>();
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly delivery: DeliveryOptions;

  constructor(private readonly o: AlarmEngineOptions) {
    this.periodMs = o.periodMs ?? 60_000;
    this.delivery = {
      timeoutMs: 5000,
      retries: 3,
      retryDelayMs: 1000,
      ...o.delivery,
      signal: this.abort.signal,
    };
  }

  /** Add or replace a rule (PutResourceMetricRule or seeded). Webhooks must be on 127.0.0.1. */
  addRule(rule: AlarmRule): void {
    if (!isLoopbackUrl(rule.webhook))
      throw new Error(`alarm rule ${rule.ruleId}: webhook must be a loopback URL`);
    this.rules.set(rule.ruleId, { ...rule });
    this.states.set(rule.ruleId, new Map());
    this.ruleErrors.delete(rule.ruleId);
  }

  /** The rules held. */
  listRules(): AlarmRule[] {
    return [...this.rules.values()];
  }

  /** Add a site-monitor style HTTP probe (127.0.0.1 targets only). */
  addSiteProbe(probe: SiteProbe): void {
    if (!isLoopbackUrl(probe.url)) throw new Error(`site probe ${probe.taskId}: url must be a loopback URL`);
    this.probes.set(probe.taskId, { ...probe });
  }

  /** Remove a site probe. */
  removeSiteProbe(taskId: string): void {
    this.probes.delete(taskId);
  }

  /** Start evaluating every period. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick().catch(() => undefined), this.periodMs);
  }

  /** Stop the timer and abort callbacks in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  /** One evaluation round: probes, then rules, then callbacks. Overlapping calls share the round in progress. */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      await runSiteProbes([...this.probes.values()], this.o.store, this.o.now, this.abort.signal);
    } catch {
      // A failed probe round must not keep the rules from being evaluated on what data there is.
    }
    const changes: AlertLogEntry[] = [];
    for (const rule of this.rules.values()) {
      // One rule at a time: a rule that throws is recorded and skipped, every other rule still alarms.
      try {
        changes.push(...this.evaluate(rule));
        this.ruleErrors.delete(rule.ruleId);
      } catch (err) {
        this.ruleErrors.set(rule.ruleId, {
          ruleId: rule.ruleId,
          message: err instanceof Error ? err.message : String(err),
          at: this.o.now(),
        });
      }
    }
    await Promise.allSettled(
      changes.map(async (c) => {
        this.alertLog.push(c);
        c.delivered = await deliverCallback(this.rules.get(c.ruleId)?.webhook ?? '', c.form, this.delivery);
      }),
    );
  }

  private evaluate(rule: AlarmRule): AlertLogEntry[] {
    const op = OPS[rule.comparisonOperator];
    if (!op)
      throw new Error(
        `alarm rule ${rule.ruleId}: ComparisonOperator ${String(rule.comparisonOperator)} is not evaluated by the stand-in`,
      );
    if (!(STATISTICS as readonly string[]).includes(rule.statistics))
      throw new Error(
        `alarm rule ${rule.ruleId}: Statistics ${String(rule.statistics)} is not evaluated by the stand-in`,
      );
    const noData: NoDataPolicy = rule.noDataPolicy ?? 'INSUFFICIENT_DATA';
    const now = this.o.now();
    const states = this.states.get(rule.ruleId) ?? new Map<string, InstanceState>();
    const recent = this.o.store
      .query({
        namespace: rule.namespace,
        metricName: rule.metricName,
        startTime: now - this.periodMs + 1,
        endTime: now,
      })
      .filter((p) => dimensionsMatch(p.dimensions, rule.dimensions));
    const byInstance = new Map<string, MetricPoint[]>();
    for (const p of recent) {
      const k = dimensionKey(p.dimensions);
      byInstance.set(k, [...(byInstance.get(k) ?? []), p]);
    }
    const keys = new Set([...states.keys(), ...byInstance.keys()]);
    const out: AlertLogEntry[] = [];
    for (const k of keys) {
      const pts = byInstance.get(k);
      const prev = states.get(k);
      // KEEP_LAST_STATE: a period without data changes nothing (no state change, no callback, count kept).
      if (!pts && prev && noData === 'KEEP_LAST_STATE') continue;
      const dims = pts?.[0]?.dimensions ?? prev?.dimensions ?? {};
      const value = pts ? aggregate(pts, rule.statistics) : undefined;
      const breach = value !== undefined && op[1](value, rule.threshold);
      const breaches = breach ? (prev?.breaches ?? 0) + 1 : 0;
      const next: AlertState = !pts
        ? noData === 'OK'
          ? 'OK'
          : 'INSUFFICIENT_DATA'
        : breaches >= rule.times
          ? 'ALERT'
          : 'OK';
      const level: AlertLevel | 'OK' = next === 'OK' ? 'OK' : rule.level;
      const changed = prev ? prev.state !== next : next !== 'OK';
      states.set(k, {
        state: next,
        level,
        breaches,
        since: changed ? now : (prev?.since ?? now),
        dimensions: dims,
      });
      if (changed) out.push(this.entry(rule, next, level, prev, value, dims, now));
    }
    this.states.set(rule.ruleId, states);
    return out;
  }

  private entry(
    rule: AlarmRule,
    state: AlertState,
    level: AlertLevel | 'OK',
    prev: InstanceState | undefined,
    value: number | undefined,
    dims: Record<string, string>,
    now: number,
  ): AlertLogEntry {
    const form = buildCallbackForm({
      ruleId: rule.ruleId,
      ruleName: rule.ruleName,
      namespace: rule.namespace,
      metricName: rule.metricName,
      state,
      triggerLevel: level,
      preTriggerLevel: prev?.level ?? 'OK',
      curValue: value,
      dimensions: dims,
      expression: `$${rule.statistics}${OPS[rule.comparisonOperator][0]}${rule.threshold}`,
      userId: this.o.userId,
      regionId: this.o.regionId,
      groupId: rule.groupId,
      lastMs: prev ? now - prev.since : 0,
      now,
    });
    const e: AlertLogEntry = {
      ruleId: rule.ruleId,
      ruleName: rule.ruleName,
      namespace: rule.namespace,
      metricName: rule.metricName,
      state,
      level,
      value,
      dimensions: dims,
      at: now,
      form,
    };
    return e;
  }

  /** An id for rules created without one. */
  static newRuleId(): string {
    return randomUUID();
  }
}
