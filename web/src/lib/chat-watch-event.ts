/** One event of a watched chat, as the BFF relays WatchChat to the browser (`chat.watchChat`). */
import type { ChatSummary, ReplyEvent } from "./chat-types";

export type ChatWatchEvent =
  /**
   * The watch listens (again), with the chat as it is now. Anything between the page's read and this
   * (or, after a reopen, while the watch was down) may have been missed: catch up by reading again.
   */
  | { type: "ready"; chat: ChatSummary }
  /** The chat was renamed, retitled, or its model or instructions changed. */
  | { type: "changed"; chat: ChatSummary }
  /**
   * An event of a reply being written in the chat, from any tab or device (this tab's own too): each
   * reply from its `started`, its text from offset 0, then `finished`.
   */
  | { type: "reply"; event: ReplyEvent }
  /** The chat's active path switched (another tab or device chose another version). */
  | { type: "branch"; leafId: string }
  /** The chat is gone (deleted, or no longer found): the last event. */
  | { type: "deleted"; chatId: string };
