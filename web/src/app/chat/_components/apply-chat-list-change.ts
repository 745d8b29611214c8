/**
 * A change from the live chat list applied to the cached list pages (newest activity first): a created
 * or updated chat takes its place by `updatedAt` among the chats loaded (an older one beyond the last
 * loaded page is left for "more" to bring), a deleted one leaves. `ready` and `resync` are not applied
 * here: the list is fetched again.
 */
import type { ChatListChange } from "~/lib/chat-list-change";
import type { ChatSummary } from "~/lib/chat-types";

export interface ListPages {
  pages: { chats: ChatSummary[]; nextCursor: string | null }[];
  pageParams: unknown[];
}

export function applyChatListChange<T extends ListPages>(data: T, change: ChatListChange): T {
  if (change.type === "ready" || change.type === "resync") return data;
  const removedId = change.type === "deleted" ? change.chatId : change.chat.id;
  const pages = data.pages.map((page) => ({
    ...page,
    chats: page.chats.filter((chat) => chat.id !== removedId),
  }));
  if (change.type !== "deleted") place(pages, change.chat);
  return { ...data, pages };
}

function place(pages: ListPages["pages"], chat: ChatSummary): void {
  const time = Date.parse(chat.updatedAt);
  // It goes right after the last loaded chat that is at least as new, on that chat's page (first page
  // when none is).
  let target = pages[0];
  for (const page of pages) {
    const before = page.chats.findIndex((other) => Date.parse(other.updatedAt) < time);
    if (before >= 0) {
      if (before > 0 || page === pages[0] || !target) return void page.chats.splice(before, 0, chat);
      return void target.chats.push(chat);
    }
    if (page.chats.length > 0) target = page;
  }
  // Older than every loaded chat: it belongs at the end only when nothing more is left to load.
  const last = pages.at(-1);
  if (!last) pages.push({ chats: [chat], nextCursor: null });
  else if (last.nextCursor === null) last.chats.push(chat);
}
