/** Parses REST paths (/api/v1/..., /apis/<group>/<version>/...) into the resource they address. */
import { type ResourceType, typeByPlural } from './resources';

/** A request for a resource collection, an object or an object's subresource. */
export interface ResourceTarget {
  type: ResourceType;
  group: string;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** A discovery request. */
export type DiscoveryTarget =
  | { doc: 'version' | 'api' | 'apis' }
  | { doc: 'group'; group: string }
  | { doc: 'resources'; group: string; version: string };

/** What a path means: a resource, a discovery document or nothing served. */
export type Route =
  | { kind: 'resource'; target: ResourceTarget }
  | { kind: 'discovery'; target: DiscoveryTarget }
  | { kind: 'none' };

/** Routes a URL path (without query string) among the served types (the built-in ones by default). */
export function route(path: string, types?: ResourceType[]): Route {
  const segs = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (segs.length === 1 && segs[0] === 'version') return { kind: 'discovery', target: { doc: 'version' } };
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { kind: 'discovery', target: { doc: 'api' } };
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { kind: 'discovery', target: { doc: 'apis' } };
    if (segs.length === 2) return { kind: 'discovery', target: { doc: 'group', group: segs[1]! } };
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return { kind: 'none' };
  if (rest.length === 0) return { kind: 'discovery', target: { doc: 'resources', group, version } };
  // /namespaces/<ns>/<plural>/... when <plural> is a namespaced type; otherwise /namespaces/<name> is a Namespace.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const t = typeByPlural(group, version, rest[2]!, types);
    if (t?.namespaced) {
      if (rest.length > 5) return { kind: 'none' };
      return {
        kind: 'resource',
        target: { type: t, group, version, namespace: rest[1], name: rest[3], subresource: rest[4] },
      };
    }
  }
  const t = typeByPlural(group, version, rest[0]!, types);
  if (!t || rest.length > 3) return { kind: 'none' };
  return { kind: 'resource', target: { type: t, group, version, name: rest[1], subresource: rest[2] } };
}
