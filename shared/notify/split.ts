/**
 * DingTalk refuses bodies over 20,000 bytes (460101). A long markdown notification is split at line
 * boundaries into numbered parts that each fit; past `maxParts` the rest is trimmed with a note saying how
 * much was cut. Sizes are measured on the serialised JSON payload in UTF-8 bytes.
 */
import { type DingTalkPayload, type Mentions, type Notification, toDingTalkPayload } from './dingtalk';

/** DingTalk's body limit in bytes. */
export const DINGTALK_MAX_BYTES = 20_000;

/** Serialised size of a payload in bytes. */
export function payloadBytes(p: DingTalkPayload): number {
  return Buffer.byteLength(JSON.stringify(p), 'utf8');
}

/** Cut a string to at most `bytes` UTF-8 bytes without splitting a character. */
export function cutUtf8(s: string, bytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= bytes) return s;
  let end = Math.max(0, bytes);
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** Split one notification into payloads each within `maxBytes`. */
export function splitNotification(
  n: Notification,
  mentions: Mentions = {},
  keywords: string[] = [],
  opts: { maxBytes?: number; maxParts?: number } = {},
): DingTalkPayload[] {
  const max = opts.maxBytes ?? DINGTALK_MAX_BYTES;
  const maxParts = opts.maxParts ?? 5;
  const whole = toDingTalkPayload(n, mentions, keywords);
  if (payloadBytes(whole) <= max) return [whole];
  // Room for the text in each part, measured as it will be serialised (JSON escaping included), with the
  // overhead of the longest part title and the keyword line.
  const overhead =
    payloadBytes(toDingTalkPayload({ ...n, title: `${n.title} (99/99)`, text: '' }, mentions, keywords)) + 64;
  const room = Math.max(256, max - overhead);
  const chunks: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const line of n.text.split('\n')) {
    const pieces = escapedBytes(line) > room ? hardSplit(line, Math.floor(room / 6)) : [line];
    for (const p of pieces) {
      const add = escapedBytes(p) + (cur ? 2 : 0); // "\n" is two bytes once escaped
      if (cur && curBytes + add > room) {
        chunks.push(cur);
        cur = p;
        curBytes = escapedBytes(p);
      } else {
        cur = cur ? `${cur}\n${p}` : p;
        curBytes += add;
      }
    }
  }
  if (cur) chunks.push(cur);
  let kept = chunks;
  if (chunks.length > maxParts) {
    const dropped = chunks.slice(maxParts - 1).reduce((a, c) => a + Buffer.byteLength(c, 'utf8'), 0);
    kept = [
      ...chunks.slice(0, maxParts - 1),
      `… ${dropped} bytes trimmed (DingTalk size limit); see the audit log for the full text`,
    ];
  }
  return kept.map((text, i) => {
    const part: Notification = {
      ...n,
      title: `${n.title} (${i + 1}/${kept.length})`,
      text,
      action: i === kept.length - 1 ? n.action : undefined,
    };
    let p = toDingTalkPayload(part, mentions, keywords);
    // Last resort: trim a part that still does not fit (pathological escaping).
    while (payloadBytes(p) > max)
      p = toDingTalkPayload(
        { ...part, text: cutUtf8(part.text, Buffer.byteLength(part.text) - (payloadBytes(p) - max) - 16) },
        mentions,
        keywords,
      );
    return p;
  });
}

/** Bytes a string takes inside a JSON string literal. */
function escapedBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(s), 'utf8') - 2;
}

function hardSplit(line: string, room: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (Buffer.byteLength(rest, 'utf8') > room) {
    const head = cutUtf8(rest, room);
    out.push(head);
    rest = rest.slice(head.length);
  }
  if (rest) out.push(rest);
  return out;
}
