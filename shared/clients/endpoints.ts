/**
 * The one place that decides where each cloud API is reached. Real public endpoints by default; a local
 * stand-in only when configured explicitly (an options object, or FLEET_DR_ENDPOINTS as JSON such as
 * `{"cs":"127.0.0.1:1234","fc":"http://127.0.0.1:5678"}`). No other module builds a host name.
 */
import { z } from 'zod';
import { ConfigError } from '../errors';

/** The products fleet-dr calls. */
export type Product = 'cs' | 'adcp' | 'mse' | 'cms' | 'fc' | 'dingtalk' | 'servicemesh';

/** Endpoint overrides, by product: `host:port` (plain http for 127.0.0.1/localhost) or a full URL. */
export type EndpointOverrides = Partial<Record<Product, string>>;

/** Where one product is reached. */
export interface ResolvedEndpoint {
  /** host[:port] as the SDK Config wants it. */
  endpoint: string;
  protocol: 'https' | 'http';
  /** protocol://endpoint */
  url: string;
}

const OverridesSchema = z.partialRecord(
  z.enum(['cs', 'adcp', 'mse', 'cms', 'fc', 'dingtalk', 'servicemesh']),
  z.string().min(1),
);

/** Parse FLEET_DR_ENDPOINTS; a malformed value is an error (never silently the real cloud or the sandbox). */
export function overridesFromEnv(env: NodeJS.ProcessEnv = process.env): EndpointOverrides {
  const raw = env.FLEET_DR_ENDPOINTS;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError('FLEET_DR_ENDPOINTS is not JSON', [], { cause: e });
  }
  const r = OverridesSchema.safeParse(parsed);
  if (!r.success)
    throw new ConfigError(
      'FLEET_DR_ENDPOINTS: unknown product or empty endpoint',
      r.error.issues.map((i) => i.message),
    );
  return r.data as EndpointOverrides;
}

/** The real public endpoint of a product in a region (FC needs the account id). */
export function publicEndpoint(product: Product, region: string, accountId?: string): string {
  switch (product) {
    case 'cms':
      // CloudMonitor's API host is "metrics", as in the SDK's endpoint map.
      return `metrics.${region}.aliyuncs.com`;
    case 'fc':
      if (!accountId) throw new ConfigError('the Function Compute endpoint needs the account id');
      return `${accountId}.${region}.fc.aliyuncs.com`;
    case 'dingtalk':
      return 'oapi.dingtalk.com';
    case 'servicemesh':
      // ASM's API is central (one host for every region), as its generated SDK's endpoint rule says.
      return 'servicemesh.aliyuncs.com';
    default:
      return `${product}.${region}.aliyuncs.com`;
  }
}

/** Resolve a product's endpoint: the override if one is configured, else the public endpoint. */
export function resolveEndpoint(
  product: Product,
  region: string,
  opts: { overrides?: EndpointOverrides; accountId?: string } = {},
): ResolvedEndpoint {
  const o = opts.overrides?.[product];
  if (!o) {
    const endpoint = publicEndpoint(product, region, opts.accountId);
    return { endpoint, protocol: 'https', url: `https://${endpoint}` };
  }
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(o);
  if (m) {
    const protocol = m[1] as 'http' | 'https';
    return { endpoint: m[2]!, protocol, url: `${protocol}://${m[2]}` };
  }
  const local = /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(o);
  const protocol = local ? 'http' : 'https';
  return { endpoint: o, protocol, url: `${protocol}://${o}` };
}
