/** What travels on an owner's channel: an `OwnerMessage` as JSON, checked on the way in. */
import type { OwnerMessage } from "../../application/replies/reply-bus.js";

export const encodeOwnerMessage = (message: OwnerMessage) => JSON.stringify(message);

const isId = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** The message, or null for anything that is not one (another version's message, junk). */
export function decodeOwnerMessage(raw: string): OwnerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { type, replyId, watcher } = value as Record<string, unknown>;
  if (!isId(replyId)) return null;
  if (type === "stop") return { type, replyId };
  if ((type === "watching" || type === "unwatched") && isId(watcher)) return { type, replyId, watcher };
  return null;
}
