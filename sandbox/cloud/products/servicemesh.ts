/**
 * Alibaba Cloud Service Mesh (ASM) `servicemesh` 2020-01-11 (RPC): the control plane's kubeconfig. Opt-in:
 * the cloud stand-in serves it only when started with `serviceMesh` (see `sandbox/mesh/`).
 *
 * UNVERIFIED (the one place): the action name `DescribeServiceMeshKubeconfig`, its parameters `ServiceMeshId`
 * (required) and `PrivateIpAddress` (optional, "true" for the VPC-internal endpoint), the answer
 * `{ RequestId, Kubeconfig }`, and the error codes for a missing parameter and an unknown mesh, are our reading
 * of the product's API reference, not confirmed against the real service. The stand-in has one endpoint, so
 * `PrivateIpAddress` changes nothing but is checked to be a boolean.
 */
import { OpenApiError } from '../errors';
import type { RpcProduct } from '../openapi-server';

/** A mesh the stand-in knows: its id and the kubeconfig of its control plane. */
export interface ServiceMeshSpec {
  serviceMeshId: string;
  kubeconfig(): string;
}

/** The servicemesh product for the OpenAPI server. */
export function servicemeshProduct(meshes: ServiceMeshSpec[]): RpcProduct {
  return {
    style: 'RPC',
    name: 'servicemesh',
    version: '2020-01-11',
    actions: {
      DescribeServiceMeshKubeconfig: ({ params }) => {
        const id = params.ServiceMeshId;
        if (!id)
          throw new OpenApiError('MissingServiceMeshId', 'ServiceMeshId is mandatory for this action.', 400);
        const priv = params.PrivateIpAddress;
        if (priv !== undefined && priv !== 'true' && priv !== 'false')
          throw new OpenApiError('InvalidParameter', `PrivateIpAddress ${priv} is not a boolean`, 400);
        const mesh = meshes.find((m) => m.serviceMeshId === id);
        if (!mesh) throw new OpenApiError('ServiceMesh.NotFound', `service mesh ${id} not found`, 404);
        return { Kubeconfig: mesh.kubeconfig() };
      },
    },
  };
}
