/**
 * The drill report's chart as inline SVG, drawn here in TypeScript (no script, no network): each cluster's
 * share of the answered requests over time, the error rate, and a dashed vertical marker per DrillMark.
 * Every series is one `<g data-series="…">`, so the page (and a test) can count what was drawn.
 */

import type { DrillMark, DrillReport, SeriesPoint } from './drill-report';

/**
 * Where the chart sits on the page, in CSS pixels from the page's top-left corner: report-html.ts puts it
 * first, at exactly this box, so a screenshot test knows which pixels are the chart.
 */
export const CHART_BOX = { left: 20, top: 20, width: 1100, height: 360 } as const;

/** Line colours for the clusters, in `r.clusters` order (repeating past the end). */
export const CLUSTER_COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'] as const;
/** Line colour of the error-rate series. */
export const ERROR_COLOUR = '#d62728';
const MARK_COLOUR = '#555555';
const MARK_DASH: Record<DrillMark['kind'], string> = {
  fault: '6 3',
  heal: '2 3',
  decision: '8 2 2 2',
  'failback-step': '4 4',
  stable: '1 2',
};

/** Plot area inside the SVG (room for the axes' labels and the marks' labels). */
const PLOT = { left: 56, top: 54, right: CHART_BOX.width - 20, bottom: CHART_BOX.height - 40 };

/** One drawn series: its legend name, colour, line width and value (0..1) per point, `undefined` for a gap. */
export interface ChartSeries {
  id: string;
  label: string;
  colour: string;
  width: number;
  value: (p: SeriesPoint) => number | undefined;
}

/** The series the chart draws: one per cluster, then the error rate. */
export function chartSeries(r: DrillReport): ChartSeries[] {
  const answered = (p: SeriesPoint) => p.requests > 0;
  const clusters = r.clusters.map((c, i) => ({
    id: c,
    label: `${c} share`,
    colour: CLUSTER_COLOURS[i % CLUSTER_COLOURS.length]!,
    // Earlier clusters draw wider, so where shares are equal every line still shows beneath the next.
    width: Math.min(9, 3 + 2 * (r.clusters.length - 1 - i)),
    value: (p: SeriesPoint) => (answered(p) ? (p.share[c] ?? 0) : undefined),
  }));
  const errors = {
    id: 'error-rate',
    label: 'error rate',
    colour: ERROR_COLOUR,
    width: 3,
    value: (p: SeriesPoint) => (answered(p) ? p.errorRate : undefined),
  };
  return [...clusters, errors];
}

/** Escapes text for HTML and SVG text and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** A tick step (s) giving at most ~12 ticks over `spanS` seconds. */
function tickStep(spanS: number): number {
  return [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => spanS / s <= 12) ?? 7200;
}

/** The inline `<svg>` of the report's chart, CHART_BOX.width × CHART_BOX.height. */
export function renderChart(r: DrillReport): string {
  const lastT = Math.max(r.durationMs, ...r.series.map((p) => p.t), ...r.marks.map((m) => m.t), 1);
  const x = (t: number) => PLOT.left + (Math.max(0, t) / lastT) * (PLOT.right - PLOT.left);
  const y = (v: number) => PLOT.bottom - Math.min(1, Math.max(0, v)) * (PLOT.bottom - PLOT.top);
  const parts = [axes(lastT, x, y), ...r.marks.map((m, i) => mark(m, i, x))];
  for (const s of chartSeries(r)) parts.push(seriesPath(s, r.series, x, y));
  const { width, height } = CHART_BOX;
  return (
    `<svg role="img" aria-label="Traffic share per cluster and error rate over time" width="${width}" ` +
    `height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${parts.join('')}</svg>`
  );
}

function axes(lastT: number, x: (t: number) => number, y: (v: number) => number): string {
  const out: string[] = [];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/>`,
      `<text x="${PLOT.left - 6}" y="${y(v) + 4}" text-anchor="end">${v * 100}%</text>`,
    );
  }
  const step = tickStep(lastT / 1000);
  for (let s = 0; s * 1000 <= lastT; s += step) {
    out.push(
      `<line x1="${x(s * 1000)}" x2="${x(s * 1000)}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#333"/>`,
      `<text x="${x(s * 1000)}" y="${PLOT.bottom + 18}" text-anchor="middle">${s}</text>`,
    );
  }
  out.push(
    `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#333"/>`,
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#333"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${CHART_BOX.height - 6}" text-anchor="middle">time (s)</text>`,
    `<text x="14" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" ` +
      `transform="rotate(-90 14 ${(PLOT.top + PLOT.bottom) / 2})">share of requests</text>`,
  );
  return out.join('');
}

/** A dashed vertical line at the mark, labelled above the plot (labels alternate rows so neighbours fit). */
function mark(m: DrillMark, i: number, x: (t: number) => number): string {
  const mx = fmt(x(m.t));
  const ly = PLOT.top - 8 - (i % 3) * 14;
  return (
    `<g data-mark="${esc(m.kind)}"><line x1="${mx}" x2="${mx}" y1="${PLOT.top - 4}" y2="${PLOT.bottom}" ` +
    `stroke="${MARK_COLOUR}" stroke-dasharray="${MARK_DASH[m.kind] ?? '4 4'}"/>` +
    `<text x="${mx}" y="${ly}" text-anchor="middle" fill="${MARK_COLOUR}" font-size="11">` +
    `<title>${esc(`${m.kind} at ${fmt(m.t / 1000)} s`)}</title>${esc(m.label)}</text></g>`
  );
}

/** One series as a polyline path; buckets with no requests break the line. A lone point gets a dot. */
function seriesPath(
  s: ChartSeries,
  points: SeriesPoint[],
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  const d: string[] = [];
  const dots: string[] = [];
  let pen = false;
  points.forEach((p, i) => {
    const v = s.value(p);
    if (v === undefined) {
      pen = false;
      return;
    }
    const next = points[i + 1];
    const alone = !pen && (next === undefined || s.value(next) === undefined);
    if (alone) dots.push(`<circle cx="${fmt(x(p.t))}" cy="${fmt(y(v))}" r="3" fill="${s.colour}"/>`);
    d.push(`${pen ? 'L' : 'M'}${fmt(x(p.t))} ${fmt(y(v))}`);
    pen = true;
  });
  if (d.length === 0) return '';
  return (
    `<g data-series="${esc(s.id)}"><title>${esc(s.label)}</title>` +
    `<path d="${d.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="${s.width}" ` +
    `stroke-linejoin="round" stroke-linecap="round"/>${dots.join('')}</g>`
  );
}
