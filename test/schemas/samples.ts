// Loads the sample events under events/<source>/<variant>.json, as the tests of every source do.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EVENTS_DIR = new URL('../../events/', import.meta.url).pathname;

/** The raw bytes of one sample, as Function Compute would hand them to a handler. */
export function sampleBytes(source: string, variant: string): Buffer {
  return readFileSync(join(EVENTS_DIR, source, `${variant}.json`));
}

/** One valid sample, parsed: tests structuredClone it and break the copy. */
export function sample<T = Record<string, unknown>>(source: string, variant: string): T {
  return JSON.parse(sampleBytes(source, variant).toString('utf8')) as T;
}

/** The trigger sources parseEvent handles (events/ also holds other issues' fixtures, e.g. observations). */
export const TRIGGER_SOURCES = ['cloudmonitor-alarm', 'eventbridge-cs', 'fc-timer', 'fc-http'] as const;

/** Every trigger sample file; `invalid-*` variants must be rejected. */
export function allSamples(): Array<{ source: string; variant: string; path: string; valid: boolean }> {
  return TRIGGER_SOURCES.flatMap((source) =>
    readdirSync(join(EVENTS_DIR, source))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({
        source,
        variant: f.replace(/\.json$/, ''),
        path: join(EVENTS_DIR, source, f),
        valid: !f.startsWith('invalid-'),
      })),
  );
}
