/** `meta.k8s.io/v1 Table` responses, which `kubectl get` asks for (Accept: ...;as=Table). */
import type { ResourceType } from './resources';
import type { KubeObject } from './types';

/** True when the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '');
}

function age(ts: unknown): string {
  const t = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function pick(obj: KubeObject, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path)
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur ?? '';
}

/** Renders objects as a Table; `includeObject=Object` embeds the whole object, otherwise its metadata. */
export function toTable(
  t: ResourceType,
  objs: KubeObject[],
  rv: string,
  includeObject?: string,
): Record<string, unknown> {
  const extra = t.columns ?? [];
  const col = (name: string, format = '') => ({
    name,
    type: 'string',
    format,
    description: name,
    priority: 0,
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: rv },
    columnDefinitions: [col('Name', 'name'), ...extra.map(([h]) => col(h)), col('Age')],
    rows: objs.map((o) => ({
      cells: [o.metadata.name, ...extra.map(([, p]) => pick(o, p)), age(o.metadata.creationTimestamp)],
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
