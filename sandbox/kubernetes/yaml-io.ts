/** Seeding from YAML manifests and dumping the state as YAML. */
import { parseAllDocuments, stringify } from 'yaml';
import { badRequest } from './errors';
import type { MemoryStore } from './store';
import type { KubeObject } from './types';

/** Parses multi-document YAML (and `kind: List` documents) into objects. */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw badRequest(`seed YAML does not parse: ${doc.errors[0]!.message}`);
    const v = doc.toJS() as KubeObject | null;
    if (v === null || v === undefined) continue;
    if (v.kind === 'List' && Array.isArray(v.items)) out.push(...(v.items as KubeObject[]));
    else out.push(v);
  }
  return out;
}

/** Loads manifests into the store (namespaces first, so namespaced objects find theirs); upserts. */
export function seedStore(store: MemoryStore, text: string): KubeObject[] {
  const objs = parseManifests(text);
  objs.sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  return objs.map((o) => store.upsert(o));
}

/** The whole state as multi-document YAML, stable order (kind, namespace, name). */
export function dumpYaml(store: MemoryStore): string {
  const objs = store
    .all()
    .sort((a, b) =>
      `${a.apiVersion}/${a.kind}/${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
        `${b.apiVersion}/${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name}`,
      ),
    );
  return objs.map((o) => stringify(o)).join('---\n');
}
