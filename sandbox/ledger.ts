/**
 * The request ledger: every stand-in (the Fleet's and the members' Kubernetes APIs, the OpenAPI endpoint,
 * Function Compute, DingTalk, the zones' entry points) records each request it serves — method, path or
 * action, start and end, and the connection it came on — so a test can count round trips instead of timing
 * them. `sequentialDepth` folds requests whose intervals overlap into one level: the number of levels is how
 * many round trips a scenario waits for one after the other. One ledger per process (the stand-ins of every
 * sandbox in it write here); a test takes a `mark()` and reads what came `since` it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Which kind of stand-in served a request. */
export type LedgerSystem = 'kubernetes' | 'openapi' | 'fc' | 'dingtalk' | 'zone';

/** One request as a stand-in served it. */
export interface LedgerEntry {
  /** Order of arrival in this process. */
  seq: number;
  system: LedgerSystem;
  /** Which server: the Kubernetes API's name (fleet id, cluster id), the OpenAPI product, the zone's cluster. */
  server: string;
  method: string;
  /** The path (query left out), or the OpenAPI action. */
  what: string;
  userAgent: string;
  /** performance.now() when the request's headers arrived, and when its response closed. */
  start: number;
  end?: number;
  status?: number;
  /** Connection id (one per TCP/TLS connection) and whether an earlier request already used it. */
  connection: number;
  reused: boolean;
  tls: boolean;
}

/** Bound on the entries kept, so a long-running sandbox does not grow without limit. */
const MAX_ENTRIES = 100_000;

/** The ledger the stand-ins write to. */
export class RequestLedger {
  readonly entries: LedgerEntry[] = [];
  /**
   * A network round trip's latency, added by every stand-in before it serves a request (default 0). On
   * 127.0.0.1 a request is served in a millisecond, so two requests sent side by side by a busy client rarely
   * overlap on the server's clock and would count as two levels; with a latency they overlap as they would
   * across a VPC, while a request sent only after another one's answer still never overlaps it.
   */
  latencyMs = 0;
  private seq = 0;
  private nextConnection = 1;
  private readonly connections = new WeakMap<object, { id: number; requests: number }>();

  /** Records `req` (answered through `res`); its end and status are filled in when the response closes. */
  track(
    system: LedgerSystem,
    server: string,
    req: IncomingMessage,
    res: ServerResponse,
    what?: string,
  ): void {
    const socket = req.socket as object;
    let conn = this.connections.get(socket);
    if (!conn) {
      conn = { id: this.nextConnection++, requests: 0 };
      this.connections.set(socket, conn);
    }
    conn.requests += 1;
    const e: LedgerEntry = {
      seq: ++this.seq,
      system,
      server,
      method: req.method ?? 'GET',
      what: what ?? (req.url ?? '/').split('?')[0]!,
      userAgent: String(req.headers['user-agent'] ?? ''),
      start: performance.now(),
      connection: conn.id,
      reused: conn.requests > 1,
      tls: 'encrypted' in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted),
    };
    if (this.entries.length >= MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES + 1);
    this.entries.push(e);
    res.once('close', () => {
      e.end = performance.now();
      e.status = res.statusCode;
    });
  }

  /** Waits out the simulated latency (at once when there is none). */
  async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }

  /** A mark to read from: the entries recorded after it are `since(mark)`. */
  mark(): number {
    return this.seq;
  }

  /** The entries recorded after `mark`, oldest first (optionally only those `keep` accepts). */
  since(mark: number, keep: (e: LedgerEntry) => boolean = () => true): LedgerEntry[] {
    return this.entries.filter((e) => e.seq > mark && keep(e));
  }
}

/** The process's ledger. */
export const requestLedger = new RequestLedger();

/**
 * The requests grouped into sequential levels: sorted by start, a request that starts before every request of
 * the current level has ended joins it (its interval overlaps the level's); otherwise it opens the next one.
 * A request still open counts as ending at `openEnd` (default: now).
 */
export function sequentialLevels(entries: LedgerEntry[], openEnd = performance.now()): LedgerEntry[][] {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  const levels: LedgerEntry[][] = [];
  let levelEnd = Number.NEGATIVE_INFINITY;
  for (const e of sorted) {
    const end = e.end ?? openEnd;
    const current = levels.at(-1);
    if (current && e.start < levelEnd) {
      current.push(e);
      levelEnd = Math.max(levelEnd, end);
    } else {
      levels.push([e]);
      levelEnd = end;
    }
  }
  return levels;
}

/** How many round trips the requests wait for one after the other (overlapping requests count once). */
export function sequentialDepth(entries: LedgerEntry[], openEnd?: number): number {
  return sequentialLevels(entries, openEnd).length;
}

/** One line per level, for assertion messages: `1: GET fleet /api/v1/... | POST zone /healthz`. */
export function describeLevels(levels: LedgerEntry[][]): string {
  return levels
    .map(
      (l, i) =>
        `${i + 1}: ${l.map((e) => `${e.method} ${e.system}:${e.server} ${e.what}${e.reused ? '' : ' (new conn)'}`).join(' | ')}`,
    )
    .join('\n');
}
