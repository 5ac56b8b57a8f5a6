import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePolicy, validatePolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { example } from './helpers';

// A bad policy must always come back as ConfigError with path-named problems, never as a crash in a check.
function onlyConfigErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${(err as Error).name}: ${(err as Error).message}`);
    assert.ok(err.problems.length > 0);
  }
}

describe('policy validation on arbitrary input', () => {
  it('fails only with ConfigError on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => onlyConfigErrors(() => parsePolicy(t))),
      { numRuns: 300 },
    );
  });

  it('fails only with ConfigError when one field of the example is replaced by a random value', () => {
    const paths = [
      ['clusters'],
      ['clusters', 0],
      ['clusters', 1, 'vSwitches'],
      ['clusters', 0, 'probes', 0],
      ['clusters', 0, 'probes', 0, 'headers'],
      ['routes', 0, 'baselineWeights'],
      ['network'],
      ['network', 'onPremisesCidrs'],
      ['detection'],
      ['detection', 'maxReadingAgeSeconds'],
      ['failback', 'steps'],
      ['safety'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const p = example();
        let target = p;
        for (const k of path.slice(0, -1)) target = target[k];
        target[path.at(-1)!] = value;
        onlyConfigErrors(() => validatePolicy(p));
      }),
      { numRuns: 300 },
    );
  });
});
