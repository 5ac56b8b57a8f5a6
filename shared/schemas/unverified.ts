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
 * unverified: where an `acs.cs` EventBridge event names its cluster. The subject is an ARN-like path whose
 * segment after `cluster/` or `clusters/` is the id (e.g. `acs:cs:cn-hangzhou:1234:cluster/c82e6...`).
 */
export const CS_SUBJECT_CLUSTER = /(?:^|[/:])clusters?\/([A-Za-z0-9][A-Za-z0-9_-]*)/;

/** unverified: `data` fields (dot paths) that may hold the cluster id, tried in this order. */
export const CS_DATA_CLUSTER_FIELDS = [
  'clusterId',
  'cluster_id',
  'ClusterId',
  'requestParameters.ClusterId',
  'requestParameters.clusterId',
  'resourceId',
  'configurationItem.resourceId',
] as const;

/** unverified: the FC 3.0 HTTP event's `requestContext.timeEpoch` is milliseconds as a number or string. */
export const HTTP_TIME_EPOCH_UNIT = 'ms';
