/**
 * The object store: the single source of truth of one API server. Every write bumps the server-wide
 * resourceVersion, keeps `generation` in step with spec changes and records a watch event, so the HTTP watch
 * can resume from a resourceVersion until it falls out of the kept history (then 410 Expired).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { alreadyExists, badRequest, conflict, notFound } from './errors';
import { type ResourceType, typeByKind } from './resources';
import { labelMatcher } from './selectors';
import type { KubeObject, ObjectStore, WatchEventType } from './types';
import { validate } from './validation';

/** One recorded change, as the HTTP watch replays it. */
export interface StoreEvent {
  rv: number;
  type: WatchEventType;
  apiVersion: string;
  kind: string;
  obj: KubeObject;
  /** The object before a MODIFIED or DELETED change (selector transitions, list snapshots). */
  old?: KubeObject;
}

/** Result of asking for the events after a resourceVersion. */
export type EventsSince = { expired: false; events: StoreEvent[] } | { expired: true; oldest: number };

const clone = <T>(v: T): T => structuredClone(v);

function keyOf(apiVersion: string, kind: string, ns: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${ns ?? ''}|${name}`;
}

/** The parts of an object whose change bumps `generation` (all but metadata and status). */
function specPart(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** In-memory ObjectStore with a bounded event history for watch resume. */
export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private rv = 1000;
  /** resourceVersion of the newest event dropped from the history (0 = nothing dropped yet). */
  private compactedRv = 0;
  private readonly pending: StoreEvent[] = [];
  private emitting = false;

  constructor(private readonly historyLimit = 1000) {}

  /** The current server-wide resourceVersion (list metadata). */
  currentRv(): number {
    return this.rv;
  }

  private typeOf(apiVersion: string, kind: string): ResourceType {
    const t = typeByKind(apiVersion, kind);
    if (!t) throw badRequest(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return t;
  }

  private nsOf(t: ResourceType, ns: string | undefined): string | undefined {
    return t.namespaced ? ns : undefined;
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.typeOf(apiVersion, kind);
    const o = this.objects.get(keyOf(apiVersion, kind, this.nsOf(t, namespace), name));
    return o ? clone(o) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): KubeObject[] {
    const t = this.typeOf(apiVersion, kind);
    const match = labelMatcher(labelSelector);
    const prefix = `${apiVersion}|${kind}|`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (t.namespaced && namespace !== undefined && o.metadata.namespace !== namespace) continue;
      if (match(o)) out.push(clone(o));
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
      ),
    );
  }

  create(input: KubeObject): KubeObject {
    const t = this.typeOf(input.apiVersion, input.kind);
    const obj = clone(input);
    obj.metadata = { ...(obj.metadata ?? {}) } as KubeObject['metadata'];
    if (!t.namespaced) delete obj.metadata.namespace;
    validate(t, obj);
    const key = keyOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    if (this.objects.has(key)) throw alreadyExists(t.plural, obj.apiVersion, obj.metadata.name);
    const m = obj.metadata;
    delete m.managedFields;
    delete m.deletionTimestamp;
    m.uid = randomUUID();
    m.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    m.generation = 1;
    m.resourceVersion = String(++this.rv);
    this.objects.set(key, obj);
    this.record({ rv: this.rv, type: 'ADDED', apiVersion: obj.apiVersion, kind: obj.kind, obj: clone(obj) });
    return clone(obj);
  }

  update(input: KubeObject): KubeObject {
    const t = this.typeOf(input.apiVersion, input.kind);
    const ns = this.nsOf(t, input.metadata?.namespace);
    const key = keyOf(input.apiVersion, input.kind, ns, input.metadata?.name);
    const old = this.objects.get(key);
    if (!old) throw notFound(t.plural, input.apiVersion, input.metadata?.name);
    const want = input.metadata.resourceVersion;
    if (want !== undefined && want !== '' && want !== old.metadata.resourceVersion)
      throw conflict(t.plural, input.apiVersion, input.metadata.name);
    const obj = clone(input);
    obj.metadata = { ...obj.metadata };
    if (!t.namespaced) delete obj.metadata.namespace;
    validate(t, obj);
    const m = obj.metadata;
    delete m.managedFields;
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    m.generation = old.metadata.generation;
    m.resourceVersion = old.metadata.resourceVersion;
    // A write that changes nothing is a no-op on a real API server: same resourceVersion, no watch event.
    if (isDeepStrictEqual(obj, old)) return clone(old);
    if (!isDeepStrictEqual(specPart(obj), specPart(old)))
      m.generation = Number(old.metadata.generation ?? 0) + 1;
    m.resourceVersion = String(++this.rv);
    this.objects.set(key, obj);
    this.record({
      rv: this.rv,
      type: 'MODIFIED',
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      obj: clone(obj),
      old: clone(old),
    });
    return clone(obj);
  }

  upsert(obj: KubeObject): KubeObject {
    const existing = this.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    if (!existing) return this.create(obj);
    const next = clone(obj);
    next.metadata = { ...next.metadata };
    delete next.metadata.resourceVersion;
    return this.update(next);
  }

  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): void {
    this.remove(apiVersion, kind, namespace, name);
  }

  /** Deletes and returns the deleted object; `precondition` is a resourceVersion that must match. */
  remove(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    precondition?: string,
  ): KubeObject {
    const t = this.typeOf(apiVersion, kind);
    const key = keyOf(apiVersion, kind, this.nsOf(t, namespace), name);
    const old = this.objects.get(key);
    if (!old) throw notFound(t.plural, apiVersion, name);
    if (precondition && precondition !== old.metadata.resourceVersion)
      throw conflict(t.plural, apiVersion, name);
    this.objects.delete(key);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, type: 'DELETED', apiVersion, kind, obj: clone(gone), old: clone(old) });
    return gone;
  }

  watch(apiVersion: string, kind: string, cb: (type: WatchEventType, obj: KubeObject) => void): () => void {
    return this.subscribe((ev) => {
      if (ev.apiVersion === apiVersion && ev.kind === kind) cb(ev.type, clone(ev.obj));
    });
  }

  /** Raw event feed (all types), used by the HTTP watch. Returns unsubscribe. */
  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Events after `rv`, or `expired` when `rv` is older than the kept history. */
  eventsSince(rv: number): EventsSince {
    if (rv < this.compactedRv) return { expired: true, oldest: this.compactedRv + 1 };
    return { expired: false, events: this.history.filter((e) => e.rv > rv) };
  }

  /**
   * The objects of one type as they were at resourceVersion `rv` (a consistent snapshot for list paging, as
   * etcd serves a continue token at its revision), rebuilt by undoing the kept history after `rv`; undefined
   * when `rv` is older than the kept history (the real server's compaction: 410 Expired).
   */
  snapshotAt(apiVersion: string, kind: string, rv: number): KubeObject[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const t = this.typeOf(apiVersion, kind);
    const prefix = `${apiVersion}|${kind}|`;
    const state = new Map<string, KubeObject>();
    for (const [k, o] of this.objects) if (k.startsWith(prefix)) state.set(k, o);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const e = this.history[i]!;
      if (e.rv <= rv) break;
      if (e.apiVersion !== apiVersion || e.kind !== kind) continue;
      const k = keyOf(apiVersion, kind, this.nsOf(t, e.obj.metadata.namespace), e.obj.metadata.name);
      if (e.type === 'ADDED') state.delete(k);
      else if (e.old) state.set(k, e.old);
    }
    return [...state.values()].map(clone);
  }

  /** Every stored object (for dumps), sorted by type then namespace/name. */
  all(): KubeObject[] {
    return [...this.objects.values()].map(clone);
  }

  private record(ev: StoreEvent): void {
    this.history.push(ev);
    while (this.history.length > this.historyLimit) this.compactedRv = this.history.shift()!.rv;
    // A subscriber may write from its callback: queue such nested events so every subscriber still sees
    // all events in resourceVersion order.
    this.pending.push(ev);
    if (this.emitting) return;
    this.emitting = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const fn of [...this.listeners]) {
          try {
            fn(next);
          } catch {
            // A failing subscriber must not undo or block a committed write.
          }
        }
      }
    } finally {
      this.emitting = false;
    }
  }
}
