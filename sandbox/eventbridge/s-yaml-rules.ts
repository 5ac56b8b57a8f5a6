/**
 * The EventBridge rules s.yaml deploys: every trigger of `triggerType: eventbridge`, with the function it
 * invokes (`functionName`) and its `eventRuleFilterPattern`, parsed and syntax-checked. The stand-in routes
 * events with exactly these patterns, so a test through it tests what would be deployed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parsePattern } from './pattern';

/** One EventBridge trigger of s.yaml. */
export interface EventRule {
  /** `<resource>/<triggerName>`. */
  name: string;
  functionName: string;
  pattern: unknown;
  enabled: boolean;
  /** `CloudEvents` (the whole envelope) or `RawData` (only `data`). */
  eventSchema: string;
}

/** The project's s.yaml. */
export const S_YAML_PATH = fileURLToPath(new URL('../../s.yaml', import.meta.url));

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Reads the EventBridge rules of an s.yaml (default the project's). */
export function rulesFromSYaml(path = S_YAML_PATH): EventRule[] {
  const doc = obj(parse(readFileSync(path, 'utf8')));
  const rules: EventRule[] = [];
  for (const [resource, spec] of Object.entries(obj(doc.resources))) {
    const props = obj(obj(spec).props);
    const triggers = Array.isArray(props.triggers) ? props.triggers : [];
    for (const t of triggers.map(obj)) {
      if (t.triggerType !== 'eventbridge') continue;
      const name = `${resource}/${String(t.triggerName)}`;
      const fn = props.functionName;
      if (typeof fn !== 'string' || fn.includes('${'))
        throw new Error(`${name}: functionName must be a literal name, not ${JSON.stringify(fn)}`);
      const cfg = obj(t.triggerConfig);
      const text = cfg.eventRuleFilterPattern;
      if (typeof text !== 'string') throw new Error(`${name}: no eventRuleFilterPattern`);
      let pattern: unknown;
      try {
        pattern = parsePattern(text);
      } catch (e) {
        throw new Error(`${name}: eventRuleFilterPattern: ${(e as Error).message}`);
      }
      const schema = obj(obj(cfg.eventSinkConfig).deliveryOption).eventSchema;
      rules.push({
        name,
        functionName: fn,
        pattern,
        enabled: cfg.triggerEnable !== false,
        eventSchema: typeof schema === 'string' ? schema : 'CloudEvents',
      });
    }
  }
  return rules;
}
