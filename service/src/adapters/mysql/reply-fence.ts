/**
 * The fence of every write a reply's owner makes while it streams (progress, the fitted prompt, the
 * final write): the row must still be `streaming` under that owner. A sweeper that ended it after the
 * owner's lease ran out, or another process, leaves nothing for a late write to change.
 */
import { and, eq, inArray, type Placeholder } from "drizzle-orm";
import { messages } from "./schema.js";

/** The live reply `replyId`, when `owner` holds it (either may be a placeholder of a statement built once). */
export function ownedLiveReply(replyId: string | Placeholder, owner: string | Placeholder) {
  return and(eq(messages.id, replyId), eq(messages.status, "streaming"), eq(messages.owner, owner));
}

/** The live replies among `ids` that `owner` holds. */
export function ownedLiveReplies(ids: readonly string[], owner: string) {
  return and(inArray(messages.id, [...ids]), eq(messages.status, "streaming"), eq(messages.owner, owner));
}
