/**
 * The ASM (Alibaba Cloud Service Mesh) control plane stand-in: a Kubernetes API of its own (the one a
 * `DescribeServiceMeshKubeconfig` kubeconfig points at) that serves Istio's DestinationRule with Istio's
 * validating webhook, beside the built-in types. The Fleet and the member clusters do not serve it.
 * Opt-in: nothing in the default sandbox starts it.
 */
import { namespaceYaml } from '../kubernetes/seed';
import { startKubeApiServer } from '../kubernetes/server';
import type { KubeApiServer } from '../kubernetes/types';
import { DESTINATION_RULE_TYPE } from './destination-rule';

/** Options of `startMeshControlPlane`. */
export interface MeshControlPlaneOptions {
  /** The ServiceMeshId the servicemesh OpenAPI stand-in answers for; default `c-asm-sandbox`. */
  serviceMeshId?: string;
  /** Namespaces created at start; default `istio-system` and `web-demo`. */
  namespaces?: string[];
  /** Authorise RBAC users by RBAC (default true). */
  enforceRbac?: boolean;
}

/** A running ASM control plane stand-in. */
export interface MeshControlPlane {
  serviceMeshId: string;
  /** Its Kubernetes API (store, request log, faults, kubeconfigs). */
  api: KubeApiServer;
  /** The kubeconfig ASM hands out (TLS form, admin token unless another is given). */
  kubeconfig(token?: string): string;
  stop(): Promise<void>;
}

/** The ServiceMeshId the stand-in answers for unless told another. */
export const SANDBOX_MESH_ID = 'c-asm-sandbox';

/** Starts the control plane's API on 127.0.0.1 with DestinationRule served. */
export async function startMeshControlPlane(opts: MeshControlPlaneOptions = {}): Promise<MeshControlPlane> {
  const serviceMeshId = opts.serviceMeshId ?? SANDBOX_MESH_ID;
  const namespaces = opts.namespaces ?? ['istio-system', 'web-demo'];
  const api = await startKubeApiServer({
    name: serviceMeshId,
    seedYaml: namespaces.map(namespaceYaml).join('---\n'),
    enforceRbac: opts.enforceRbac,
    extraResourceTypes: [DESTINATION_RULE_TYPE],
  });
  return {
    serviceMeshId,
    api,
    // client-node 2.x refuses plain-http kubeconfigs: the TLS form when the sandbox has openssl.
    kubeconfig: (token) => api.kubeconfig(token, { tls: true }),
    stop: () => api.stop(),
  };
}
