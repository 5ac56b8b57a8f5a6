/**
 * The CloudEvents 1.0 envelope EventBridge delivers to Function Compute (eventSchema: CloudEvents), with
 * Alibaba Cloud's `aliyun*` extensions. A batch arrives as a JSON array of these.
 *
 * @example
 * {"id":"45ef4dewdwe1-7c35-447a-bd93-fab****","source":"acs.cs","specversion":"1.0",
 *  "type":"cs:ActionTrail:ApiCall","subject":"acs:cs:cn-hangzhou:1234567890:cluster/c-ack-az1",
 *  "time":"2025-06-01T08:15:00Z","datacontenttype":"application/json;charset=utf-8",
 *  "aliyunaccountid":"1234567890","aliyunregionid":"cn-hangzhou","data":{"eventName":"DeleteCluster"}}
 */
import { z } from 'zod';

/** Envelope fields; extra extension attributes are kept. */
export const CloudEventSchema = z.looseObject({
  id: z.string().min(1),
  source: z.string().min(1),
  specversion: z.literal('1.0', { message: 'specversion must be "1.0"' }),
  type: z.string().min(1),
  subject: z.string().optional(),
  time: z.iso.datetime({ offset: true, message: 'time must be an RFC 3339 timestamp' }),
  datacontenttype: z.string().optional(),
  data: z.unknown(),
  aliyunaccountid: z.string().optional(),
  aliyunpublishtime: z.string().optional(),
  aliyuneventbusname: z.string().optional(),
  aliyunregionid: z.string().optional(),
  aliyunpublishaddr: z.string().optional(),
});

/** A CloudEvents envelope as delivered. */
export type CloudEvent = z.infer<typeof CloudEventSchema>;

/** True when the object has the shape of a CloudEvents envelope (decides which schema to apply). */
export function looksLikeCloudEvent(v: Record<string, unknown>): boolean {
  return 'specversion' in v;
}
