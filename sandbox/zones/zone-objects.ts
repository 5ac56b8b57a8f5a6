/**
 * The Kubernetes objects a member cluster shows for the demo application, derived from what actually runs in
 * its zone: Namespace, Deployment (status.readyReplicas), Service, one Pod per backend, one EndpointSlice
 * per pod, and the zone's Node the pods run on (with its zone and region labels). Every pod listens on
 * 127.0.0.1 with its own port, and an EndpointSlice carries one port for all its endpoints, so each pod gets
 * its own slice (as Kubernetes does for differing port sets). The "pod IP"
 * from the cluster's pod CIDR is only shown in Pod.status.podIP; the real address is in the slice and in the
 * `sandbox.fleet-dr/listen` annotation.
 */
import type { KubeObject } from '../kubernetes/types';
import { zoneNodeName } from './node-events';

/** Annotation on sandbox pods holding the address they really listen on. */
export const LISTEN_ANNOTATION = 'sandbox.fleet-dr/listen';

/** The application a zone runs. */
export interface AppSpec {
  namespace: string;
  /** Deployment and Service name (and the `app` label). */
  name: string;
  servicePort: number;
  clusterId: string;
  zone: string;
  /** The cluster's region (the node's topology.kubernetes.io/region label); none when not given. */
  region?: string;
  /** A label of the team's own on every pod (a `label` pin); none by default. */
  podLabel?: { key: string; value: string };
}

/** One pod as the objects show it. */
export interface PodView {
  name: string;
  port: number;
  podIP: string;
  ready: boolean;
}

/** Builds every object of the app in the member cluster, in creation order. */
export function appObjects(app: AppSpec, pods: PodView[]): KubeObject[] {
  const labels = { app: app.name };
  const podLabels = {
    ...labels,
    ...(app.podLabel ? { [app.podLabel.key]: app.podLabel.value } : {}),
    'pod-template-hash': 'sandbox',
  };
  const ready = pods.filter((p) => p.ready).length;
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.name, namespace: app.namespace, labels, generation: 1 },
    spec: {
      replicas: pods.length,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: podLabels },
        spec: { containers: [{ name: app.name, image: 'sandbox' }] },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: pods.length,
      updatedReplicas: pods.length,
      // Kubernetes omits zero counts from Deployment status; readers must treat a missing field as 0.
      ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
      ...(ready < pods.length ? { unavailableReplicas: pods.length - ready } : {}),
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app.name, namespace: app.namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector: labels,
      ports: [{ name: 'http', port: app.servicePort, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app.namespace } },
    deployment,
    service,
    ...pods.map((p) => podObject(app, podLabels, p)),
    ...pods.map((p) => sliceObject(app, p)),
    nodeObject(app, ready > 0),
  ];
}

function podObject(app: AppSpec, labels: Record<string, string>, p: PodView): KubeObject {
  const status = p.ready ? 'True' : 'False';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: app.namespace,
      labels,
      annotations: { [LISTEN_ANNOTATION]: `127.0.0.1:${p.port}` },
    },
    spec: {
      nodeName: zoneNodeName(app.clusterId, app.zone),
      containers: [{ name: app.name, ports: [{ name: 'http', containerPort: p.port }] }],
    },
    status: {
      phase: 'Running',
      podIP: p.podIP,
      conditions: [
        { type: 'Ready', status },
        { type: 'ContainersReady', status },
      ],
    },
  };
}

/**
 * The zone's one node, labelled as cloud nodes are (well-known labels: the zone and region from the cloud
 * provider, the hostname from the kubelet). The gateway reads the zone and region from here, not from pods.
 */
function nodeObject(app: AppSpec, ready: boolean): KubeObject {
  const name = zoneNodeName(app.clusterId, app.zone);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(app.region ? { 'topology.kubernetes.io/region': app.region } : {}),
        'topology.kubernetes.io/zone': app.zone,
      },
    },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** Name of the EndpointSlice of one pod. */
export function sliceName(app: AppSpec, pod: string): string {
  return `${app.name}-${pod.slice(pod.lastIndexOf('-') + 1)}`;
}

function sliceObject(app: AppSpec, p: PodView): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(app, p.name),
      namespace: app.namespace,
      labels: {
        'kubernetes.io/service-name': app.name,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['127.0.0.1'],
        conditions: { ready: p.ready, serving: p.ready, terminating: false },
        targetRef: { kind: 'Pod', name: p.name, namespace: app.namespace },
        zone: app.zone,
      },
    ],
    ports: [{ name: 'http', port: p.port, protocol: 'TCP' }],
  };
}

/** A pod IP inside `cidr` (e.g. 172.20.0.0/16 -> 172.20.0.<10+i>), only for display in Pod.status. */
export function displayPodIp(cidr: string | undefined, index: number): string {
  const base = (cidr ?? '10.244.0.0/16').split('/')[0]!.split('.').map(Number);
  return `${base[0]}.${base[1]}.${base[2]}.${10 + index}`;
}
