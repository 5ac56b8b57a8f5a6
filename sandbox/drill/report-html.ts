/**
 * drill-report.html: one self-contained page (inline CSS, inline SVG, one small inline script, nothing
 * fetched) showing what a zone-outage drill measured. Every string from the report is escaped: reasons and
 * DingTalk messages are untrusted text.
 *
 * The chart comes first, at CHART_BOX (report-chart.ts), so a screenshot test knows where it is. After load,
 * the inline script counts the chart's drawn series (`svg [data-series]`) into `<output id="series-count">`
 * and `document.body.dataset.seriesCount`, so a test reading the DOM can check the chart has its series.
 */

import type { BaselineRow, DrillMessage, DrillReport } from './drill-report';
import { CHART_BOX, chartSeries, esc, renderChart } from './report-chart';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const cell = (s: string | undefined) => `<td>${s === undefined || s === '' ? '—' : esc(s)}</td>`;

/** A table with a caption; `rows` are cells already rendered (`<td>…</td>`). */
function table(caption: string, head: string[], rows: string[][], id: string): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.join('')}</tr>`).join('');
  return `<table id="${id}"><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Bold (`**x**`) in one line of already-escaped markdown. */
const inline = (escaped: string) => escaped.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');

/**
 * DingTalk markdown, the small part the drill's messages use, as HTML: `#` headings, `**bold**`, `- ` lists,
 * line breaks within a paragraph and blank lines between paragraphs. Everything else is escaped text.
 */
export function renderMarkdown(text: string): string {
  const out: string[] = [];
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(`<p>${para.join('<br>')}</p>`);
    if (list.length > 0) out.push(`<ul>${list.map((li) => `<li>${li}</li>`).join('')}</ul>`);
    para = [];
    list = [];
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length + 3); // the card title is the h3
      out.push(`<h${level}>${inline(esc(heading[2]!))}</h${level}>`);
    } else if (item) {
      if (para.length > 0) flush();
      list.push(inline(esc(item[1]!)));
    } else if (line.trim() === '') {
      flush();
    } else {
      if (list.length > 0) flush();
      para.push(inline(esc(line)));
    }
  }
  flush();
  return out.join('');
}

/** Only http(s) links become buttons; anything else (javascript:, data:) is shown as text. */
function button(url: string | undefined): string {
  if (url === undefined || url === '') return '';
  if (/^https?:\/\//i.test(url)) {
    return `<p class="button-row"><a class="button" href="${esc(url)}" rel="noopener noreferrer">Open</a></p>`;
  }
  return `<p class="button-row">link not shown (not http/https): <code>${esc(url)}</code></p>`;
}

function messageCard(m: DrillMessage): string {
  return (
    `<article class="card"><header><span class="msgtype">${esc(m.msgtype)}</span> ` +
    `<span class="when">${seconds(m.t)}</span><h3>${esc(m.title)}</h3></header>` +
    `<div class="md">${renderMarkdown(m.text)}</div>${button(m.url)}</article>`
  );
}

/** "x.x% (f/n)" of a baseline row's failed requests. */
export function failedShare(b: Pick<BaselineRow, 'failures' | 'requests'>): string {
  const pct = b.requests > 0 ? ((100 * b.failures) / b.requests).toFixed(1) : '0.0';
  return `${pct}% (${b.failures}/${b.requests})`;
}

function legend(r: DrillReport): string {
  const items = chartSeries(r).map(
    (s) => `<li><span class="swatch" style="background:${s.colour}"></span>${esc(s.label)}</li>`,
  );
  const marks =
    '<li><span class="swatch mark"></span>dashed: fault, heal, decision, failback step, stable</li>';
  return `<ul class="legend">${items.join('')}${marks}</ul>`;
}

function facts(r: DrillReport): string {
  const rows: Array<[string, string]> = [
    ['fault', r.fault],
    ['zone', r.zone],
    ['failed cluster', r.failedCluster],
    ['healthy cluster', r.healthyCluster],
    ['seed', String(r.seed)],
    ['rate', `${r.rate} requests/s`],
    ['started', r.startedAt],
    ['duration', seconds(r.durationMs)],
    ['host stalls', r.hostStalls],
  ];
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function sections(r: DrillReport): string[] {
  const decisions = r.decisions.map((d) => [
    `<td>${(d.t / 1000).toFixed(1)}</td>`,
    cell(d.decision),
    cell(d.rule),
    cell(d.cluster),
    cell(d.by),
    cell(d.reason),
  ]);
  const baseline = r.baseline.map((b) => [
    cell(b.config),
    cell(failedShare(b)),
    cell((b.offBadZoneMs / 1000).toFixed(1)),
    cell(b.afterHeal),
  ]);
  const objectives = r.objectives.map((o) => [
    cell(o.name),
    cell(o.target),
    cell(o.measured),
    `<td class="${o.met ? 'met' : 'unmet'}">${o.met ? '✔' : '✖'}</td>`,
  ]);
  const timers = Object.entries(r.timers).map(([k, v]) => [cell(k), cell(`${v} s`)]);
  const weights = Object.entries(r.final.weights).map(([k, v]) => [cell(k), cell(String(v))]);
  const drift = r.final.drift.length === 0 ? 'none' : r.final.drift.join('; ');
  return [
    table('Objectives', ['objective', 'target', 'measured', 'met'], objectives, 'objectives'),
    table(
      'Decision timeline',
      ['time (s)', 'decision', 'rule', 'cluster', 'by', 'reason'],
      decisions,
      'decisions',
    ),
    `<section id="messages"><h2>DingTalk messages</h2>${r.messages.map(messageCard).join('') || '<p>none</p>'}</section>`,
    table(
      'Baseline: the same fault, seed and load',
      ['configuration', 'failed requests', 'traffic off the bad zone after (s)', 'after the heal'],
      baseline,
      'baseline',
    ),
    table('Final canary weights', ['cluster', 'weight'], weights, 'final') +
      `<p>mode: ${esc(r.final.mode)}; drift: ${esc(drift)}</p>`,
    table(
      'Compressed drill timers (shortened for the drill: these are NOT production values)',
      ['timer', 'drill value'],
      timers,
      'timers',
    ),
  ];
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 sans-serif;color:#222;background:#fff}
#chart{position:absolute;left:${CHART_BOX.left}px;top:${CHART_BOX.top}px;width:${CHART_BOX.width}px;height:${CHART_BOX.height}px;margin:0}
#chart svg{display:block}
main{padding:${CHART_BOX.top + CHART_BOX.height + 8}px 20px 40px;max-width:${CHART_BOX.width + 40}px}
.legend{list-style:none;padding:0;margin:0 0 12px;display:flex;flex-wrap:wrap;gap:16px}
.swatch{display:inline-block;width:18px;height:4px;margin-right:6px;vertical-align:middle}
.swatch.mark{border-top:2px dashed #555;height:0}
.verdict{font-size:26px;margin:8px 0}.pass{color:#1a7f37}.fail{color:#b00020}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}.facts dt{font-weight:bold}
table{border-collapse:collapse;margin:20px 0;width:100%}
caption{text-align:left;font-weight:bold;font-size:17px;padding:4px 0}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.met{color:#1a7f37}td.unmet{color:#b00020}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;margin:10px 0;max-width:640px}
.card h3{margin:4px 0}.msgtype,.when{color:#666;font-size:12px}
.button{display:inline-block;padding:4px 14px;border:1px solid #1677ff;border-radius:4px;color:#1677ff;text-decoration:none}
`;

/** Counts the drawn series after load (see the module comment). */
const COUNT_SCRIPT =
  "const n=document.querySelectorAll('#chart svg [data-series]').length;" +
  "document.getElementById('series-count').textContent=String(n);document.body.dataset.seriesCount=String(n);";

/** The whole report as one self-contained HTML document. */
export function renderDrillReport(r: DrillReport): string {
  const verdict = r.passed ? 'PASS' : 'FAIL';
  const title = `Zone outage drill: ${verdict} (${r.fault} in ${r.zone})`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<figure id="chart">${renderChart(r)}</figure>
<main>
${legend(r)}
<p>Series drawn: <output id="series-count">?</output> of ${r.clusters.length + 1}</p>
<h1 class="verdict ${r.passed ? 'pass' : 'fail'}">${esc(verdict)}: ${esc(r.fault)} in ${esc(r.zone)}</h1>
${facts(r)}
${sections(r).join('\n')}
</main>
<script>${COUNT_SCRIPT}</script>
</body></html>
`;
}
