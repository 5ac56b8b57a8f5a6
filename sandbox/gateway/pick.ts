/** Per-request decisions on a routing table, pure: which route, which backend (base or canary), which endpoint. */
import type { Rng } from '../zones/rng';
import type { GatewayEndpoint } from './endpoints';
import type { Backend, Canary, RouteEntry, RoutingTable } from './routing-table';

/** What routing looks at in a request. */
export interface RequestInfo {
  host?: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The route for a request: exact host before wildcard before any host; then Exact path, then longest prefix. */
export function matchRoute(table: RoutingTable, req: RequestInfo): RouteEntry | undefined {
  const host = (req.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const path = req.path.split('?')[0] || '/';
  let best: { r: RouteEntry; score: number } | undefined;
  for (const r of table.routes) {
    const hs = hostScore(r.host, host);
    if (hs < 0 || !pathMatches(r, path)) continue;
    const score = hs * 1e6 + (r.pathType === 'Exact' ? 5e5 : 0) + r.path.length;
    if (!best || score > best.score) best = { r, score };
  }
  return best?.r;
}

function hostScore(ruleHost: string | undefined, host: string): number {
  if (!ruleHost) return 0;
  const h = ruleHost.toLowerCase();
  if (h === host) return 2;
  if (h.startsWith('*.')) {
    const rest = host.slice(host.indexOf('.') + 1);
    return host.includes('.') && rest === h.slice(2) ? 1 : -1;
  }
  return -1;
}

function pathMatches(r: RouteEntry, path: string): boolean {
  if (r.pathType === 'Exact') return path === r.path;
  if (r.pathType === 'ImplementationSpecific') return path.startsWith(r.path);
  // Prefix: element-wise, so /foo matches /foo and /foo/bar but not /foobar.
  const p = r.path.replace(/\/+$/, '');
  return p === '' || path === p || path.startsWith(`${p}/`);
}

/** How a backend was chosen. */
export type ChosenBy = 'header' | 'cookie' | 'weight' | 'base';

/** Chooses base or a canary: header canaries first, then cookie, then weight; the rest goes to the base. */
export function chooseBackend(
  route: RouteEntry,
  req: RequestInfo,
  rng: Rng,
): { backend: Backend; by: ChosenBy } {
  for (const c of route.canaries) if (headerMatches(c, req)) return { backend: c.backend, by: 'header' };
  const cookies = parseCookies(req.headers.cookie);
  for (const c of route.canaries)
    if (c.cookie && cookies[c.cookie] === 'always') return { backend: c.backend, by: 'cookie' };
  const weighted = route.canaries.filter(
    (c) => c.weight !== undefined && c.weight > 0 && !excluded(c, req, cookies),
  );
  const shares = weighted.map((c) => Math.min(c.weight! / c.weightTotal, 1));
  const sum = shares.reduce((a, b) => a + b, 0);
  // Canary shares beyond 100% leave nothing for the base and are scaled to fit.
  const scale = sum > 1 ? 1 / sum : 1;
  let x = rng();
  for (let i = 0; i < weighted.length; i++) {
    x -= shares[i]! * scale;
    if (x < 0) return { backend: weighted[i]!.backend, by: 'weight' };
  }
  return { backend: route.base, by: 'base' };
}

function headerValue(req: RequestInfo, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function headerMatches(c: Canary, req: RequestInfo): boolean {
  if (!c.header) return false;
  const v = headerValue(req, c.header.name);
  if (v === undefined) return false;
  if (c.header.value !== undefined) return v === c.header.value;
  if (c.header.pattern) return c.header.pattern.test(v);
  return v === 'always';
}

/** A header or cookie saying `never` keeps the request off that canary. */
function excluded(c: Canary, req: RequestInfo, cookies: Record<string, string>): boolean {
  if (c.header && !c.header.value && !c.header.pattern && headerValue(req, c.header.name) === 'never')
    return true;
  return c.cookie !== undefined && cookies[c.cookie] === 'never';
}

function parseCookies(h: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (Array.isArray(h) ? h.join(';') : (h ?? '')).split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** Picks one endpoint uniformly (so clusters share by pod count), skipping those `skip` rejects. */
export function pickEndpoint(
  endpoints: GatewayEndpoint[],
  rng: Rng,
  skip: (e: GatewayEndpoint) => boolean = () => false,
): GatewayEndpoint | undefined {
  const candidates = endpoints.filter((e) => !skip(e));
  if (candidates.length === 0) return undefined;
  return candidates[Math.floor(rng() * candidates.length)];
}
