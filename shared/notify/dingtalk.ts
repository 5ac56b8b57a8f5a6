/**
 * Maps fleet-dr's notifications to DingTalk robot payloads (markdown and actionCard). Only the mapping:
 * HTTP is in dingtalk-client.ts, sizes in split.ts.
 */

/** A notification as fleet-dr composes it. */
export interface Notification {
  title: string;
  /** Markdown body. */
  text: string;
  /** With a link, the message is an actionCard with one button. */
  action?: { title: string; url: string };
  incidentId?: string;
}

/** Who to @-mention (from policy.notify.dingtalk). */
export interface Mentions {
  atMobiles?: string[];
  atUserIds?: string[];
  isAtAll?: boolean;
}

/** The JSON body DingTalk expects. */
export type DingTalkPayload =
  | { msgtype: 'markdown'; markdown: { title: string; text: string }; at: Mentions }
  | {
      msgtype: 'actionCard';
      actionCard: { title: string; text: string; singleTitle: string; singleURL: string };
      at: Mentions;
    };

/** Make sure the text carries a configured keyword (keyword-mode robots refuse messages without one). */
export function withKeyword(text: string, keywords: string[]): string {
  if (keywords.length === 0 || keywords.some((k) => text.includes(k))) return text;
  return `${text}\n\n— ${keywords[0]}`;
}

/** Build the vendor payload for one notification. */
export function toDingTalkPayload(
  n: Notification,
  mentions: Mentions = {},
  keywords: string[] = [],
): DingTalkPayload {
  const mobiles = mentions.atMobiles ?? [];
  // DingTalk only notifies mentioned mobiles that also appear in the text.
  const mentionLine = mobiles.length ? `\n\n${mobiles.map((m) => `@${m}`).join(' ')}` : '';
  const text = withKeyword(`${n.text}${mentionLine}`, keywords);
  const at = { atMobiles: mobiles, atUserIds: mentions.atUserIds ?? [], isAtAll: mentions.isAtAll ?? false };
  if (n.action)
    return {
      msgtype: 'actionCard',
      actionCard: { title: n.title, text, singleTitle: n.action.title, singleURL: n.action.url },
      at,
    };
  return { msgtype: 'markdown', markdown: { title: n.title, text }, at };
}
