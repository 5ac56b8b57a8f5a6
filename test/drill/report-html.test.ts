import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import type { DrillReport, SeriesPoint } from '../../sandbox/drill/drill-report';
import { CHART_BOX, CLUSTER_COLOURS, ERROR_COLOUR } from '../../sandbox/drill/report-chart';
import { failedShare, renderDrillReport, renderMarkdown } from '../../sandbox/drill/report-html';

const run = promisify(execFile);
const BAD = 'c-ack-az1';
const GOOD = 'c-reg-az2';

/** Share of c-ack-az1 at time t (ms): half before the fault at 5 s, gone by 7 s, failback 10/50/100 after. */
function badShare(t: number): number {
  if (t < 5000) return 0.5;
  if (t < 7000) return 0.5 * (1 - (t - 5000) / 2000) * 0.6;
  if (t < 18000) return 0;
  if (t < 21000) return 10 / 110; // failback step weight 10 beside 100
  if (t < 24000) return 50 / 150;
  return 0.5;
}

/** A 30 s drill: 60 buckets of 500 ms at 40 requests/s, an error spike while the fault bites (5–7 s). */
function fixture(): DrillReport {
  const series: SeriesPoint[] = [];
  for (let i = 0; i < 60; i++) {
    const t = i * 500;
    const errorRate = t >= 5000 && t < 7000 ? 0.4 - (t - 5000) / 10000 : t >= 7000 && t < 7500 ? 0.05 : 0;
    const bad = badShare(t);
    series.push({ t, requests: 20, share: { [BAD]: bad, [GOOD]: 1 - errorRate - bad }, errorRate });
  }
  return {
    fault: 'blackhole',
    zone: 'cn-hangzhou-h',
    failedCluster: BAD,
    healthyCluster: GOOD,
    seed: 42,
    rate: 40,
    timers: { probeIntervalS: 1, alarmPeriodS: 2, failbackStepS: 3, stableAfterS: 3 },
    startedAt: '2026-11-30T17:00:00.000Z',
    durationMs: 30000,
    hostStalls: 'none',
    clusters: [BAD, GOOD],
    series,
    marks: [
      { t: 5000, kind: 'fault', label: 'fault: blackhole' },
      { t: 6200, kind: 'decision', label: 'failover' },
      { t: 15000, kind: 'heal', label: 'heal' },
      { t: 18000, kind: 'failback-step', label: 'failback 10' },
      { t: 21000, kind: 'failback-step', label: 'failback 50' },
      { t: 24000, kind: 'failback-step', label: 'failback 100' },
      { t: 27000, kind: 'stable', label: 'stable' },
    ],
    decisions: [
      {
        t: 6200,
        decision: 'shift',
        reason: 'zone probe failed 2 of 2 periods; 0 of 20 requests answered by c-ack-az1',
        rule: 'zone-down',
        cluster: BAD,
        by: 'fleet-dr',
      },
      {
        t: 18000,
        decision: 'failback-start',
        reason: 'zone healthy for 3 s; stepping weights 10/50/100',
        rule: 'failback',
        cluster: BAD,
        by: 'fleet-dr',
      },
      {
        t: 24000,
        decision: 'failback-complete',
        reason: 'weights restored',
        cluster: BAD,
        by: 'ops@example',
      },
    ],
    messages: [
      {
        t: 6300,
        msgtype: 'actionCard',
        title: 'Zone cn-hangzhou-h down: traffic moved',
        text: '# Failover\n**c-ack-az1** is unreachable.\nTraffic now goes to c-reg-az2.\n\n- rule: zone-down\n- decided at 6.2 s',
        url: 'https://fleet-dr.example/decisions/1',
      },
      {
        t: 24100,
        msgtype: 'markdown',
        title: 'Failback complete',
        text: '## Back to normal\nWeights restored: **100/100**.',
      },
    ],
    final: { weights: { [BAD]: 100, [GOOD]: 100 }, mode: 'normal', drift: [] },
    baseline: [
      {
        config: 'gateway alone',
        requests: 400,
        failures: 37,
        offBadZoneMs: 9400,
        afterHeal: 'traffic back after 0.4 s',
      },
      {
        config: 'fleet-dr beside the gateway',
        requests: 400,
        failures: 6,
        offBadZoneMs: 1200,
        afterHeal: 'held away until failback',
      },
    ],
    objectives: [
      { name: 'traffic off the bad zone', target: 'within 15 s', measured: '1.2 s', met: true },
      { name: 'failed requests', target: 'under 5%', measured: '1.5%', met: true },
      { name: 'failback', target: 'stepped 10/50/100', measured: '10/50/100', met: true },
    ],
    passed: true,
  };
}

describe('renderDrillReport (HTML)', () => {
  const html = renderDrillReport(fixture());

  it('fetches nothing: no external scripts, styles, fonts or images', () => {
    assert.doesNotMatch(html, /<script[^>]*\ssrc=/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /<(img|iframe|object|embed|video|audio|source)\b/i);
    assert.doesNotMatch(html, /url\(|@import/i);
    // Any http(s) inside a tag must be a message button's href (a link, not a resource); elsewhere it is text.
    for (const m of html.matchAll(/https?:\/\//gi)) {
      const before = html.slice(0, m.index);
      if (before.lastIndexOf('<') <= before.lastIndexOf('>')) continue; // in text
      const tag = html.slice(before.lastIndexOf('<'), html.indexOf('>', m.index) + 1);
      assert.match(tag, /^<a class="button" href="https?:\/\/[^"]*"/, `a resource reference: ${tag}`);
    }
    assert.equal((html.match(/<script\b/g) ?? []).length, 1, 'exactly one inline script');
  });

  it('has the chart with one series per cluster and the error rate, the marks and a legend', () => {
    const series = [...html.matchAll(/<g data-series="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(series, [BAD, GOOD, 'error-rate']);
    for (const kind of ['fault', 'heal', 'decision', 'failback-step', 'stable']) {
      assert.match(html, new RegExp(`data-mark="${kind}"`));
    }
    assert.match(html, /failback 50<\/text>/);
    assert.match(html, /class="legend"[\s\S]*c-ack-az1 share[\s\S]*c-reg-az2 share[\s\S]*error rate/);
    assert.match(html, /<output id="series-count">/);
  });

  it('has the decisions with reasons, the messages, the baseline, the objectives and the verdict', () => {
    for (const d of fixture().decisions) assert.ok(html.includes(d.reason), d.reason);
    assert.match(
      html,
      /<td>6\.2<\/td><td>shift<\/td><td>zone-down<\/td><td>c-ack-az1<\/td><td>fleet-dr<\/td>/,
    );
    assert.match(html, /<h3>Zone cn-hangzhou-h down: traffic moved<\/h3>/);
    assert.match(html, /<h3>Failback complete<\/h3>/);
    assert.match(html, /<a class="button" href="https:\/\/fleet-dr\.example\/decisions\/1"/);
    assert.match(
      html,
      /<td>gateway alone<\/td><td>9\.3% \(37\/400\)<\/td><td>9\.4<\/td><td>traffic back after 0\.4 s/,
    );
    assert.match(html, /<td>fleet-dr beside the gateway<\/td><td>1\.5% \(6\/400\)<\/td><td>1\.2<\/td>/);
    assert.match(html, /<td>failed requests<\/td><td>under 5%<\/td><td>1\.5%<\/td><td class="met">✔<\/td>/);
    assert.match(html, /<h1 class="verdict pass">PASS: blackhole in cn-hangzhou-h<\/h1>/);
    assert.match(html, /Compressed drill timers[^<]*NOT production values/);
    assert.match(html, /<td>failbackStepS<\/td><td>3 s<\/td>/);
    assert.match(html, /<dt>seed<\/dt><dd>42<\/dd>/);
    assert.match(html, /<dt>rate<\/dt><dd>40 requests\/s<\/dd>/);
    const failed = renderDrillReport({
      ...fixture(),
      passed: false,
      objectives: [{ ...fixture().objectives[0]!, met: false }],
    });
    assert.match(failed, /<h1 class="verdict fail">FAIL/);
    assert.match(failed, /<td class="unmet">✖<\/td>/);
    assert.equal(failedShare({ failures: 0, requests: 0 }), '0.0% (0/0)');
  });

  it('escapes every string from the report', () => {
    const evil = '<script>alert(1)</script>';
    const r = fixture();
    r.decisions[0]!.reason = `probe said ${evil}`;
    r.messages[0]!.title = `t ${evil}`;
    r.messages[0]!.text = `# h ${evil}\n- **b** ${evil}\n<img src=x onerror=alert(2)>`;
    r.messages[1]!.url = 'javascript:alert(3)';
    r.marks[0]!.label = evil;
    r.baseline[0]!.afterHeal = `"${evil}`;
    r.clusters = [...r.clusters, `"><svg onload=alert(4)>`];
    const out = renderDrillReport(r);
    assert.equal((out.match(/<script\b/g) ?? []).length, 1, 'only the page script');
    assert.ok(out.includes('probe said &#60;script&#62;alert(1)&#60;/script&#62;'));
    assert.ok(!out.includes('<img'));
    assert.ok(!out.includes('<svg onload'));
    assert.ok(!out.includes('href="javascript:'));
    assert.ok(out.includes('<li><strong>b</strong> &#60;script&#62;'));
  });

  it('renders DingTalk markdown: headings, bold, lists, line breaks', () => {
    assert.equal(
      renderMarkdown('# Title\n**a** b\nc\n\n- one\n- **two**\n\nend'),
      '<h4>Title</h4><p><strong>a</strong> b<br>c</p><ul><li>one</li><li><strong>two</strong></li></ul><p>end</p>',
    );
  });
});

/** Debian's chromium, or `chromium` on PATH; the browser tests fail (not skip) without it. */
function findChromium(): string {
  const candidates = [
    '/usr/bin/chromium',
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'chromium')),
  ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  assert.fail(
    "chromium not found: install Debian's chromium (apt-get install chromium); CI installs it (.ci/run)",
  );
}

describe('renderDrillReport in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-report-html-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const r = fixture();
  const page = join(dir, 'drill-report.html');
  writeFileSync(page, renderDrillReport(r));
  const chromium = (profile: string, ...extra: string[]) =>
    run(
      findChromium(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
        '--no-first-run',
        '--force-device-scale-factor=1',
        '--window-size=1200,900',
        `--user-data-dir=${join(dir, profile)}`,
        ...extra,
        `file://${page}`,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );

  it("the page's own script counts one drawn series per cluster plus the error rate", async () => {
    const { stdout } = await chromium('profile-dom', '--dump-dom');
    const count = /<output id="series-count">([^<]*)<\/output>/.exec(stdout);
    assert.ok(count, 'no <output id="series-count"> in the dumped DOM');
    assert.equal(count[1], String(r.clusters.length + 1));
    assert.match(stdout, new RegExp(`<body data-series-count="${r.clusters.length + 1}"`));
  });

  it('the screenshot shows a chart: coloured pixels in the chart box, several series colours', async () => {
    const shot = join(dir, 'drill-report.png');
    await chromium('profile-shot', `--screenshot=${shot}`);
    const png = PNG.sync.read(readFileSync(shot));
    assert.ok(png.width >= CHART_BOX.left + CHART_BOX.width, `screenshot only ${png.width} px wide`);
    assert.ok(png.height >= CHART_BOX.top + CHART_BOX.height, `screenshot only ${png.height} px high`);
    const palette = [...CLUSTER_COLOURS.slice(0, r.clusters.length), ERROR_COLOUR].map((h) => [
      Number.parseInt(h.slice(1, 3), 16),
      Number.parseInt(h.slice(3, 5), 16),
      Number.parseInt(h.slice(5, 7), 16),
    ]);
    const hits = palette.map(() => 0);
    let coloured = 0;
    for (let y = CHART_BOX.top; y < CHART_BOX.top + CHART_BOX.height; y++) {
      for (let x = CHART_BOX.left; x < CHART_BOX.left + CHART_BOX.width; x++) {
        const i = (y * png.width + x) * 4;
        const [pr, pg, pb] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
        // Coloured, not grey: the axes, grid, marks and labels are grey, so a chart without series has none.
        if (Math.max(pr, pg, pb) - Math.min(pr, pg, pb) > 40) coloured++;
        palette.forEach(([cr, cg, cb], k) => {
          if (Math.abs(pr - cr!) + Math.abs(pg - cg!) + Math.abs(pb - cb!) <= 24) hits[k]!++;
        });
      }
    }
    const share = coloured / (CHART_BOX.width * CHART_BOX.height);
    assert.ok(share > 0.02, `only ${(share * 100).toFixed(2)}% of the chart box is coloured`);
    const present = hits.filter((n) => n >= 200).length;
    assert.ok(present >= 2, `series colours present (pixels each): ${hits.join(', ')}`);
  });
});
