/**
 * What `fleet-dr drill` measured, as data: the text summary, the `--json` output and drill-report.html are all
 * made from one DrillReport. Times (`t`) are ms since the drill's fault-free load began.
 */

/** Traffic in one time bucket of the load: each zone's share of the answered requests and the error rate. */
export interface SeriesPoint {
  /** Start of the bucket (ms since the load began). */
  t: number;
  /** Requests started in the bucket. */
  requests: number;
  /** Share (0..1) of the bucket's requests answered by each cluster, by cluster id. */
  share: Record<string, number>;
  /** Share (0..1) of the bucket's requests that failed (error status, reset, timeout). */
  errorRate: number;
}

/** A moment marked on the chart. */
export interface DrillMark {
  t: number;
  kind: 'fault' | 'heal' | 'decision' | 'failback-step' | 'stable';
  label: string;
}

/** A decision fleet-dr committed (from its audit trail). */
export interface DrillDecision {
  t: number;
  decision: string;
  reason: string;
  rule?: string;
  cluster?: string;
  /** fleet-dr's own rule, or the operator who asked. */
  by?: string;
}

/** A DingTalk message as delivered. */
export interface DrillMessage {
  t: number;
  msgtype: string;
  title: string;
  /** Markdown body, as DingTalk renders it. */
  text: string;
  /** The action card's button link, if any. */
  url?: string;
}

/** One configuration of the baseline comparison. */
export interface BaselineRow {
  config: 'gateway alone' | 'fleet-dr beside the gateway' | 'the mesh alone' | 'fleet-dr beside the mesh';
  requests: number;
  failures: number;
  /** ms from the fault until the last request reached the bad zone (or failed). */
  offBadZoneMs: number;
  /** What happened after the heal, in words ("traffic back after 0.4 s", "held away until failback"). */
  afterHeal: string;
}

/** One objective, its setting, and whether the run met it. */
export interface Objective {
  name: string;
  /** The target in words, with its setting's value ("within 15 s"). */
  target: string;
  /** What the run measured, in words. */
  measured: string;
  met: boolean;
}

/** The whole drill. */
export interface DrillReport {
  fault: string;
  zone: string;
  failedCluster: string;
  healthyCluster: string;
  seed: number;
  /** Client requests per second through the gateway (target). */
  rate: number;
  /** The drill's compressed timers (name → seconds), printed so nobody mistakes them for production's. */
  timers: Record<string, number>;
  startedAt: string;
  durationMs: number;
  /** The stretches the drill's own process did not run (host-stalls.ts), e.g. "none". */
  hostStalls: string;
  /** Every cluster id, in the policy's order (the chart draws one share series per cluster). */
  clusters: string[];
  series: SeriesPoint[];
  marks: DrillMark[];
  decisions: DrillDecision[];
  messages: DrillMessage[];
  /** Final canary weights per cluster, and whether the drift check found nothing. */
  final: { weights: Record<string, number>; mode: string; drift: string[] };
  baseline: BaselineRow[];
  objectives: Objective[];
  /** True when every objective was met (the exit code is 0 exactly then). */
  passed: boolean;
}
