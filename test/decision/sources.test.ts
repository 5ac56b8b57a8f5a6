// The source model (shared/decision/sources.ts): its table in docs/decision-rules.md says the same as the code,
// and each source's readings, counts and maximum age follow the policy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applySamples, emptySourceHistory } from '../../shared/decision/hysteresis';
import { ClusterObservationSchema, type Source, SourceSchema } from '../../shared/decision/observations';
import {
  countingFor,
  isLevel,
  LEVEL_SOURCES,
  maxAgeOf,
  maxAgeSetting,
  readingsOf,
  readyNeeded,
  SOURCE_MODEL,
} from '../../shared/decision/sources';
import { examplePolicy, t } from './fixtures';

const DOC = fileURLToPath(new URL('../../docs/decision-rules.md', import.meta.url));

/** The rows of the first table under "## Sources" (the source model), by source name. */
function docTable(): Map<string, string[]> {
  const text = readFileSync(DOC, 'utf8');
  const lines = text.slice(text.indexOf('## Sources')).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  const rows = lines.slice(start, end).map((l) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim()),
  );
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const name = /^`(\w+)`$/.exec(r[0] ?? '')?.[1];
    if (name && !out.has(name)) out.set(name, r);
  }
  return out;
}

describe('the source model', () => {
  const doc = docTable();

  it('has one row per source, in the code and in docs/decision-rules.md', () => {
    assert.deepEqual(Object.keys(SOURCE_MODEL).sort(), [...SourceSchema.options].sort());
    assert.deepEqual([...doc.keys()].sort(), [...SourceSchema.options].sort());
  });

  for (const source of SourceSchema.options)
    it(`${source}: the documented row says what the code does`, () => {
      const m = SOURCE_MODEL[source];
      const [, reads, kind, debounced, , , can] = doc.get(source) ?? [];
      assert.equal(reads, m.reads);
      assert.equal(kind, m.kind);
      assert.equal(debounced, m.debouncedAt ?? '—');
      assert.equal(/\btrigger\b/.test(can ?? ''), m.triggers !== null, `trigger: ${can}`);
      assert.equal(/\bconfirm\b/.test(can ?? ''), m.confirms, `confirm: ${can}`);
      assert.equal(/\bveto\b/.test(can ?? ''), m.vetoes !== null, `veto: ${can}`);
    });

  it('reads gateway health, ready replicas and cluster state as levels, probes as samples, alarms as events', () => {
    assert.deepEqual(
      SourceSchema.options.map((s) => [s, SOURCE_MODEL[s].kind]),
      [
        ['alarm', 'event'],
        ['probe', 'sample'],
        ['ackState', 'level'],
        ['gatewayHealth', 'level'],
        ['readyReplicas', 'level'],
      ],
    );
    assert.deepEqual(
      SourceSchema.options.filter((s) => isLevel(s)),
      [...LEVEL_SOURCES].sort((a, b) => SourceSchema.options.indexOf(a) - SourceSchema.options.indexOf(b)),
    );
  });

  it('lets only the alarm and the probe-metric alarm trigger; the alarm never confirms', () => {
    const triggers = (Object.keys(SOURCE_MODEL) as Source[]).filter((s) => SOURCE_MODEL[s].triggers);
    assert.deepEqual(triggers, ['alarm', 'probe']);
    assert.equal(SOURCE_MODEL.alarm.confirms, false);
  });
});

describe('the source model: counts and ages from the policy', () => {
  it('counts probe samples with failuresToDown / successesToUp, levels once by default', () => {
    const p = examplePolicy();
    assert.deepEqual(countingFor(p, 'probe', t(0)), {
      failuresToDown: 3,
      successesToUp: 3,
      maxAgeSeconds: 120,
      now: t(0),
    });
    for (const s of LEVEL_SOURCES) {
      const c = countingFor(p, s, t(0));
      assert.deepEqual([c.failuresToDown, c.successesToUp, c.maxAgeSeconds], [1, 1, 120], s);
    }
  });

  it('follows consecutiveReadings and a source’s own max age', () => {
    const p = examplePolicy((x) => {
      x.detection.sources.readyReplicas.consecutiveReadings = 2;
      x.detection.sources.readyReplicas.maxReadingAgeSeconds = 300;
      x.detection.sources.probe.maxReadingAgeSeconds = 20;
    });
    const c = countingFor(p, 'readyReplicas', t(0));
    assert.deepEqual([c.failuresToDown, c.successesToUp, c.maxAgeSeconds], [2, 2, 300]);
    assert.equal(maxAgeOf(p, 'probe'), 20);
    assert.equal(maxAgeOf(p, 'gatewayHealth'), 120);
    assert.equal(maxAgeSetting(p, 'readyReplicas'), 'detection.sources.readyReplicas.maxReadingAgeSeconds');
    assert.equal(maxAgeSetting(p, 'gatewayHealth'), 'detection.maxReadingAgeSeconds');
  });

  it('falls back to the defaults for a hand-built policy without detection.sources', () => {
    const p = examplePolicy();
    // biome-ignore lint/suspicious/noExplicitAny: a policy written before the setting existed
    delete (p.detection as any).sources;
    assert.equal(countingFor(p, 'gatewayHealth', t(0)).failuresToDown, 1);
    assert.equal(maxAgeOf(p, 'readyReplicas'), 120);
  });
});

describe('the source model: what a reading says', () => {
  const p = examplePolicy();
  const obs = (o: Record<string, unknown>) => ClusterObservationSchema.parse(o);
  const at = t(0);

  it('gateway health: Health is good, Unhealthy bad, Unknown no evidence; not read is no reading', () => {
    const one = (status: string) =>
      readingsOf(obs({ gatewayHealth: { status, at } }), 'gatewayHealth', p)[0]?.ok;
    assert.deepEqual([one('Health'), one('Unhealthy'), one('Unknown')], [true, false, null]);
    assert.deepEqual(readingsOf(obs({}), 'gatewayHealth', p), []);
  });

  it('ready replicas: desired 0 is no evidence (scaled to zero, or no Deployment); else a share of desired', () => {
    const one = (ready: number, desired: number, policy = p) =>
      readingsOf(obs({ readyReplicas: { ready, desired, at } }), 'readyReplicas', policy)[0]?.ok;
    assert.equal(one(0, 0), null);
    assert.equal(one(2, 0), null, 'pods still terminating after a scale to zero');
    assert.equal(one(0, 3), false);
    assert.equal(one(1, 3), true);
    const share = (s: number) =>
      examplePolicy((x) => {
        x.detection.sources.readyReplicas.minReadyShare = s;
      });
    assert.equal(one(1, 3, share(0.5)), false);
    assert.equal(one(2, 3, share(0.5)), true);
    assert.equal(one(7, 10, share(0.7)), true, '0.7 × 10 is 7, not 7.000000000000001');
    assert.equal(one(6, 10, share(0.7)), false);
    assert.equal(one(3, 3, share(1)), true);
    assert.equal(one(2, 3, share(1)), false);
  });

  it('readyNeeded: at least one, a share of desired rounded up', () => {
    assert.deepEqual(
      [
        readyNeeded(3, 0),
        readyNeeded(3, 0.5),
        readyNeeded(10, 0.7),
        readyNeeded(10, 0.71),
        readyNeeded(4, 1),
      ],
      [1, 2, 7, 8, 4],
    );
  });

  it('cluster state: running good, a down state bad, anything else no evidence', () => {
    const one = (state: string) => readingsOf(obs({ ackState: { state, at } }), 'ackState', p)[0]?.ok;
    assert.deepEqual(
      [one('running'), one('disconnected'), one('unavailable'), one('updating')],
      [true, false, false, null],
    );
  });

  it('a reading with no evidence resets a level to unknown and ends a run of readings', () => {
    const down = applySamples(emptySourceHistory(), [{ at: t(0), ok: false }], 1, 1);
    assert.equal(down.verdict, 'down');
    const reset = applySamples(down, [{ at: t(1), ok: null }], 1, 1);
    assert.deepEqual(reset, {
      verdict: 'unknown',
      failures: 0,
      successes: 0,
      lastSampleAt: t(1),
      since: t(1),
    });
    const run = applySamples(emptySourceHistory(), [{ at: t(0), ok: false }], 2, 2);
    const broken = applySamples(run, [{ at: t(1), ok: null }], 2, 2);
    assert.equal(
      applySamples(broken, [{ at: t(2), ok: false }], 2, 2).verdict,
      'unknown',
      'the run starts again',
    );
  });
});
