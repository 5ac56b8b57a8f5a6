/**
 * Guesses about Alibaba Cloud payloads that no document or capture we have confirms. They live here, in
 * one place, so a capture from a real account can correct them without touching the parsers.
 */

/**
 * unverified: the CloudMonitor dimension key that carries an ACK cluster id. ACK metrics use `cluster`
 * or `clusterId` depending on the namespace; fleet-dr's own probe metric uses `clusterId`.
 */
export const ALARM_CLUSTER_DIMENSIONS = ['clusterId', 'cluster_id', 'ClusterId', 'cluster'] as const;

/**
 * unverified: where an ActionTrail event about ACK (`cs:ActionTrail:*`) names its cluster. ActionTrail's event
 * structure is documented (`eventName`, `requestParameters`, `referencedResources` {resource type: ids}, …);
 * which field carries an ACK cluster id, under which key, is not. Tried in this order: paths into `data`,
 * split at `/` (a value that is an array gives its first string). Kubernetes events need none of this: their
 * subject names the cluster (verified, shared/schemas/eventbridge-cs.ts).
 */
export const CS_ACTIONTRAIL_CLUSTER_FIELDS = [
  'referencedResources/ACS::CS::Cluster',
  'requestParameters/ClusterId',
  'requestParameters/clusterId',
  'requestParameters/cluster_id',
] as const;

/** unverified: where a Cloud Config change notification about ACK (`cs:Config:*`) names its cluster. */
export const CS_CONFIG_CLUSTER_FIELDS = ['configurationItem/resourceId'] as const;

/**
 * unverified: ActionTrail API calls that change the Fleet's membership, if ActionTrail ever delivers them with
 * `source: acs.cs`. ACK One (adcp) publishes no documented EventBridge event for attaching or detaching a
 * member cluster, so a detach is otherwise seen only by reading DescribeManagedClusters.
 */
export const CS_MEMBERSHIP_CALLS = ['AttachClusterToHub', 'DetachClusterFromHub'] as const;

/** unverified: the FC 3.0 HTTP event's `requestContext.timeEpoch` is milliseconds as a number or string. */
export const HTTP_TIME_EPOCH_UNIT = 'ms';

/**
 * unverified: the `source` of a CloudMonitor alarm on the EventBridge default bus. The EventBridge doc
 * "CloudMonitor events" lists the type but not the source string; `acs.cms` and `acs.cloudmonitor` are both
 * plausible, so s.yaml's EventBridge rule accepts both (a test checks the rule against these lists).
 */
export const CMS_ALARM_EVENT_SOURCES = ['acs.cms', 'acs.cloudmonitor'] as const;

/** The EventBridge event type of a CloudMonitor alert callback (documented: "Alert callbacks"). */
export const CMS_ALARM_EVENT_TYPES = ['cms:CloudMonitor:AlertWebHook'] as const;
