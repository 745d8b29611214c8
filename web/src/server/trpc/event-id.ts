/**
 * SSE event ids for reply streams: `<reply id>:<offset>`, the offset being how many code points of the
 * reply the browser has once it has this event. A reconnect sends the last id back (`lastEventId`), and
 * the BFF resumes with WatchReply from that offset instead of sending the message again.
 */

export interface ReplyPosition {
  replyId: string;
  offset: number;
}

const pattern = /^([A-Za-z0-9_-]{1,64}):(\d{1,9})$/;

export function formatEventId(position: ReplyPosition): string {
  return `${position.replyId}:${position.offset}`;
}

/** The position in a `lastEventId`, or null when it is not one of ours. */
export function parseEventId(id: string | null | undefined): ReplyPosition | null {
  const match = id ? pattern.exec(id) : null;
  if (!match) return null;
  return { replyId: match[1]!, offset: Number(match[2]) };
}
