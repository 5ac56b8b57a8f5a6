/**
 * The resource types the stand-in serves, with what discovery reports about them. One server serves all of them
 * (Fleet and member clusters alike): a member cluster simply has no Ingress objects unless seeded with some.
 */

import type { KubeObject } from './types';

/** What discovery and the router need to know about one resource type. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Has a `/status` subresource: main-resource writes keep the old status, `/status` writes change only status. */
  statusSubresource: boolean;
  /** Columns beyond NAME and AGE for `kubectl get` tables: [header, JSON path of the value]. */
  columns?: Array<[string, string[]]>;
  /** Verbs discovery lists when not every verb (the access reviews: create only). */
  verbs?: string[];
  /** Not stored: answered by the server itself (SelfSubjectAccessReview, SubjectAccessReview). */
  virtual?: boolean;
  /** Served from a CRD: an update (PUT) without metadata.resourceVersion is refused, as for other custom resources. */
  customResource?: boolean;
  /**
   * A validating admission check run after the built-in validation on every create, update and patch (and their
   * dry runs): throws a KubeStatusError to deny. Opt-in types (`extraResourceTypes`) use it for their webhook.
   */
  admit?: (obj: KubeObject) => void;
}

/** The RBAC API group (ClusterRole, ClusterRoleBinding, Role, RoleBinding). */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** All served types. MseIngressConfig scope and short name are unverified (the CRD was not readable). */
export const RESOURCE_TYPES: ResourceType[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, ['ns']),
  r('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  r('', 'v1', 'Secret', 'secrets', true, []),
  r('', 'v1', 'Event', 'events', true, ['ev']),
  r('', 'v1', 'Service', 'services', true, ['svc'], true),
  r('', 'v1', 'Pod', 'pods', true, ['po'], true),
  r('', 'v1', 'Node', 'nodes', false, ['no'], true),
  r('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], true, [
    ['READY', ['status', 'readyReplicas']],
    ['REPLICAS', ['spec', 'replicas']],
  ]),
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing'], true, [
    ['CLASS', ['spec', 'ingressClassName']],
  ]),
  r('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false, [], false, [
    ['CONTROLLER', ['spec', 'controller']],
  ]),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true, [], false, [
    ['HOLDER', ['spec', 'holderIdentity']],
  ]),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, []),
  r(
    'mse.alibabacloud.com',
    'v1alpha1',
    'MseIngressConfig',
    'mseingressconfigs',
    false,
    ['mseingress'],
    true,
    [['STATUS', ['status', 'status']]],
  ),
  r('argoproj.io', 'v1alpha1', 'Application', 'applications', true, ['app', 'apps'], false, [
    ['SYNC STATUS', ['status', 'sync', 'status']],
    ['HEALTH STATUS', ['status', 'health', 'status']],
  ]),
  r(RBAC_GROUP, 'v1', 'ClusterRole', 'clusterroles', false, []),
  r(RBAC_GROUP, 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false, []),
  r(RBAC_GROUP, 'v1', 'Role', 'roles', true, []),
  r(RBAC_GROUP, 'v1', 'RoleBinding', 'rolebindings', true, []),
  {
    ...r('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, []),
    verbs: ['create'],
    virtual: true,
  },
  {
    ...r('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', false, []),
    verbs: ['create'],
    virtual: true,
  },
];

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  statusSubresource = false,
  columns?: Array<[string, string[]]>,
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    statusSubresource,
    columns,
  };
}

/** The apiVersion string of a type ("v1" or "group/version"). */
export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Verbs every served type supports. */
export const RESOURCE_VERBS = VERBS;

/**
 * Opt-in types some server in this process was started with (`extraResourceTypes`), by apiVersion|kind. Only
 * that server serves them over HTTP (routes, discovery); the in-process stores know them all, because the
 * store resolves kinds without knowing its server.
 */
const STORED_EXTRA_TYPES = new Map<string, ResourceType>();

/** Lets the stores resolve an opt-in type (called by startKubeApiServer for its `extraResourceTypes`). */
export function registerStoredType(t: ResourceType): void {
  STORED_EXTRA_TYPES.set(`${apiVersionOf(t)}|${t.kind}`, t);
}

/** The types one server serves: every built-in type plus its opt-in ones. */
export function servedTypes(extra: ResourceType[] = []): ResourceType[] {
  return extra.length === 0 ? RESOURCE_TYPES : [...RESOURCE_TYPES, ...extra];
}

/** Finds a type by apiVersion and kind (built-in, or opt-in on some server). */
export function typeByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return (
    RESOURCE_TYPES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind) ??
    STORED_EXTRA_TYPES.get(`${apiVersion}|${kind}`)
  );
}

/** Finds a type by group, version and plural (the URL form) among the served types. */
export function typeByPlural(
  group: string,
  version: string,
  plural: string,
  types: ResourceType[] = RESOURCE_TYPES,
): ResourceType | undefined {
  return types.find((t) => t.group === group && t.version === version && t.plural === plural);
}
