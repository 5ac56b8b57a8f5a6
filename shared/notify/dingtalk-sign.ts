/** DingTalk custom-robot signing: sign = urlencode(base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`))). */
import { createHmac } from 'node:crypto';

/** The `sign` value (not yet URL-encoded) for a timestamp in ms. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The webhook URL with access_token and, for a signed robot, timestamp and sign. */
export function dingtalkUrl(
  base: string,
  accessToken: string,
  secret: string | undefined,
  nowMs: number,
): string {
  const u = new URL(base);
  u.searchParams.set('access_token', accessToken);
  if (secret) {
    u.searchParams.set('timestamp', String(nowMs));
    u.searchParams.set('sign', dingtalkSign(secret, nowMs));
  }
  return u.toString();
}
