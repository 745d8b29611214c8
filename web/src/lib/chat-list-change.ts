/** A change to the signed-in user's chat list, as the BFF relays WatchChats to the browser. */
import type { ChatSummary } from "./chat-types";

export type ChatListChange =
  /** The watch listens (again): list the chats now, so nothing falls between the list and the watch. */
  | { type: "ready" }
  | { type: "created"; chat: ChatSummary }
  | { type: "updated"; chat: ChatSummary }
  | { type: "deleted"; chatId: string }
  /** Changes were lost (a slow reader, a hub outage): list the chats again. */
  | { type: "resync" };
