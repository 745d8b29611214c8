import { describe, expect, it } from "vitest";
import type { ChatSummary } from "~/lib/chat-types";
import { applyChatListChange, type ListPages } from "./apply-chat-list-change";

const chat = (id: string, minute: number, title = id): ChatSummary => ({
  id,
  title,
  model: "m",
  customInstructions: false,
  instructionsTokens: 0,
  titleSource: "first_message",
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(minute * 60_000).toISOString(),
});
const list = (...pages: [ChatSummary[], string | null][]): ListPages => ({
  pages: pages.map(([chats, nextCursor]) => ({ chats, nextCursor })),
  pageParams: pages.map((_, i) => (i === 0 ? null : `c${i}`)),
});
const ids = (data: ListPages) => data.pages.map((page) => page.chats.map((c) => `${c.id}:${c.title}`));

describe("applyChatListChange", () => {
  const loaded = list([[chat("c", 30), chat("b", 20)], "next"], [[chat("a", 10)], null]);

  it.each([
    {
      name: "a created chat goes first",
      change: { type: "created", chat: chat("new", 40) } as const,
      pages: [["new:new", "c:c", "b:b"], ["a:a"]],
    },
    {
      name: "a renamed chat keeps its place",
      change: { type: "updated", chat: chat("b", 20, "B!") } as const,
      pages: [["c:c", "b:B!"], ["a:a"]],
    },
    {
      name: "a chat with new activity moves up",
      change: { type: "updated", chat: chat("a", 50) } as const,
      pages: [["a:a", "c:c", "b:b"], []],
    },
    {
      name: "a deleted chat leaves",
      change: { type: "deleted", chatId: "c" } as const,
      pages: [["b:b"], ["a:a"]],
    },
    {
      name: "an unknown chat older than all goes last when all is loaded",
      change: { type: "updated", chat: chat("old", 1) } as const,
      pages: [
        ["c:c", "b:b"],
        ["a:a", "old:old"],
      ],
    },
    {
      name: "resync changes nothing here (the list is fetched again)",
      change: { type: "resync" } as const,
      pages: [["c:c", "b:b"], ["a:a"]],
    },
  ])("$name", ({ change, pages }) => {
    expect(ids(applyChatListChange(loaded, change))).toEqual(pages);
  });

  it("leaves an old chat beyond a page not yet loaded to that page", () => {
    const firstOnly = list([[chat("c", 30)], "next"]);
    expect(ids(applyChatListChange(firstOnly, { type: "updated", chat: chat("old", 1) }))).toEqual([["c:c"]]);
  });

  it("does not change the cached pages it was given", () => {
    applyChatListChange(loaded, { type: "deleted", chatId: "c" });
    expect(ids(loaded)).toEqual([["c:c", "b:b"], ["a:a"]]);
  });
});
