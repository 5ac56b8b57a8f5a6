/**
 * The pin check. MSE sends a canary whose subset matches no pod to ALL the Service's pods, silently
 * defeating the weights, so before writing weights we prove, in each member cluster that gets traffic,
 * that the pin label selects pods of the route's Service there.
 */
import { PinLabelError } from '../clients/errors';
import type { KubeClient } from '../clients/kube-client';

/** Label selector string from a map. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Refuse (PinLabelError) unless `podLabel` selects at least one pod of `service` in this cluster. */
export async function checkPin(
  kube: KubeClient,
  clusterId: string,
  namespace: string,
  service: string,
  podLabel: { key: string; value: string },
): Promise<number> {
  const pin = `${podLabel.key}=${podLabel.value}`;
  const svc = await kube.getService(namespace, service);
  if (!svc)
    throw new PinLabelError(
      clusterId,
      `${namespace}/${service}`,
      pin,
      'the Service does not exist in this cluster',
    );
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0)
    throw new PinLabelError(
      clusterId,
      `${namespace}/${service}`,
      pin,
      'the Service has no selector, so its pods cannot be pinned',
    );
  if (selector[podLabel.key] !== undefined && selector[podLabel.key] !== podLabel.value)
    throw new PinLabelError(
      clusterId,
      `${namespace}/${service}`,
      pin,
      `the Service selects ${podLabel.key}=${selector[podLabel.key]}`,
    );
  const pods = await kube.listPods(namespace, `${selectorString(selector)},${pin}`);
  if (pods.length === 0)
    throw new PinLabelError(
      clusterId,
      `${namespace}/${service}`,
      pin,
      `selects none of the pods of the Service (selector ${selectorString(selector)})`,
    );
  return pods.length;
}
