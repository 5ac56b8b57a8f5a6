/**
 * Endpoint health as the gateway sees it: active checks (GET /healthz on every known endpoint; any answer is
 * healthy, refused or timed out is not) plus passive ejection of endpoints that refuse, reset or time out. The proxy
 * skips unhealthy endpoints only while the health fallback is on; the MSE stand-in sees the health always.
 */
import { request } from 'node:http';
import type { GatewayEndpoint } from './endpoints';

/** Key of an endpoint in the health map. */
export function endpointKey(e: GatewayEndpoint): string {
  return `${e.cluster}/${e.address}:${e.port}`;
}

/** Health of the known endpoints. */
export class EndpointHealth {
  private readonly failedCheck = new Set<string>();
  private readonly ejectedUntil = new Map<string, number>();

  constructor(
    private readonly ejectMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an endpoint is currently considered healthy. */
  healthy(e: GatewayEndpoint): boolean {
    const k = endpointKey(e);
    if (this.failedCheck.has(k)) return false;
    const until = this.ejectedUntil.get(k);
    return until === undefined || until <= this.now();
  }

  /** Passive ejection after a failed request. */
  eject(e: GatewayEndpoint): void {
    this.ejectedUntil.set(endpointKey(e), this.now() + this.ejectMs);
  }

  /** Runs one round of active checks (each bounded by `timeoutMs`). */
  async check(endpoints: GatewayEndpoint[], timeoutMs: number): Promise<void> {
    await Promise.all(
      endpoints.map(async (e) => {
        const ok = await probe(e, timeoutMs);
        const k = endpointKey(e);
        if (ok) {
          this.failedCheck.delete(k);
          this.ejectedUntil.delete(k);
        } else this.failedCheck.add(k);
      }),
    );
  }
}

function probe(e: GatewayEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: e.address, port: e.port, path: '/healthz', agent: false, timeout: timeoutMs },
      (res) => {
        // A connection-level check: any answer means reachable (a share of 5xx is not a reason to eject).
        res.resume();
        resolve(true);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
