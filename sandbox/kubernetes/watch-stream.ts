/**
 * HTTP watch: newline-delimited JSON events on a chunked 200 response. Without a resourceVersion (or with "0")
 * the current objects come first as ADDED; with one, the kept history after it is replayed, and a version older
 * than the history gets an ERROR event carrying a 410 Expired Status, as the real API server does.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf } from './resources';
import type { ResourceTarget } from './router';
import { fieldMatcher, labelMatcher } from './selectors';
import type { MemoryStore, StoreEvent } from './store';
import type { KubeObject } from './types';

/** Options of one watch stream. */
export interface WatchOptions {
  bookmarkIntervalMs: number;
  /** Called with the stream's closer so the server can end every watch on stop. */
  track(close: () => void): () => void;
}

/** Serves a watch on `res` until the client goes away, timeoutSeconds passes or the server stops. */
export function serveWatch(
  store: MemoryStore,
  t: ResourceTarget,
  q: URLSearchParams,
  res: ServerResponse,
  opts: WatchOptions,
): void {
  const av = apiVersionOf(t.type);
  const labels = labelMatcher(q.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(q.get('fieldSelector') ?? undefined);
  const nameOnly = t.name;
  const inScope = (o: KubeObject) =>
    (!t.type.namespaced || !t.namespace || o.metadata.namespace === t.namespace) &&
    (!nameOnly || o.metadata.name === nameOnly);
  const matches = (o: KubeObject | undefined) => o !== undefined && inScope(o) && labels(o) && fields(o);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();
  const write = (type: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const emit = (ev: StoreEvent) => {
    if (ev.apiVersion !== av || ev.kind !== t.type.kind) return;
    const now = matches(ev.obj);
    if (ev.type !== 'MODIFIED') {
      if (now) write(ev.type, ev.obj);
      return;
    }
    // Selector transitions: an object that starts matching is ADDED, one that stops matching is DELETED.
    const before = matches(ev.old);
    if (now && before) write('MODIFIED', ev.obj);
    else if (now) write('ADDED', ev.obj);
    else if (before) write('DELETED', ev.obj);
  };
  const rvParam = q.get('resourceVersion');
  if (rvParam && rvParam !== '0') {
    const since = store.eventsSince(Number(rvParam));
    if (since.expired) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rvParam} (${since.oldest})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    }
    for (const ev of since.events) emit(ev);
  } else {
    for (const o of store.list(av, t.type.kind, t.namespace)) if (matches(o)) write('ADDED', o);
  }
  const unsubscribe = store.subscribe(emit);
  const timers: NodeJS.Timeout[] = [];
  if (q.get('allowWatchBookmarks') === 'true') {
    const bookmark = () =>
      write('BOOKMARK', {
        kind: t.type.kind,
        apiVersion: av,
        metadata: { resourceVersion: String(store.currentRv()) },
      });
    timers.push(setInterval(bookmark, opts.bookmarkIntervalMs));
  }
  const timeout = Number(q.get('timeoutSeconds'));
  let untrack = () => {};
  const close = () => {
    unsubscribe();
    for (const x of timers) clearInterval(x);
    untrack();
    if (!res.writableEnded) res.end();
  };
  if (timeout > 0) timers.push(setTimeout(close, timeout * 1000));
  untrack = opts.track(close);
  res.on('close', close);
}
