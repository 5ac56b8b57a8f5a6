/** Public types of the Kubernetes API stand-in (the agreed `sandbox/kubernetes` contract). */
import type { ResourceType } from './resources';

/**
 * A bearer token and what it may do: `admin` everything; `read-only`; `readWrite` lists resource plurals
 * writable, everything else read-only; `rbac` authenticates as `user` (and `groups`) and is authorised by the
 * RBAC objects in the server (Role/ClusterRole bound by RoleBinding/ClusterRoleBinding), as a real cluster does.
 */
export type TokenSpec =
  | { token: string; scope: 'admin' | 'read-only' | { readWrite: string[] } }
  | { token: string; scope: 'rbac'; user: string; groups?: string[] };

/** Timers of the simulated MseIngressConfig controller (Pending -> Running -> Listening). */
export interface MseStatusTimings {
  /** Delay before Pending becomes Running; default 300 ms. */
  runningAfterMs: number;
  /** Delay after Running before it becomes Listening; default 300 ms. */
  listeningAfterMs: number;
}

/** Options of `startKubeApiServer`. */
export interface KubeApiServerOptions {
  name: string;
  seedYaml?: string;
  tokens?: TokenSpec[];
  kubeconfigDir?: string;
  /** MseIngressConfig status timers (extension; short in tests). */
  mseStatus?: Partial<MseStatusTimings>;
  /** Interval of BOOKMARK events on watches that ask for them; default 5000 ms (extension). */
  bookmarkIntervalMs?: number;
  /** How many watch events are kept for resume; older resourceVersions get 410 Expired (extension). */
  watchHistory?: number;
  /** Authorise `rbac` tokens by RBAC (default true); false lets them do anything, as before RBAC existed. */
  enforceRbac?: boolean;
  /**
   * Resource types this server serves beyond the built-in ones (routes, discovery), as a cluster with extra
   * CRDs installed does: e.g. the ASM control plane's `networking.istio.io` DestinationRule
   * (`sandbox/mesh/destination-rule.ts`). Default none, so the Fleet and members serve exactly the built-ins.
   */
  extraResourceTypes?: ResourceType[];
}

/** Any Kubernetes object as stored and served. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** Kind of change a watch reports. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The in-process object store shared by the HTTP API and the simulations. */
export interface ObjectStore {
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): KubeObject[];
  /** Throws KubeStatusError 409 AlreadyExists / 422 Invalid. */
  create(obj: KubeObject): KubeObject;
  /** Replace; stale metadata.resourceVersion -> KubeStatusError 409 Conflict; absent rv = unconditional. */
  update(obj: KubeObject): KubeObject;
  /** Create or unconditional replace (for simulations). */
  upsert(obj: KubeObject): KubeObject;
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): void;
  /** Returns unsubscribe. */
  watch(apiVersion: string, kind: string, cb: (type: WatchEventType, obj: KubeObject) => void): () => void;
}

/** One served HTTP request, for tests (e.g. count 409s). */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  token?: string;
}

/** A running API server stand-in. */
export interface KubeApiServer {
  name: string;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** https://127.0.0.1:TLSPORT (a second port; self-signed CA in the TLS kubeconfig); undefined without openssl. */
  tlsUrl?: string;
  adminToken: string;
  /**
   * Kubeconfig YAML (server url + bearer token; admin token by default). Plain http unless `tls: true`:
   * kubectl needs the TLS form because client-go sends no token over plain http.
   */
  kubeconfig(token?: string, opts?: { tls?: boolean }): string;
  /** The admin kubeconfig written to a temp file (the TLS form when available, so kubectl can use it). */
  kubeconfigPath: string;
  store: ObjectStore;
  requestLog: RequestLogEntry[];
  dumpYaml(): string;
  /** The connection fault in effect (false: serving). */
  readonly unreachable: 'refuse' | 'hang' | false;
  /**
   * A connection fault on both ports, as when the API server's data centre is lost: 'refuse' resets every
   * connection (clients fail at once), 'hang' accepts and never answers (clients wait for their own timeout),
   * false serves again on the same ports. `store` keeps working in-process either way.
   */
  setUnreachable(mode: 'refuse' | 'hang' | false): void;
  /**
   * Answer the next `times` requests that match with a 500 InternalError Status (as an apiserver whose etcd
   * write failed does), after authorization and before anything is stored. Returns a function that clears it.
   */
  failRequests(match: RequestFaultMatch, times?: number): () => void;
  /**
   * A bearer token for an RBAC user (what a kubeconfig ACK issues for a RAM identity carries): its requests are
   * authorised by the RBAC objects in this server. Pass the token to `kubeconfig(token)`.
   */
  addRbacUser(user: string, groups?: string[]): string;
  /** RBAC enforcement for RBAC users (the `enforceRbac` option); admin and scoped tokens are unaffected. */
  enforceRbac: boolean;
  stop(): Promise<void>;
}

/** Which requests a fault applies to: a verb and a resource plural, optionally one object name (a create's is read from its body). */
export interface RequestFaultMatch {
  verb: string;
  plural: string;
  name?: string;
}
