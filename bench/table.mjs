// The README's benchmark table: rows of measured figure, goal, ratio and met / not met from the benchmarks'
// JSON, and the section between the bench markers rewritten (appended, with a heading, when absent).

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

const ms = (x) => (x === undefined || x === null ? '—' : `${Math.round(x)} ms`);
const mb = (x) => (x === undefined || x === null ? '—' : `${x} MB`);
const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
const yes = (met) => (met === true ? 'met' : met === false ? '**not met**' : '—');
const cell = (s) => String(s).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** One row: what, measured, goal, ratio, met. */
const row = (what, measured, goal, ratio, met) => ({ what, measured, goal, ratio, met });

const GOALS = { 1: 1.5, 1000: 3 };

function decisionRows(b) {
  const rows = [];
  for (const r of b.results ?? []) {
    const goal = r.goal === undefined ? `limit ${ms(r.limitMs)} (no goal)` : `≤ ${r.goal} × ${ms(r.limitMs)}`;
    rows.push(
      row(
        `decision latency, ${r.routes} route(s): trigger → canaries acknowledged, less the gathering (${r.limitRoundTrips} round trips × ${b.latencyMs} ms; total ${ms(r.totalMs)}, gathering ${ms(r.gatheringMs)})`,
        ms(r.protocolMs),
        goal,
        `${r.ratio}×`,
        yes(r.met),
      ),
    );
  }
  for (const s of b.skipped ?? []) {
    const p = s.partial;
    const got = p
      ? ` (answered after ${ms(p.answeredMs)}; commit ${p.commitEndMs === undefined ? 'not done' : `done at ${ms(p.commitEndMs)}`}; ${p.canaryWrites} of ${p.canaryWritesExpected} canaries written; ${p.fleetReads} Fleet reads, ${p.memberRequests} member API requests)`
      : '';
    const goal = GOALS[s.routes] ? `≤ ${GOALS[s.routes]} × the limit` : '—';
    rows.push(
      row(`decision latency, ${s.routes} route(s)`, `not measured: ${s.why}${got}`, goal, '—', '**not met**'),
    );
  }
  return rows;
}

function coldRows(b) {
  const rows = [];
  for (const f of b.functions ?? []) {
    rows.push(
      row(
        `${f.function}: zipped bundle`,
        kb(f.zipBytes),
        '≤ 1024 KB',
        `${(f.zipBytes / 1048576).toFixed(2)}×`,
        yes(f.zipMet),
      ),
    );
    rows.push(
      row(
        `${f.function}: SDKs loaded, not called`,
        f.sdksNotCalled.length ? f.sdksNotCalled.join(', ') : 'none',
        'none',
        '—',
        yes(f.sdksMet),
      ),
    );
    rows.push(
      row(
        `${f.function}: cold load + first invocation (naive bundle ${ms(f.naive.coldLoadMs)})`,
        ms(f.coldLoadMs),
        f.needsAllSdks ? 'n/a (calls every SDK)' : '≤ ½ of naive',
        `${f.loadRatio}×`,
        f.needsAllSdks ? '—' : yes(f.loadMet),
      ),
    );
    rows.push(
      row(
        `${f.function}: peak RSS at cold start (memorySize ${f.memorySizeMb} MB)`,
        mb(f.peakRssMb),
        '≥ 30% headroom',
        `${Math.round(f.rssHeadroom * 100)}% headroom`,
        yes(f.rssMet),
      ),
    );
  }
  return rows;
}

function probeRows(b) {
  return [
    row(
      `probe round: ${b.targets} targets, ${b.hanging} hanging, ${b.latencyMs[0]}–${b.latencyMs[1]} ms, concurrency ${b.concurrency} (best the bound allows: ${ms(b.lowerBoundMs)})`,
      ms(b.roundMs),
      `${b.timeGoal} (${ms(b.probeTimeoutMs)})`,
      `${b.timeouts} timeouts`,
      yes(b.timeMet),
    ),
    row(
      'probe round: peak RSS',
      mb(b.peakRssMb),
      `< ${b.limitMb} MB`,
      `${(b.peakRssMb / b.limitMb).toFixed(2)}×`,
      yes(b.rssMet),
    ),
  ];
}

function memoryRows(b) {
  const limit =
    b.memoryLimit?.how && b.memoryLimit.how !== 'none'
      ? `inside a ${b.limitMb} MB memory cgroup`
      : 'no memory limit';
  const rounds = b.rounds ?? b.function?.rounds?.length ?? '?';
  const charged =
    b.memoryLimit?.peakChargedMb === undefined
      ? ''
      : `, the kernel charged ${mb(b.memoryLimit.peakChargedMb)}`;
  return [
    row(
      `health-check bundle, ${b.targets} targets (${b.hanging} hanging), ${rounds} rounds, ${limit}: peak RSS${charged}`,
      b.function?.killed ? 'killed at the limit' : mb(b.function?.maxRssMb),
      `< ${b.limitMb} MB`,
      b.function?.killed ? '—' : `${(b.function?.maxRssMb / b.limitMb).toFixed(2)}×`,
      yes(b.fits),
    ),
  ];
}

const ROWS = {
  'decision-latency': decisionRows,
  'cold-start': coldRows,
  'probe-throughput': probeRows,
  'health-check-memory': memoryRows,
};

/** The markdown table of every benchmark's figures (a failed benchmark gets one row saying so). */
export function benchTable(results, { date, machine } = {}) {
  const rows = [];
  for (const [name, b] of Object.entries(results)) {
    if (b?.error) rows.push(row(name, `failed: ${b.error}`, '—', '—', '**not met**'));
    else rows.push(...(ROWS[name]?.(b) ?? []));
  }
  const lines = [
    `Written by \`npm run bench\`${date ? ` on ${date}` : ''}${machine ? ` (${machine})` : ''}; one run each, not an average.`,
    '',
    '| benchmark | measured | goal | ratio | |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.what, r.measured, r.goal, r.ratio, r.met].map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The README with `table` between the markers; a `## Benchmarks` section with them is appended when absent. */
export function withBenchTable(readme, table) {
  const s = readme.indexOf(START);
  const e = readme.indexOf(END);
  if (s >= 0 && e > s) return `${readme.slice(0, s + START.length)}\n${table}\n${readme.slice(e)}`;
  const sep = readme.endsWith('\n') ? '\n' : '\n\n';
  return `${readme}${sep}## Benchmarks\n\n${START}\n${table}\n${END}\n`;
}
