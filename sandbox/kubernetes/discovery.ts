/** Discovery documents (/version, /api, /apis, per-group resource lists) in the legacy (unaggregated) form. */
import { apiVersionOf, RESOURCE_TYPES, RESOURCE_VERBS, type ResourceType } from './resources';

/** The Kubernetes version the stand-in claims (kubectl 1.32 is within skew of it). */
export const SERVER_VERSION = { major: '1', minor: '32' };

/** GET /version */
export function versionDoc(): Record<string, unknown> {
  return {
    major: SERVER_VERSION.major,
    minor: SERVER_VERSION.minor,
    gitVersion: `v${SERVER_VERSION.major}.${SERVER_VERSION.minor}.0-fleet-dr-sandbox`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** GET /api */
export function coreVersionsDoc(hostPort: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: hostPort }],
  };
}

/** The non-core groups with their single served version. */
function groups(types: ResourceType[]): Array<{ name: string; version: string }> {
  const seen = new Map<string, string>();
  for (const t of types) if (t.group && !seen.has(t.group)) seen.set(t.group, t.version);
  return [...seen].map(([name, version]) => ({ name, version }));
}

function groupDoc(g: { name: string; version: string }): Record<string, unknown> {
  const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
  return { name: g.name, versions: [gv], preferredVersion: gv };
}

/** GET /apis */
export function groupListDoc(types: ResourceType[] = RESOURCE_TYPES): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups(types).map(groupDoc) };
}

/** GET /apis/<group> or undefined when the group is not served. */
export function groupDocFor(
  name: string,
  types: ResourceType[] = RESOURCE_TYPES,
): Record<string, unknown> | undefined {
  const g = groups(types).find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) } : undefined;
}

/** GET /api/v1 or /apis/<group>/<version>, or undefined when not served. */
export function resourceListDoc(
  group: string,
  version: string,
  served: ResourceType[] = RESOURCE_TYPES,
): Record<string, unknown> | undefined {
  const types = served.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t) => {
    const main = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs ?? RESOURCE_VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      storageVersionHash: Buffer.from(`${apiVersionOf(t)}/${t.kind}`)
        .toString('base64')
        .slice(0, 11),
    };
    if (!t.statusSubresource) return [main];
    const status = {
      name: `${t.plural}/status`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    };
    return [main, status];
  });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
