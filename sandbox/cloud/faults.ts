/**
 * Per-product fault switches shared by every stand-in server. Products: 'cs', 'adcp', 'mse', 'cms' (an OpenAPI
 * listener each), 'fc' and 'dingtalk' (their own servers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What to do to a product's requests. */
export interface FaultSpec {
  /** Added before answering. */
  latencyMs?: number;
  /** Share (0..1) of requests answered with a 5xx. */
  errorRate?: number;
  /** Answer every request with the product's throttling error. */
  throttle?: boolean;
  /** Accept the request and never answer (the client's read timeout fires). */
  hang?: boolean;
  /**
   * Refuse connections. fc and dingtalk stop listening (the client sees ECONNREFUSED); the OpenAPI products,
   * though each now has its own listener, still get their socket closed without an answer (ECONNRESET).
   */
  refuse?: boolean;
}

/** The verdict for one request after the fault switches have been applied. */
export type FaultOutcome = 'pass' | 'error5xx' | 'throttle' | 'handled';

/** Per-product fault registry with an injectable random source so tests can be deterministic. */
export class FaultRegistry {
  private readonly specs = new Map<string, FaultSpec>();
  private readonly listeners = new Set<(product: string) => void | Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  constructor(private readonly random: () => number = Math.random) {}

  /** Switch faults on for a product (replaces its previous spec). */
  set(product: string, f: FaultSpec): void {
    this.specs.set(product, { ...f });
    this.tell([product]);
  }

  /** Clear one product's faults, or all. */
  clear(product?: string): void {
    const affected = product ? [product] : [...this.specs.keys()];
    if (product) this.specs.delete(product);
    else this.specs.clear();
    this.tell(affected);
  }

  /** Resolves once every server has acted on the faults set so far (stopped or resumed listening). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private tell(products: string[]): void {
    for (const p of products)
      for (const l of this.listeners) {
        const done = Promise.resolve(l(p)).catch(() => {});
        this.pending.add(done);
        void done.then(() => this.pending.delete(done));
      }
  }

  /** The current spec for a product. */
  get(product: string): FaultSpec {
    return this.specs.get(product) ?? {};
  }

  /** Be told when a product's faults change (servers that stop listening on `refuse` use it). */
  onChange(l: (product: string) => void | Promise<void>): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Apply latency, hang and socket-close faults; return what the handler must still do.
   * 'handled' means the request was consumed (hung or its socket destroyed).
   */
  async apply(product: string, req: IncomingMessage, res: ServerResponse): Promise<FaultOutcome> {
    const f = this.get(product);
    if (f.refuse) {
      req.socket.destroy();
      return 'handled';
    }
    if (f.hang) return 'handled';
    if (f.latencyMs && f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (res.destroyed) return 'handled';
    if (f.throttle) return 'throttle';
    if (f.errorRate && this.random() < f.errorRate) return 'error5xx';
    return 'pass';
  }
}
