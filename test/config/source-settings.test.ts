// The per-source settings of `detection.sources` (the source model, docs/decision-rules.md "Sources"):
// defaults, the schema's limits and the cross-field rules check-config applies to them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SourceSettingsSchema } from '../../shared/config';
import { validatePolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { example } from './helpers';

// biome-ignore lint/suspicious/noExplicitAny: the tests break arbitrary fields of a parsed copy
function problemsAfter(change: (p: any) => void): string[] {
  const p = example();
  change(p);
  try {
    validatePolicy(p);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

describe('detection.sources: defaults', () => {
  it('fills in one reading per level, no ready share and no own max ages', () => {
    const p = example();
    const d = validatePolicy(p).detection;
    assert.deepEqual(d.sources, {
      probe: {},
      gatewayHealth: { consecutiveReadings: 1 },
      readyReplicas: { consecutiveReadings: 1, minReadyShare: 0 },
      ackState: { consecutiveReadings: 1 },
    });
  });

  it('fills them in when detection is left out, or only part of a source is given', () => {
    const p = example();
    delete p.detection;
    assert.equal(validatePolicy(p).detection.sources.readyReplicas.minReadyShare, 0);
    assert.equal(validatePolicy(p).detection.failuresToDown, 3);
    const q = example();
    q.detection.sources = { readyReplicas: { minReadyShare: 0.5 } };
    const s = validatePolicy(q).detection.sources;
    assert.deepEqual(s.readyReplicas, { consecutiveReadings: 1, minReadyShare: 0.5 });
    assert.deepEqual(s.gatewayHealth, { consecutiveReadings: 1 });
  });

  it('keeps a source its own max age', () => {
    const p = example();
    p.detection.sources = {
      gatewayHealth: { maxReadingAgeSeconds: 600 },
      probe: { maxReadingAgeSeconds: 30 },
    };
    const s = validatePolicy(p).detection.sources;
    assert.equal(s.gatewayHealth.maxReadingAgeSeconds, 600);
    assert.equal(s.probe.maxReadingAgeSeconds, 30);
    assert.equal(s.readyReplicas.maxReadingAgeSeconds, undefined);
  });
});

describe('detection.sources: check-config', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'a ready share above 1',
      { readyReplicas: { minReadyShare: 1.5 } },
      /^detection\.sources\.readyReplicas\.minReadyShare: /,
    ],
    [
      'a negative ready share',
      { readyReplicas: { minReadyShare: -0.1 } },
      /^detection\.sources\.readyReplicas\.minReadyShare: /,
    ],
    [
      'zero consecutive readings',
      { gatewayHealth: { consecutiveReadings: 0 } },
      /^detection\.sources\.gatewayHealth\.consecutiveReadings: /,
    ],
    [
      'a fractional count',
      { ackState: { consecutiveReadings: 1.5 } },
      /^detection\.sources\.ackState\.consecutiveReadings: /,
    ],
    [
      'an own max age of 0',
      { readyReplicas: { maxReadingAgeSeconds: 0 } },
      /^detection\.sources\.readyReplicas\.maxReadingAgeSeconds: /,
    ],
    [
      'a count on the probe source (its count is failuresToDown)',
      { probe: { consecutiveReadings: 2 } },
      /^detection\.sources\.probe\.consecutiveReadings: unknown field$/,
    ],
    [
      'a ready share on another source',
      { gatewayHealth: { minReadyShare: 0.5 } },
      /^detection\.sources\.gatewayHealth\.minReadyShare: unknown field$/,
    ],
    [
      'a source that is not one (the alarm is an event)',
      { alarm: { consecutiveReadings: 1 } },
      /^detection\.sources\.alarm: unknown field$/,
    ],
    [
      'a misspelt field',
      { readyReplicas: { minReadyShares: 0.5 } },
      /^detection\.sources\.readyReplicas\.minReadyShares: unknown field$/,
    ],
  ];
  for (const [what, sources, expected] of cases)
    it(`refuses ${what}`, () => {
      const list = problemsAfter((p) => {
        p.detection.sources = sources;
      });
      assert.ok(
        list.some((l) => expected.test(l)),
        list.join('\n'),
      );
    });

  it('refuses a level that needs two readings when its own max age ends before the next round', () => {
    assert.deepEqual(
      problemsAfter((p) => {
        p.detection.sources = { readyReplicas: { consecutiveReadings: 3, maxReadingAgeSeconds: 45 } };
      }),
      [
        'detection.sources.readyReplicas.maxReadingAgeSeconds: 45 s is not more than the 60 s between two rounds (timers fire at most once a minute): readyReplicas, read once a round, would expire before the next round and never reach detection.sources.readyReplicas.consecutiveReadings 3',
      ],
    );
  });

  it('lets levels read once a round expire within a minute when one reading counts (the default)', () => {
    assert.deepEqual(
      problemsAfter((p) => {
        p.detection.maxReadingAgeSeconds = 60;
      }),
      [],
    );
    assert.deepEqual(
      problemsAfter((p) => {
        p.detection.maxReadingAgeSeconds = 30;
        p.detection.sources = { gatewayHealth: { consecutiveReadings: 2, maxReadingAgeSeconds: 180 } };
      }),
      [],
      'a level with its own longer max age may need two readings',
    );
  });

  it('checks one probe round against the probe source’s own max age', () => {
    assert.deepEqual(
      problemsAfter((p) => {
        p.detection.sources = { probe: { maxReadingAgeSeconds: 2 } };
      }),
      [
        'detection.sources.probe.maxReadingAgeSeconds: 2 s is shorter than one probe round of clusters[0] (3 sample(s) × 1000 ms timeout = 3 s): its first samples would expire before the decision',
      ],
    );
    assert.deepEqual(
      problemsAfter((p) => {
        p.detection.maxReadingAgeSeconds = 2;
        p.detection.sources = { probe: { maxReadingAgeSeconds: 60 } };
      }),
      [],
      'the global max age does not apply to probes that have their own',
    );
  });
});

describe('detection.sources: docs/policy.md', () => {
  it('documents every per-source setting', () => {
    const doc = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
    const shape = SourceSettingsSchema.shape;
    for (const [source, schema] of Object.entries(shape)) {
      const fields = Object.keys((schema.unwrap() as { shape: Record<string, unknown> }).shape);
      for (const f of fields)
        assert.ok(doc.includes(`\`${source}.${f}\``), `${source}.${f} is not in docs/policy.md`);
    }
  });
});
