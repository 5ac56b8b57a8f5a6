// The example policy as a plain object, for structuredClone-and-break negative cases.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const EXAMPLE_PATH = new URL('../../deploy/policy.yaml', import.meta.url).pathname;
export const FIXTURES = new URL('../fixtures/policy/', import.meta.url).pathname;

/** A fresh, mutable copy of deploy/policy.yaml as parsed YAML (no defaults filled in). */
// biome-ignore lint/suspicious/noExplicitAny: tests break arbitrary fields of the copy
export function example(): any {
  return structuredClone(parse(readFileSync(EXAMPLE_PATH, 'utf8')));
}
